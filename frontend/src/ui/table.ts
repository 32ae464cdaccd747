// A data table with sorting (click a heading), filtering (words anywhere in a row) and paging. Only
// the visible page is in the DOM, so it copes with 100,000 rows.

import { filterIndex, pageButtons, paginate, sortIndex, type SortDir, type SortValue } from '../lib/tablemodel';
import { fmtNumber } from '../lib/time';
import { type Child, h, newId, option } from './dom';

export interface Column<R> {
  key: string;
  label: string;
  /** The value sorted on, filtered on and shown (when there is no render). */
  value: (r: R) => SortValue;
  /** What the cell shows; defaults to the value as text. */
  render?: (r: R) => Child;
  sortable?: boolean;
  searchable?: boolean;
  numeric?: boolean;
  className?: string;
}

export interface TableOptions<R> {
  pageSize?: number;
  empty?: string;
  search?: boolean;
  label?: string;
  sort?: { key: string; dir: SortDir };
  rowClass?: (r: R) => string;
  /** data-testid style name, used by tests to find the table. */
  name?: string;
  toolbar?: Child;
}

const pageSizes = [10, 25, 50, 100, 500];

export class DataTable<R> {
  readonly el: HTMLElement;
  private rows: readonly R[] = [];
  private texts: string[] | null = null;
  private sorted: Uint32Array | null = null;
  private view: number[] = [];
  private sortKey: string | null;
  private sortDir: SortDir;
  private page = 0;
  private size: number;
  private query = '';
  private readonly thead: HTMLTableSectionElement;
  private readonly tbody: HTMLTableSectionElement;
  private readonly info: HTMLElement;
  private readonly pager: HTMLElement;
  private readonly searchInput: HTMLInputElement | null;
  private readonly footer: HTMLElement;

  constructor(private readonly columns: Column<R>[], private readonly opts: TableOptions<R> = {}) {
    this.size = opts.pageSize ?? 25;
    this.sortKey = opts.sort?.key ?? null;
    this.sortDir = opts.sort?.dir ?? 'asc';
    this.thead = h('thead', { class: 'table-light' });
    this.tbody = h('tbody');
    this.info = h('div', { class: 'small text-body-secondary', 'aria-live': 'polite' });
    this.pager = h('ul', { class: 'pagination pagination-sm mb-0' });
    const sizeSelect = h('select', { class: 'form-select form-select-sm w-auto', 'aria-label': 'Rows per page' },
      ...pageSizes.map((s) => option(String(s), `${s} per page`, s === this.size)));
    sizeSelect.addEventListener('change', () => {
      this.size = Number(sizeSelect.value);
      this.page = 0;
      this.renderBody();
    });
    this.searchInput = opts.search === false ? null : h('input', {
      type: 'search', class: 'form-control form-control-sm dt-filter', placeholder: 'Filter…', 'aria-label': `Filter ${opts.label ?? 'rows'}`,
    });
    let t: ReturnType<typeof setTimeout> | undefined;
    this.searchInput?.addEventListener('input', () => {
      clearTimeout(t);
      t = setTimeout(() => {
        this.query = this.searchInput?.value ?? '';
        this.page = 0;
        this.refilter();
      }, this.rows.length > 5000 ? 200 : 0);
    });
    this.footer = h('div', { class: 'd-flex flex-wrap align-items-center justify-content-between gap-2 mt-2' },
      this.info, h('div', { class: 'd-flex align-items-center gap-2' }, sizeSelect, h('nav', { 'aria-label': 'Pages' }, this.pager)));
    const table = h('table', { class: 'table table-sm table-hover align-middle mb-0', id: newId('table') },
      opts.label ? h('caption', { class: 'visually-hidden' }, opts.label) : null, this.thead, this.tbody);
    this.el = h('div', { class: 'dt-table', dataset: opts.name ? { table: opts.name } : {} },
      (this.searchInput || opts.toolbar) ? h('div', { class: 'd-flex flex-wrap gap-2 align-items-center mb-2' }, this.searchInput, opts.toolbar ?? null) : null,
      h('div', { class: 'table-responsive border rounded' }, table),
      this.footer);
    this.renderHead();
  }

  /** setRows replaces the data; sort, filter and (where possible) the page are kept. */
  setRows(rows: readonly R[]): void {
    this.rows = rows;
    this.texts = null;
    this.resort();
  }

  get rowCount(): number {
    return this.rows.length;
  }

  private resort() {
    const col = this.columns.find((c) => c.key === this.sortKey);
    if (col) {
      const rows = this.rows;
      this.sorted = sortIndex(rows.length, (i) => col.value(rows[i] as R), this.sortDir);
    } else {
      this.sorted = null;
    }
    this.refilter();
  }

  private refilter() {
    const identity: ArrayLike<number> = this.sorted ?? Array.from({ length: this.rows.length }, (_, i) => i);
    if (this.query.trim() && !this.texts) {
      const cols = this.columns.filter((c) => c.searchable !== false);
      this.texts = this.rows.map((r) => cols.map((c) => String(c.value(r) ?? '')).join('\u0001').toLowerCase());
    }
    const texts = this.texts;
    this.view = filterIndex(identity, (i) => (texts ? (texts[i] as string) : ''), this.query);
    this.renderBody();
  }

  private renderHead() {
    const tr = h('tr');
    for (const c of this.columns) {
      const sortable = c.sortable !== false;
      const active = this.sortKey === c.key;
      const th = h('th', { scope: 'col', class: `${c.numeric ? 'text-end ' : ''}${c.className ?? ''}`.trim() || null,
        'aria-sort': active ? (this.sortDir === 'asc' ? 'ascending' : 'descending') : sortable ? 'none' : null });
      if (sortable) {
        const btn = h('button', { type: 'button', class: `dt-sort${active ? ' active ' + this.sortDir : ''}`, title: `Sort by ${c.label}` }, c.label);
        btn.addEventListener('click', () => {
          if (this.sortKey === c.key) this.sortDir = this.sortDir === 'asc' ? 'desc' : 'asc';
          else {
            this.sortKey = c.key;
            this.sortDir = 'asc';
          }
          this.renderHead();
          this.resort();
        });
        th.appendChild(btn);
      } else {
        th.textContent = c.label;
      }
      tr.appendChild(th);
    }
    this.thead.replaceChildren(tr);
  }

  private renderBody() {
    const p = paginate(this.view.length, this.page, this.size);
    this.page = p.page;
    const frag = document.createDocumentFragment();
    for (let k = p.start; k < p.end; k++) {
      const r = this.rows[this.view[k] as number] as R;
      const tr = h('tr', { class: this.opts.rowClass?.(r) || null });
      for (const c of this.columns) {
        const content = c.render ? c.render(r) : formatCell(c.value(r));
        tr.appendChild(h('td', { class: `${c.numeric ? 'text-end font-monospace ' : ''}${c.className ?? ''}`.trim() || null }, content));
      }
      frag.appendChild(tr);
    }
    if (this.view.length === 0) {
      const text = this.rows.length === 0 ? (this.opts.empty ?? 'Nothing to show.') : 'No rows match the filter.';
      frag.appendChild(h('tr', null, h('td', { colspan: String(this.columns.length), class: 'text-center text-body-secondary py-3' }, text)));
    }
    this.tbody.replaceChildren(frag);
    const n = this.view.length;
    const fmt = (x: number) => x.toLocaleString('en-GB');
    this.info.textContent = n === 0 ? (this.rows.length ? `0 of ${fmt(this.rows.length)} rows` : '') :
      `Showing ${fmt(p.start + 1)}–${fmt(p.end)} of ${fmt(n)}${n !== this.rows.length ? ` (filtered from ${fmt(this.rows.length)})` : ''}`;
    this.footer.classList.toggle('d-none', this.rows.length <= pageSizes[0]! && !this.query);
    this.renderPager(p.page, p.pages);
  }

  private renderPager(page: number, pages: number) {
    const item = (label: string, target: number | null, opts: { active?: boolean; disabled?: boolean; aria?: string } = {}) => {
      const li = h('li', { class: `page-item${opts.active ? ' active' : ''}${opts.disabled ? ' disabled' : ''}` });
      if (target === null || opts.disabled) {
        li.appendChild(h('span', { class: 'page-link', 'aria-current': opts.active ? 'page' : null }, label));
      } else {
        li.appendChild(h('button', { type: 'button', class: 'page-link', 'aria-label': opts.aria ?? `Page ${target + 1}`,
          'aria-current': opts.active ? 'page' : null, onclick: () => { this.page = target; this.renderBody(); } }, label));
      }
      return li;
    };
    const items: HTMLElement[] = [item('‹', page - 1, { disabled: page === 0, aria: 'Previous page' })];
    for (const b of pageButtons(page, pages)) {
      items.push(b === null ? item('…', null, { disabled: true }) : item(String(b + 1), b, { active: b === page }));
    }
    items.push(item('›', page + 1, { disabled: page >= pages - 1, aria: 'Next page' }));
    this.pager.replaceChildren(...items);
  }
}

/** formatCell shows a value: numbers as they are, booleans as words, empty as a dash. */
export function formatCell(v: SortValue): Child {
  if (v === null || v === undefined || v === '') return h('span', { class: 'text-body-tertiary' }, '—');
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  if (typeof v === 'number') return fmtNumber(v);
  return String(v);
}
