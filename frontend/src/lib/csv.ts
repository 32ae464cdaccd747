// CSV (RFC 4180) for downloads.

export type Cell = string | number | boolean | null | undefined;

/** csvCell quotes a cell when needed. Text that a spreadsheet would run as a formula gets a leading '. */
export function csvCell(v: Cell): string {
  if (v === null || v === undefined) return '';
  if (typeof v === 'number') return Number.isFinite(v) ? String(v) : '';
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  let s = v;
  if (/^[=+\-@\t\r]/.test(s)) s = "'" + s;
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** toCSV joins a header and rows with CRLF line ends, as RFC 4180 asks. */
export function toCSV(header: readonly string[], rows: Iterable<readonly Cell[]>): string {
  const out: string[] = [header.map(csvCell).join(',')];
  for (const r of rows) out.push(r.map(csvCell).join(','));
  return out.join('\r\n') + '\r\n';
}

/**
 * parseReadingsText reads "timestamp,value" lines (a header line and blank lines are skipped).
 * It returns the pairs, or the first problem as words with its line number.
 */
export function parseReadingsText(text: string): { rows: { timestamp: string; value: string }[] } | { error: string } {
  const rows: { timestamp: string; value: string }[] = [];
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const line = (lines[i] ?? '').trim();
    if (!line || line.startsWith('#')) continue;
    const m = /^("?)([^",;\t]+)\1\s*[,;\t]\s*(.*)$/.exec(line);
    if (!m) return { error: `Line ${i + 1}: expected "timestamp, value", got "${line.slice(0, 60)}".` };
    const ts = (m[2] ?? '').trim();
    let value = (m[3] ?? '').trim();
    if (value.length >= 2 && value.startsWith('"') && value.endsWith('"')) value = value.slice(1, -1).replace(/""/g, '"');
    if (rows.length === 0 && Number.isNaN(Date.parse(normaliseTimestamp(ts))) && /^[a-z_ ]+$/i.test(ts)) continue; // header
    if (Number.isNaN(Date.parse(normaliseTimestamp(ts)))) return { error: `Line ${i + 1}: "${ts}" is not a date and time.` };
    rows.push({ timestamp: normaliseTimestamp(ts), value });
  }
  if (rows.length === 0) return { error: 'No readings given: enter one "timestamp, value" pair per line.' };
  return { rows };
}

/** normaliseTimestamp reads timestamps without a zone as UTC, as the API does. */
export function normaliseTimestamp(ts: string): string {
  const t = ts.trim().replace(' ', 'T');
  if (/^\d{4}-\d{2}-\d{2}$/.test(t)) return `${t}T00:00:00Z`;
  if (/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?$/.test(t)) return `${t}Z`;
  return t;
}
