// Pieces shared by the pages.

import type { Identifier, Measure } from '../types';
import { type Child, h } from '../ui/dom';
import { statusClass, statusLabel } from '../lib/errors';

/** pageHeader is the page's title row, with optional actions on the right. */
export function pageHeader(title: string, subtitle?: Child, ...actions: Child[]): HTMLElement {
  return h('div', { class: 'd-flex flex-wrap align-items-end justify-content-between gap-2 mb-3 pb-2 border-bottom' },
    h('div', null, h('h1', { class: 'h3 mb-0', tabindex: '-1' }, title), subtitle ? h('div', { class: 'text-body-secondary' }, subtitle) : null),
    actions.length ? h('div', { class: 'd-flex flex-wrap gap-2' }, ...actions) : null);
}

/** link is an in-app link (the shell routes it without reloading). */
export function link(href: string, text: Child, cls = ''): HTMLAnchorElement {
  return h('a', { href, class: cls || null }, text);
}

export function buttonLink(href: string, text: string, cls = 'btn-primary'): HTMLAnchorElement {
  return h('a', { href, class: `btn ${cls}` }, text);
}

/** q builds a path with a query string, leaving out empty values. */
export function q(path: string, params: Record<string, string | number | null | undefined>): string {
  const sp = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== null && v !== undefined && v !== '') sp.set(k, String(v));
  const s = sp.toString();
  return s ? `${path}?${s}` : path;
}

/** measureLabel is "temperature (Kelvin, float)". */
export function measureLabel(m: Measure | Identifier): string {
  return `${m.name} (${m.units ? `${m.units}, ` : ''}${m.datatype})`;
}

export function badges(items: string[], cls = 'text-bg-light border'): HTMLElement {
  return h('span', { class: 'd-inline-flex flex-wrap gap-1' }, ...items.map((t) => h('span', { class: `badge fw-normal ${cls}` }, t)));
}

/** statusBadge shows an HTTP status coloured by its class ("200 OK" in green, "500 …" in amber). */
export function statusBadge(status: number | null | undefined, error?: string | null): HTMLElement {
  if (status === null || status === undefined || status === 0) {
    return h('span', { class: 'badge dt-status dt-status-none', title: error ?? '' }, error ? 'failed' : 'never run');
  }
  return h('span', { class: `badge dt-status dt-status-${statusClass(status)}` }, statusLabel(status));
}

/** jsonBlock pretty-prints JSON in a scrolling block. */
export function jsonBlock(v: unknown, cls = ''): HTMLElement {
  const text = v === undefined ? '' : JSON.stringify(v, null, 2);
  return h('pre', { class: `dt-json mb-0 ${cls}`.trim() }, text ?? 'null');
}

/** compactJSON is one-line JSON, cut to max characters. */
export function compactJSON(v: unknown, max = 80): string {
  const s = JSON.stringify(v) ?? '';
  return s.length > max ? s.slice(0, max - 1) + '…' : s;
}

/** download saves text as a file. */
export function download(filename: string, text: string, type = 'text/csv;charset=utf-8'): void {
  const url = URL.createObjectURL(new Blob([text], { type }));
  const a = h('a', { href: url, download: filename, class: 'd-none' });
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

/** safeFilename keeps letters, digits, dot, dash and underscore. */
export function safeFilename(s: string): string {
  return s.replace(/[^A-Za-z0-9._-]+/g, '_').replace(/^_+|_+$/g, '').slice(0, 80) || 'data';
}

export function emptyState(text: string, ...actions: Child[]): HTMLElement {
  return h('div', { class: 'text-center text-body-secondary py-4' }, h('p', { class: 'mb-2' }, text), ...actions);
}

export const fmtInt = (n: number) => n.toLocaleString('en-GB');
