// Dates and times. The API speaks UTC, and so does the interface: every time shown or entered is UTC.

import { parseTime } from './series';

const pad = (n: number, w = 2) => String(n).padStart(w, '0');

/** fmtTime shows an API timestamp (or ms) as "2024-03-01 10:00:00 UTC"-style text without the zone. */
export function fmtTime(t: string | number | null | undefined, withSeconds = true): string {
  if (t === null || t === undefined || t === '') return '';
  const ms = typeof t === 'number' ? t : parseTime(t);
  if (!Number.isFinite(ms)) return String(t);
  const d = new Date(ms);
  let s = `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}`;
  if (withSeconds) {
    s += `:${pad(d.getUTCSeconds())}`;
    const frac = typeof t === 'string' ? /\.(\d+)/.exec(t)?.[1] : d.getUTCMilliseconds() ? pad(d.getUTCMilliseconds(), 3) : undefined;
    if (frac && /[1-9]/.test(frac)) s += '.' + frac.replace(/0+$/, '');
  }
  return s;
}

/** toInput gives the value of an <input type="datetime-local"> for a moment, in UTC. */
export function toInput(d: Date | number): string {
  const x = new Date(d);
  return `${x.getUTCFullYear()}-${pad(x.getUTCMonth() + 1)}-${pad(x.getUTCDate())}T${pad(x.getUTCHours())}:${pad(x.getUTCMinutes())}`;
}

/** fromInput reads a datetime-local (or date) value as UTC; null when empty or invalid. */
export function fromInput(s: string): Date | null {
  const t = s.trim();
  let iso: string;
  if (/^\d{4}-\d{2}-\d{2}$/.test(t)) iso = `${t}T00:00:00Z`;
  else if (/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?$/.test(t)) iso = `${t}Z`;
  else return null;
  const ms = Date.parse(iso);
  return Number.isNaN(ms) ? null : new Date(ms);
}

/** isoUTC is the form the API is sent: "2024-03-01T10:00:00.000Z". */
export function isoUTC(d: Date | number): string {
  return new Date(d).toISOString();
}

export const presets: Record<string, { label: string; ms: number }> = {
  '1h': { label: 'Last hour', ms: 3600_000 },
  '24h': { label: 'Last 24 h', ms: 86_400_000 },
  '7d': { label: 'Last 7 days', ms: 7 * 86_400_000 },
  '30d': { label: 'Last 30 days', ms: 30 * 86_400_000 },
  '1y': { label: 'Last year', ms: 365 * 86_400_000 },
};

/** presetRange is [now - span, now], with now rounded up to the next minute so it includes the present. */
export function presetRange(key: string, now: number): { from: Date; to: Date } {
  const span = presets[key]?.ms ?? 7 * 86_400_000;
  const to = Math.ceil((now + 1) / 60_000) * 60_000;
  return { from: new Date(to - span), to: new Date(to) };
}

/** ago words how long before now a moment was: "just now", "5 min ago", "3 h ago", "in 2 days". */
export function ago(t: string | number | null | undefined, now: number): string {
  if (t === null || t === undefined || t === '') return '';
  const ms = typeof t === 'number' ? t : parseTime(t);
  if (!Number.isFinite(ms)) return '';
  const diff = now - ms;
  const a = Math.abs(diff);
  let text: string;
  if (a < 45_000) return diff >= 0 ? 'just now' : 'in a moment';
  else if (a < 3600_000) text = `${Math.round(a / 60_000)} min`;
  else if (a < 86_400_000) text = `${Math.round(a / 3600_000)} h`;
  else text = `${Math.round(a / 86_400_000)} days`;
  return diff >= 0 ? `${text} ago` : `in ${text}`;
}

/**
 * axisLabels labels time-axis ticks (ms) in UTC, 24-hour: dates for day-sized steps, times for
 * smaller ones with the date under the first tick of each day.
 */
export function axisLabels(ticks: readonly number[], step: number): string[] {
  let prevDay = '';
  return ticks.map((t) => {
    const d = new Date(t);
    const day = `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}`;
    if (step >= 28 * 86_400_000) return day.slice(0, 7);
    if (step >= 86_400_000) return day;
    let s = `${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}`;
    if (step < 60_000) s += `:${pad(d.getUTCSeconds())}`;
    if (step < 1000) s += `.${pad(d.getUTCMilliseconds(), 3)}`;
    const first = day !== prevDay;
    prevDay = day;
    return first ? `${s}\n${day}` : s;
  });
}

/** fmtNumber shows a number with at most 8 significant digits ("286.23702"). */
export function fmtNumber(v: number): string {
  if (!Number.isFinite(v)) return String(v);
  if (Number.isInteger(v) && Math.abs(v) < 1e15) return String(v);
  const a = Math.abs(v);
  if (a !== 0 && (a >= 1e15 || a < 1e-6)) return v.toExponential(6).replace(/\.?0+e/, 'e');
  return String(Number(v.toPrecision(8)));
}
