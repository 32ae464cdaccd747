// Reading series: parsing timestamps fast, and aligning several series on one time axis for plotting,
// tabulating and CSV.

export type Value = string | number | boolean;
export interface Reading {
  value: Value;
  timestamp: string;
}

function digits(s: string, at: number, n: number): number {
  let v = 0;
  for (let i = at; i < at + n; i++) {
    const c = s.charCodeAt(i) - 48;
    if (c < 0 || c > 9) return NaN;
    v = v * 10 + c;
  }
  return v;
}

/**
 * parseTime returns milliseconds since the epoch. The API's own form (YYYY-MM-DDTHH:MM:SS[.ffffff]Z)
 * takes a fast path; anything else goes through Date.parse. Text without a zone is read as UTC.
 */
export function parseTime(s: string): number {
  if (s.length >= 20 && s.charCodeAt(s.length - 1) === 90 /* Z */ && s.charCodeAt(10) === 84 /* T */) {
    const y = digits(s, 0, 4), mo = digits(s, 5, 2), d = digits(s, 8, 2);
    const h = digits(s, 11, 2), mi = digits(s, 14, 2), sec = digits(s, 17, 2);
    let ms = 0;
    if (s.length > 20 && s.charCodeAt(19) === 46 /* . */) {
      const frac = s.slice(20, -1);
      ms = frac ? Number('0.' + frac) * 1000 : NaN;
    } else if (s.length !== 20) {
      ms = NaN;
    }
    const t = Date.UTC(y, mo - 1, d, h, mi, sec) + ms;
    if (Number.isFinite(t)) return t;
  }
  const t = s.trim().replace(/^(\d{4}-\d{2}-\d{2}) /, '$1T');
  if (/^\d{4}-\d{2}-\d{2}$/.test(t)) return Date.parse(t + 'T00:00:00Z');
  if (/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?$/.test(t)) return Date.parse(t + 'Z');
  return Date.parse(t);
}

/** plotValue maps a reading to a y value: numbers as they are, booleans as 1 and 0, text not at all. */
export function plotValue(v: Value | null | undefined): number | null {
  if (typeof v === 'number') return Number.isFinite(v) ? v : null;
  if (typeof v === 'boolean') return v ? 1 : 0;
  return null;
}

export interface Series {
  times: Float64Array; // ms, ascending
  labels: string[]; // the timestamps as the API sent them
  values: Value[];
}

/** toSeries parses an API readings list, sorting it by time if it is not sorted already. */
export function toSeries(readings: readonly Reading[]): Series {
  const n = readings.length;
  const times = new Float64Array(n);
  let sorted = true;
  for (let i = 0; i < n; i++) {
    times[i] = parseTime((readings[i] as Reading).timestamp);
    if (i > 0 && (times[i] as number) < (times[i - 1] as number)) sorted = false;
  }
  if (sorted) {
    return { times, labels: readings.map((r) => r.timestamp), values: readings.map((r) => r.value) };
  }
  const idx = Array.from({ length: n }, (_, i) => i).sort((a, b) => (times[a] as number) - (times[b] as number));
  return {
    times: Float64Array.from(idx, (i) => times[i] as number),
    labels: idx.map((i) => (readings[i] as Reading).timestamp),
    values: idx.map((i) => (readings[i] as Reading).value),
  };
}

export interface Aligned {
  times: Float64Array; // ms, ascending, distinct
  labels: string[];
  columns: (Value | null)[][]; // one per series, null where that series has no reading at that time
}

/** align merges series on the union of their timestamps. */
export function align(series: readonly Series[]): Aligned {
  if (series.length === 1) {
    const s = series[0] as Series;
    return { times: s.times, labels: s.labels, columns: [s.values] };
  }
  const total = series.reduce((n, s) => n + s.times.length, 0);
  const times = new Float64Array(total);
  const labels: string[] = [];
  const columns: (Value | null)[][] = series.map(() => []);
  const pos = series.map(() => 0);
  let n = 0;
  for (;;) {
    let t = Infinity;
    for (let k = 0; k < series.length; k++) {
      const s = series[k] as Series;
      const p = pos[k] as number;
      if (p < s.times.length && (s.times[p] as number) < t) t = s.times[p] as number;
    }
    if (t === Infinity) break;
    let label = '';
    for (let k = 0; k < series.length; k++) {
      const s = series[k] as Series;
      const p = pos[k] as number;
      const col = columns[k] as (Value | null)[];
      if (p < s.times.length && s.times[p] === t) {
        if (!label) label = s.labels[p] as string;
        col.push(s.values[p] as Value);
        pos[k] = p + 1;
        // Repeated timestamps within one series: keep the first.
        while ((pos[k] as number) < s.times.length && s.times[pos[k] as number] === t) pos[k] = (pos[k] as number) + 1;
      } else {
        col.push(null);
      }
    }
    times[n++] = t;
    labels.push(label);
  }
  return { times: times.slice(0, n), labels, columns };
}

/** plotColumn converts a column for the chart; it says whether any value could be plotted. */
export function plotColumn(col: readonly (Value | null)[]): { ys: (number | null)[]; plottable: boolean } {
  const ys = new Array<number | null>(col.length);
  let plottable = false;
  for (let i = 0; i < col.length; i++) {
    const y = plotValue(col[i]);
    ys[i] = y;
    if (y !== null) plottable = true;
  }
  return { ys, plottable };
}

/** extent returns the [min, max] of the finite numbers, or null when there are none. */
export function extent(ys: ArrayLike<number | null>): [number, number] | null {
  let lo = Infinity, hi = -Infinity;
  for (let i = 0; i < ys.length; i++) {
    const y = ys[i];
    if (typeof y === 'number' && Number.isFinite(y)) {
      if (y < lo) lo = y;
      if (y > hi) hi = y;
    }
  }
  return lo <= hi ? [lo, hi] : null;
}
