// The logic behind the data tables: filtering, sorting and paging, kept apart from the DOM.

export type SortValue = string | number | boolean | null | undefined;
export type SortDir = 'asc' | 'desc';

const collator = new Intl.Collator(undefined, { numeric: true, sensitivity: 'base' });

/** compareValues orders numbers numerically, text naturally ("s2" before "s10"), and empty values last. */
export function compareValues(a: SortValue, b: SortValue): number {
  const ea = a === null || a === undefined || a === '' || (typeof a === 'number' && Number.isNaN(a));
  const eb = b === null || b === undefined || b === '' || (typeof b === 'number' && Number.isNaN(b));
  if (ea || eb) return ea === eb ? 0 : ea ? 1 : -1;
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  if (typeof a === 'boolean' && typeof b === 'boolean') return Number(a) - Number(b);
  return collator.compare(String(a), String(b));
}

/**
 * sortIndex returns row indexes ordered by key (stable; empty values last in either direction).
 */
export function sortIndex(n: number, key: (i: number) => SortValue, dir: SortDir): Uint32Array {
  const idx = new Uint32Array(n);
  for (let i = 0; i < n; i++) idx[i] = i;
  const keys: SortValue[] = new Array(n);
  for (let i = 0; i < n; i++) keys[i] = key(i);
  const sign = dir === 'asc' ? 1 : -1;
  return idx.sort((x, y) => {
    const kx = keys[x], ky = keys[y];
    const ex = kx === null || kx === undefined || kx === '', ey = ky === null || ky === undefined || ky === '';
    if (ex || ey) return ex === ey ? x - y : ex ? 1 : -1;
    return sign * compareValues(kx, ky) || x - y;
  });
}

/** filterIndex keeps the indexes whose text contains every word of the query (case-insensitive). */
export function filterIndex(order: ArrayLike<number>, text: (i: number) => string, query: string): number[] {
  const words = query.toLowerCase().split(/\s+/).filter(Boolean);
  const out: number[] = [];
  for (let k = 0; k < order.length; k++) {
    const i = order[k] as number;
    if (words.length === 0) {
      out.push(i);
      continue;
    }
    const t = text(i);
    if (words.every((w) => t.includes(w))) out.push(i);
  }
  return out;
}

export interface Page {
  page: number; // 0-based, clamped
  pages: number; // at least 1
  start: number; // first index shown
  end: number; // one past the last index shown
}

/** paginate clamps page to the rows available and gives the slice to show. */
export function paginate(total: number, page: number, size: number): Page {
  const pages = Math.max(1, Math.ceil(total / Math.max(1, size)));
  const p = Math.min(Math.max(0, Math.floor(page)), pages - 1);
  const start = Math.min(total, p * size);
  return { page: p, pages, start, end: Math.min(total, start + size) };
}

/** pageButtons picks at most 7 page numbers around the current one, with null for a gap. */
export function pageButtons(page: number, pages: number): (number | null)[] {
  if (pages <= 7) return Array.from({ length: pages }, (_, i) => i);
  const set = new Set([0, pages - 1, page - 1, page, page + 1].filter((p) => p >= 0 && p < pages));
  if (page <= 3) [1, 2, 3, 4].forEach((p) => set.add(p));
  if (page >= pages - 4) [pages - 5, pages - 4, pages - 3, pages - 2].forEach((p) => set.add(p));
  const sorted = [...set].sort((a, b) => a - b);
  const out: (number | null)[] = [];
  sorted.forEach((p, i) => {
    if (i > 0 && p - (sorted[i - 1] as number) > 1) out.push(null);
    out.push(p);
  });
  return out;
}
