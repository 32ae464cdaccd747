// Checks that forms run before anything is sent.

import type { Value } from './series';

/** The backend's e-mail rule (create-user): a@b and default_user@localhost pass, .x@y and x@y. do not. */
const emailPattern = /^[A-Za-z0-9_][A-Za-z0-9._%+-]*@[A-Za-z0-9.-]*[A-Za-z0-9]$/;

export function isEmail(s: string): boolean {
  return emailPattern.test(s);
}

export function isHttpUrl(s: string): boolean {
  try {
    const u = new URL(s);
    return (u.protocol === 'http:' || u.protocol === 'https:') && u.hostname !== '';
  } catch {
    return false;
  }
}

export const datatypes = ['float', 'integer', 'string', 'boolean'] as const;
export type Datatype = (typeof datatypes)[number];

/** parseTyped reads form text as a value of the datatype, or says why it cannot. */
export function parseTyped(text: string, datatype: string): { value: Value } | { error: string } {
  const t = text.trim();
  switch (datatype) {
    case 'string':
      return { value: text };
    case 'integer': {
      if (!/^[+-]?\d+$/.test(t)) return { error: `"${t}" is not a whole number.` };
      const n = Number(t);
      if (n < -2147483648 || n > 2147483647) return { error: `${t} is outside the range of an integer (±2147483647).` };
      return { value: n };
    }
    case 'float': {
      if (!/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(t)) return { error: `"${t}" is not a number.` };
      const n = Number(t);
      if (!Number.isFinite(n)) return { error: `${t} is too large.` };
      return { value: n };
    }
    case 'boolean': {
      const l = t.toLowerCase();
      if (['true', 'yes', '1', 'on', 't', 'y'].includes(l)) return { value: true };
      if (['false', 'no', '0', 'off', 'f', 'n'].includes(l)) return { value: false };
      return { error: `"${t}" is not true or false.` };
    }
  }
  return { error: `Unknown datatype "${datatype}".` };
}

/** parseJSONParameters reads a parameters editor: a JSON object (or, when allowArray, an array). */
export function parseJSONParameters(text: string, allowArray = false): { value: Record<string, unknown> | unknown[] } | { error: string } {
  const t = text.trim();
  if (t === '') return { value: {} };
  let v: unknown;
  try {
    v = JSON.parse(t);
  } catch (e) {
    return { error: `Not valid JSON: ${e instanceof Error ? e.message : String(e)}` };
  }
  if (Array.isArray(v)) return allowArray ? { value: v } : { error: 'Parameters must be a JSON object ({ … }), not an array.' };
  if (v === null || typeof v !== 'object') return { error: 'Parameters must be a JSON object ({ … }).' };
  return { value: v as Record<string, unknown> };
}

const monthNames = ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'];
const dayNames = ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'];
const cronFields: { name: string; min: number; max: number; names?: string[]; nameBase?: number }[] = [
  { name: 'second', min: 0, max: 59 },
  { name: 'minute', min: 0, max: 59 },
  { name: 'hour', min: 0, max: 23 },
  { name: 'day of month', min: 1, max: 31 },
  { name: 'month', min: 1, max: 12, names: monthNames, nameBase: 1 },
  { name: 'day of week', min: 0, max: 6, names: dayNames, nameBase: 0 },
];

/**
 * checkCron validates a six-field NCRONTAB expression ({second} {minute} {hour} {day} {month}
 * {day-of-week}, UTC), as Azure timer triggers and the backend's schedules use. It returns null when
 * the expression is fine, otherwise the problem in words.
 */
export function checkCron(expr: string): string | null {
  const fields = expr.trim().split(/\s+/).filter(Boolean);
  if (fields.length !== 6) {
    return `A schedule needs six fields (second minute hour day month day-of-week), got ${fields.length}.`;
  }
  for (let i = 0; i < 6; i++) {
    const f = cronFields[i]!;
    for (const part of (fields[i] as string).split(',')) {
      const m = /^([^/]+)(?:\/(\d+))?$/.exec(part);
      if (!m) return `The ${f.name} field "${fields[i]}" is not valid.`;
      if (m[2] !== undefined && Number(m[2]) === 0) return `The ${f.name} field has a step of 0.`;
      const range = m[1] as string;
      if (range === '*' || range === '?') continue;
      const ends = range.split('-');
      if (ends.length > 2) return `The ${f.name} field "${part}" is not valid.`;
      const nums: number[] = [];
      for (const e of ends) {
        let n: number;
        if (/^\d+$/.test(e)) n = Number(e);
        else if (f.names && f.names.includes(e.toUpperCase())) n = f.names.indexOf(e.toUpperCase()) + (f.nameBase ?? 0);
        else return `The ${f.name} field has "${e}", which is not a number${f.names ? ' or a name' : ''}.`;
        const max = i === 5 ? 7 : f.max; // 7 is Sunday too
        if (n < f.min || n > max) return `The ${f.name} must be from ${f.min} to ${f.max}, got ${n}.`;
        nums.push(n);
      }
      if (nums.length === 2 && (nums[0] as number) > (nums[1] as number)) return `The ${f.name} range "${part}" runs backwards.`;
    }
  }
  return null;
}

/** describeCron words the common shapes of a schedule; other shapes are returned as they are. */
export function describeCron(expr: string): string {
  const f = expr.trim().split(/\s+/);
  if (f.length !== 6) return expr;
  const [s, mi, h, d, mo, w] = f as [string, string, string, string, string, string];
  const rest = d === '*' && mo === '*' && (w === '*' || w === '?');
  const two = (x: string) => x.padStart(2, '0');
  if (rest && /^\d+$/.test(s)) {
    if (mi === '*' && h === '*') return `every minute at second ${s}`;
    const every = /^\*\/(\d+)$/.exec(mi);
    if (every && h === '*') return `every ${every[1]} minutes`;
    if (/^\d+$/.test(mi) && h === '*') return `every hour at minute ${mi}`;
    const everyH = /^\*\/(\d+)$/.exec(h);
    if (/^\d+$/.test(mi) && everyH) return `every ${everyH[1]} hours at minute ${mi}`;
    if (/^\d+$/.test(mi) && /^\d+$/.test(h)) return `every day at ${two(h)}:${two(mi)} UTC`;
  }
  if (/^\*\/(\d+)$/.test(s) && mi === '*' && h === '*' && rest) return `every ${s.slice(2)} seconds`;
  return expr;
}
