// Form building blocks with validation messages that sit next to the field.

import { errorText } from '../lib/errors';
import { type Attrs, type Child, h, icon, newId } from './dom';
import { alertBox } from './feedback';

type Control = HTMLInputElement | HTMLSelectElement | HTMLTextAreaElement;

/** field wraps a control with its label, help text and a place for its error. */
export function field(label: string, control: Control, help?: string | Node, cls = 'mb-3'): HTMLDivElement {
  if (!control.id) control.id = newId();
  const feedback = h('div', { class: 'invalid-feedback', id: control.id + '-error' });
  const helpEl = help ? h('div', { class: 'form-text', id: control.id + '-help' }, help) : null;
  if (helpEl) control.setAttribute('aria-describedby', helpEl.id);
  const isCheck = control instanceof HTMLInputElement && (control.type === 'checkbox' || control.type === 'radio');
  if (isCheck) {
    control.classList.add('form-check-input');
    return h('div', { class: `form-check ${cls}` }, control, h('label', { class: 'form-check-label', for: control.id }, label), feedback, helpEl);
  }
  return h('div', { class: cls }, h('label', { class: 'form-label', for: control.id }, label), control, feedback, helpEl);
}

export function input(attrs: Attrs): HTMLInputElement {
  return h('input', { class: 'form-control', type: 'text', ...attrs });
}

export function select(attrs: Attrs, ...options: Child[]): HTMLSelectElement {
  return h('select', { class: 'form-select', ...attrs }, ...options);
}

export function textarea(attrs: Attrs): HTMLTextAreaElement {
  return h('textarea', { class: 'form-control', ...attrs });
}

/** passwordInput is a password field with a show/hide toggle. */
export function passwordInput(attrs: Attrs): { group: HTMLDivElement; input: HTMLInputElement } {
  const inp = input({ type: 'password', ...attrs });
  const btn = h('button', { type: 'button', class: 'btn btn-outline-secondary', 'aria-label': 'Show password', title: 'Show password' }, icon('eye'));
  btn.addEventListener('click', () => {
    const show = inp.type === 'password';
    inp.type = show ? 'text' : 'password';
    btn.replaceChildren(icon(show ? 'eyeoff' : 'eye'));
    btn.setAttribute('aria-label', show ? 'Hide password' : 'Show password');
    btn.title = show ? 'Hide password' : 'Show password';
  });
  return { group: h('div', { class: 'input-group has-validation' }, inp, btn), input: inp };
}

/** setError marks a control invalid with a message (null clears it). */
export function setError(control: Control, message: string | null): void {
  const fb = document.getElementById(control.id + '-error') ?? control.parentElement?.querySelector('.invalid-feedback');
  if (message) {
    control.classList.add('is-invalid');
    control.setAttribute('aria-invalid', 'true');
    if (fb) fb.textContent = message;
  } else {
    control.classList.remove('is-invalid');
    control.removeAttribute('aria-invalid');
    if (fb) fb.textContent = '';
  }
}

/**
 * Validator collects field errors; ok() reports whether there were none, and focuses the first bad
 * field otherwise.
 */
export class Validator {
  private first: Control | null = null;
  private count = 0;
  check(control: Control, message: string | null | false | undefined): boolean {
    if (message) {
      setError(control, message);
      this.first ??= control;
      this.count++;
      return false;
    }
    setError(control, null);
    return true;
  }
  ok(): boolean {
    this.first?.focus();
    return this.count === 0;
  }
}

/** clearErrorsOnInput removes a field's error as soon as the user edits it. */
export function clearErrorsOnInput(form: HTMLElement): void {
  form.addEventListener('input', (e) => {
    const t = e.target;
    if (t instanceof HTMLInputElement || t instanceof HTMLSelectElement || t instanceof HTMLTextAreaElement) setError(t, null);
  });
}

/**
 * handleSubmit runs action when the form is submitted: the submit button is disabled and shows a
 * spinner meanwhile, and an error is shown above the form in words.
 */
export function handleSubmit(form: HTMLFormElement, action: () => Promise<void> | void): void {
  form.noValidate = true;
  clearErrorsOnInput(form);
  let busy = false;
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    if (busy) return;
    busy = true;
    const btn = form.querySelector<HTMLButtonElement>('button[type=submit]');
    const label = btn ? [...btn.childNodes] : [];
    if (btn) {
      btn.disabled = true;
      btn.replaceChildren(h('span', { class: 'spinner-border spinner-border-sm me-2', 'aria-hidden': 'true' }), ...label);
    }
    form.querySelectorAll(':scope > .form-error').forEach((el) => el.remove());
    try {
      await action();
    } catch (err) {
      if (!(err instanceof DOMException && err.name === 'AbortError')) showFormError(form, errorText(err));
    } finally {
      busy = false;
      if (btn && btn.isConnected) {
        btn.disabled = false;
        btn.replaceChildren(...label);
      }
    }
  });
}

/** showFormError puts an error message at the top of a form. */
export function showFormError(form: HTMLElement, text: string): void {
  form.querySelectorAll(':scope > .form-error').forEach((el) => el.remove());
  const box = alertBox('danger', text);
  box.classList.add('form-error');
  form.prepend(box);
  box.scrollIntoView({ block: 'nearest' });
}

/** card is a Bootstrap card with a title. */
export function card(title: Child, ...body: Child[]): HTMLDivElement {
  return h('div', { class: 'card shadow-sm mb-4' },
    title ? h('div', { class: 'card-header fw-semibold' }, title) : null,
    h('div', { class: 'card-body' }, ...body));
}

export function submitButton(label: string, cls = 'btn-primary'): HTMLButtonElement {
  return h('button', { type: 'submit', class: `btn ${cls}` }, label);
}

/** passwordField is a labelled password input with its show/hide toggle and error message. */
export function passwordField(label: string, attrs: Attrs, help?: string): { el: HTMLDivElement; input: HTMLInputElement } {
  const { group, input: inp } = passwordInput(attrs);
  if (!inp.id) inp.id = newId();
  group.appendChild(h('div', { class: 'invalid-feedback', id: inp.id + '-error' }));
  return {
    el: h('div', { class: 'mb-3' }, h('label', { class: 'form-label', for: inp.id }, label), group, help ? h('div', { class: 'form-text' }, help) : null),
    input: inp,
  };
}
