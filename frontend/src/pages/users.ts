import type { Page } from '../page';
import type { Detail } from '../types';
import { errorText } from '../lib/errors';
import { isEmail } from '../lib/validate';
import { h, option, replace } from '../ui/dom';
import { confirmDialog, dialog, flash, flashNext, spinner } from '../ui/feedback';
import { card, field, handleSubmit, input, passwordField, select, submitButton, Validator } from '../ui/forms';

interface User {
  email: string;
  role: string | null;
}
import { DataTable } from '../ui/table';
import { pageHeader } from './common';

export const usersPage: Page = {
  title: 'Users',
  async render({ api, root, signal, navigate }) {
    const header = pageHeader('Users', 'Everyone who can log in to DTBase');
    replace(root, header, spinner('Loading users'));
    // With roles where the backend has them (admin or user); the original answers plain emails.
    const raw = await api.get<(string | { email: string; role: string })[]>('/user/list-users?with_roles=true', { signal });
    const users: User[] = raw.map((u) => (typeof u === 'string' ? { email: u, role: null } : { email: u.email, role: u.role ?? null }));
    const hasRoles = users.some((u) => u.role !== null);
    const me = api.session?.email ?? '';
    const iAmAdmin = !hasRoles || users.find((u) => u.email === me)?.role === 'admin';

    const changePassword = (email: string) => {
      const pw = passwordField('New password', { autocomplete: 'new-password', name: 'new_password' });
      const pw2 = passwordField('Repeat the new password', { autocomplete: 'new-password', name: 'new_password2' });
      const f = h('form', { 'aria-label': `Change password of ${email}` }, pw.el, pw2.el,
        h('div', { class: 'd-flex justify-content-end' }, submitButton('Change password')));
      const d = dialog(`Change the password of ${email}`, f);
      pw.input.focus();
      handleSubmit(f, async () => {
        const v = new Validator();
        v.check(pw.input, !pw.input.value ? 'Enter the new password.' : null);
        v.check(pw2.input, pw.input.value && pw2.input.value !== pw.input.value ? 'The two passwords differ.' : null);
        if (!v.ok()) return;
        await api.post<Detail>('/user/change-password', { email, password: pw.input.value });
        // Tokens issued before a password change stop working: log in again with the new one.
        if (email === me) await api.login(me, pw.input.value);
        d.close();
        flash('success', `Password of ${email} changed.`);
      });
    };

    const table: DataTable<User> = new DataTable<User>([
      { key: 'email', label: 'Email', value: (u) => u.email, render: (u) => h('span', null, u.email, u.email === me ? h('span', { class: 'badge text-bg-info ms-2' }, 'you') : null) },
      ...(hasRoles ? [{ key: 'role', label: 'Role', value: (u: User) => u.role,
        render: (u: User) => h('span', { class: `badge ${u.role === 'admin' ? 'text-bg-warning' : 'text-bg-light border'}` }, u.role ?? '') }] : []),
      { key: 'actions', label: '', value: () => '', sortable: false, searchable: false, render: (u) => h('div', { class: 'd-flex gap-1 justify-content-end' },
        h('button', { type: 'button', class: 'btn btn-sm btn-outline-secondary', disabled: !iAmAdmin && u.email !== me, onclick: () => changePassword(u.email) }, 'Change password'),
        h('button', { type: 'button', class: 'btn btn-sm btn-outline-danger', disabled: !iAmAdmin, title: iAmAdmin ? null : 'Only administrators delete users', onclick: async () => {
          const self = u.email === me;
          if (!(await confirmDialog('Delete user', self ? `Delete your own account ${u.email}? You will be logged out.` : `Delete the user ${u.email}?`))) return;
          try {
            await api.post<Detail>('/user/delete-user', { email: u.email });
            if (self) {
              api.logout();
              flashNext('info', 'Your account was deleted.');
              navigate('/login');
              return;
            }
            users.splice(users.indexOf(u), 1);
            table.setRows(users);
            flash('success', `User ${u.email} deleted.`);
          } catch (e) {
            flash('danger', `Could not delete ${u.email}: ${errorText(e)}`);
          }
        } }, 'Delete')) },
    ], { label: 'Users', name: 'users', empty: 'No users.', sort: { key: 'email', dir: 'asc' } });
    table.setRows(users);

    const email = input({ type: 'email', name: 'email', autocomplete: 'off' });
    const pw = passwordField('Password', { autocomplete: 'new-password', name: 'password' });
    const pw2 = passwordField('Repeat the password', { autocomplete: 'new-password', name: 'password2' });
    const role = select({ name: 'role' }, option('user', 'User'), option('admin', 'Administrator (manages users, may delete data)'));
    const form = h('form', { 'aria-label': 'Create a user' }, field('Email', email), pw.el, pw2.el, hasRoles ? field('Role', role) : null, submitButton('Create user'));
    handleSubmit(form, async () => {
      const v = new Validator();
      const e = email.value.trim();
      v.check(email, !e ? 'Enter the new user’s email address.' : !isEmail(e) ? 'This is not an email address DTBase accepts (like name@example.org).' : users.some((u) => u.email === e) ? `${e} is a user already.` : null);
      v.check(pw.input, !pw.input.value ? 'Choose a password.' : pw.input.value.length < 8 ? 'Use at least 8 characters.' : null);
      v.check(pw2.input, pw.input.value && pw2.input.value !== pw.input.value ? 'The two passwords differ.' : null);
      if (!v.ok()) return;
      await api.post<Detail>('/user/create-user', hasRoles ? { email: e, password: pw.input.value, role: role.value } : { email: e, password: pw.input.value });
      users.push({ email: e, role: hasRoles ? role.value : null });
      table.setRows(users);
      form.reset();
      flash('success', `User ${e} created.`);
    });

    replace(root, header, h('div', { class: 'row g-4 mb-4 align-items-start' },
      h('div', { class: 'col-lg-7' }, card(`All users (${users.length})`, table.el)),
      h('div', { class: 'col-lg-5' }, card('Create a user', iAmAdmin ? form : h('p', { class: 'text-body-secondary mb-0' }, 'Only administrators create users.')))));
  },
};
