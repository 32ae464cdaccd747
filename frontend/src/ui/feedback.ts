// Messages, progress and confirmations.

import { errorText } from '../lib/errors';
import { h, replace } from './dom';

export type Kind = 'success' | 'danger' | 'warning' | 'info';

/** alertBox is a Bootstrap alert; dismissible ones have a close button. */
export function alertBox(kind: Kind, text: string | Node, dismissible = true): HTMLDivElement {
  const box = h('div', { class: `alert alert-${kind} d-flex align-items-start gap-2${dismissible ? ' alert-dismissible' : ''}`, role: kind === 'danger' ? 'alert' : 'status' },
    h('div', { class: 'flex-grow-1 text-break' }, text));
  if (dismissible) {
    box.appendChild(h('button', { type: 'button', class: 'btn-close', 'aria-label': 'Close', onclick: () => box.remove() }));
  }
  return box;
}

/** errorBox words any error for the user. */
export function errorBox(e: unknown): HTMLDivElement {
  return alertBox('danger', errorText(e));
}

/** Flash messages live in one region at the top of the page. */
let flashRegion: HTMLElement | null = null;
let pending: { kind: Kind; text: string }[] = [];

export function setFlashRegion(el: HTMLElement): void {
  flashRegion = el;
  el.replaceChildren();
  const p = pending;
  pending = [];
  p.forEach((m) => flash(m.kind, m.text));
}

/** flash shows a message at the top of the current page (successes fade after a while). */
export function flash(kind: Kind, text: string): void {
  if (!flashRegion || !flashRegion.isConnected) {
    pending.push({ kind, text });
    return;
  }
  const box = alertBox(kind, text);
  box.classList.add('flash');
  flashRegion.appendChild(box);
  if (kind === 'success' || kind === 'info') setTimeout(() => box.remove(), 8000);
}

/** flashNext keeps a message for the page about to be shown. */
export function flashNext(kind: Kind, text: string): void {
  pending.push({ kind, text });
}

export interface Progress {
  el: HTMLElement;
  set(done: number, total: number, text?: string): void;
  text(t: string): void;
}

/** progress is a labelled progress bar; it is indeterminate until set is called with a total. */
export function progress(label: string): Progress {
  const bar = h('div', { class: 'progress-bar progress-bar-striped progress-bar-animated w-100' });
  const wrap = h('div', { class: 'progress', role: 'progressbar', 'aria-label': label, 'aria-valuemin': '0', 'aria-valuemax': '100' }, bar);
  const caption = h('div', { class: 'small text-body-secondary mt-1' }, label + '…');
  const el = h('div', { class: 'my-3 dt-progress', 'aria-live': 'polite' }, wrap, caption);
  return {
    el,
    set(done, total, text) {
      const pct = total > 0 ? Math.round((100 * done) / total) : 100;
      bar.classList.remove('w-100');
      bar.style.width = `${pct}%`;
      wrap.setAttribute('aria-valuenow', String(pct));
      caption.textContent = text ?? `${label}: ${done} of ${total}`;
    },
    text(t) {
      caption.textContent = t;
    },
  };
}

/** spinner is a small inline loading indicator. */
export function spinner(text = 'Loading'): HTMLElement {
  return h('div', { class: 'd-flex align-items-center gap-2 text-body-secondary my-3', role: 'status' },
    h('span', { class: 'spinner-border spinner-border-sm', 'aria-hidden': 'true' }), h('span', null, text + '…'));
}

/**
 * confirmDialog asks a yes/no question in a modal dialog; it resolves true when confirmed.
 */
export function confirmDialog(title: string, message: string | Node, confirmLabel = 'Delete', danger = true): Promise<boolean> {
  return new Promise((resolve) => {
    const dlg = h('dialog', { class: 'dt-dialog', 'aria-labelledby': 'dt-dialog-title' });
    const close = (v: boolean) => {
      dlg.close();
      dlg.remove();
      resolve(v);
    };
    const ok = h('button', { type: 'button', class: `btn ${danger ? 'btn-danger' : 'btn-primary'}`, onclick: () => close(true) }, confirmLabel);
    replace(dlg, h('div', { class: 'modal-content' },
      h('div', { class: 'modal-header' }, h('h2', { class: 'modal-title h5', id: 'dt-dialog-title' }, title),
        h('button', { type: 'button', class: 'btn-close', 'aria-label': 'Close', onclick: () => close(false) })),
      h('div', { class: 'modal-body' }, message),
      h('div', { class: 'modal-footer' },
        h('button', { type: 'button', class: 'btn btn-outline-secondary', onclick: () => close(false) }, 'Cancel'), ok)));
    dlg.addEventListener('cancel', (e) => {
      e.preventDefault();
      close(false);
    });
    document.body.appendChild(dlg);
    dlg.showModal();
    ok.focus();
  });
}

/** dialog shows arbitrary content (a form) in a modal; the returned close function removes it. */
export function dialog(title: string, body: Node): { close: () => void; el: HTMLDialogElement } {
  const dlg = h('dialog', { class: 'dt-dialog', 'aria-label': title });
  const close = () => {
    dlg.close();
    dlg.remove();
  };
  replace(dlg, h('div', { class: 'modal-content' },
    h('div', { class: 'modal-header' }, h('h2', { class: 'modal-title h5' }, title),
      h('button', { type: 'button', class: 'btn-close', 'aria-label': 'Close', onclick: close })),
    h('div', { class: 'modal-body' }, body)));
  dlg.addEventListener('cancel', (e) => {
    e.preventDefault();
    close();
  });
  document.body.appendChild(dlg);
  dlg.showModal();
  return { close, el: dlg };
}
