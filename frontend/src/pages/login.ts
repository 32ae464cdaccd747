import type { Page } from '../page';
import { safeNext } from '../lib/nav';
import { isEmail } from '../lib/validate';
import { h, icon, replace } from '../ui/dom';
import { field, handleSubmit, input, passwordField, submitButton, Validator } from '../ui/forms';

export const loginPage: Page = {
  title: 'Log in',
  public: true,
  render({ api, root, params, navigate }) {
    const email = input({ type: 'email', name: 'email', id: 'email_login', autocomplete: 'username', required: true, autofocus: true });
    const pw = passwordField('Password', { name: 'password', id: 'pwd_login', autocomplete: 'current-password', required: true });
    const form = h('form', { class: 'dt-login-form', 'aria-label': 'Log in' },
      field('Email', email),
      pw.el,
      submitButton('Log in', 'btn-primary w-100 mt-2'));
    (form.querySelector('button[type=submit]') as HTMLButtonElement).name = 'login';

    handleSubmit(form, async () => {
      const v = new Validator();
      v.check(email, !email.value.trim() ? 'Enter your email address.' : !isEmail(email.value.trim()) ? 'This does not look like an email address.' : null);
      v.check(pw.input, !pw.input.value ? 'Enter your password.' : null);
      if (!v.ok()) return;
      await api.login(email.value.trim(), pw.input.value);
      navigate(safeNext(params.get('next')), { replace: true });
    });

    replace(root,
      h('div', { class: 'dt-login card shadow' },
        h('div', { class: 'card-body p-4' },
          h('div', { class: 'text-center mb-4' },
            h('div', { class: 'dt-login-logo mb-2' }, icon('logo')),
            h('h1', { class: 'h4 mb-1' }, 'DTBase'),
            h('p', { class: 'text-body-secondary mb-0' }, 'A generalised platform for digital twins')),
          form)),
      h('p', { class: 'text-center small text-body-secondary mt-3' }, 'Log in with your DTBase account. Ask an administrator if you need one.'));
  },
};
