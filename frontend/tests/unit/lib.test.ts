import { test } from 'node:test';
import assert from 'node:assert/strict';
import { csvCell, parseReadingsText, toCSV, normaliseTimestamp } from '../../src/lib/csv';
import { messageFor, statusClass, statusLabel, validationText, networkMessage } from '../../src/lib/errors';
import { groupMeasures, pickGroup } from '../../src/lib/models';
import { safeNext } from '../../src/lib/nav';
import { mapLimit } from '../../src/lib/pool';
import { align, extent, parseTime, plotColumn, plotValue, toSeries } from '../../src/lib/series';
import { compareValues, filterIndex, pageButtons, paginate, sortIndex } from '../../src/lib/tablemodel';
import { ago, fmtTime, fromInput, presetRange, toInput } from '../../src/lib/time';
import { checkCron, describeCron, isEmail, isHttpUrl, parseJSONParameters, parseTyped } from '../../src/lib/validate';

test('csv: quoting, formulas, empty cells and CRLF line ends', () => {
  assert.equal(csvCell('plain'), 'plain');
  assert.equal(csvCell('a,b'), '"a,b"');
  assert.equal(csvCell('say "hi"'), '"say ""hi"""');
  assert.equal(csvCell('line\nbreak'), '"line\nbreak"');
  assert.equal(csvCell('=SUM(A1)'), "'=SUM(A1)");
  assert.equal(csvCell(-1.5), '-1.5');
  assert.equal(csvCell(null), '');
  assert.equal(csvCell(true), 'true');
  assert.equal(csvCell(Number.NaN), '');
  assert.equal(toCSV(['t', 'v'], [['2024-01-01T00:00:00Z', 1], ['x', null]]), 't,v\r\n2024-01-01T00:00:00Z,1\r\nx,\r\n');
});

test('csv: reading pasted readings', () => {
  const r = parseReadingsText('timestamp,value\n2024-03-01 10:00, 21.5\n\n# comment\n2024-03-01T11:00:00Z;22\n"2024-03-01T12:00:00+01:00",\t"x,y"');
  assert.ok('rows' in r);
  assert.deepEqual(r.rows, [
    { timestamp: '2024-03-01T10:00Z', value: '21.5' },
    { timestamp: '2024-03-01T11:00:00Z', value: '22' },
    { timestamp: '2024-03-01T12:00:00+01:00', value: 'x,y' },
  ]);
  const bad = parseReadingsText('2024-03-01T10:00:00Z,1\nyesterday,2');
  assert.ok('error' in bad && bad.error.startsWith('Line 2'));
  assert.ok('error' in parseReadingsText('  \n'));
  assert.equal(normaliseTimestamp('2024-03-01'), '2024-03-01T00:00:00Z');
});

test('errors: the API answers in words', () => {
  assert.equal(messageFor(401, '/auth/login', { detail: 'Incorrect email or password' }), 'Incorrect email or password');
  assert.equal(messageFor(409, '/sensor/insert-sensor', { detail: 'Sensor exists already' }), 'Sensor exists already');
  assert.equal(
    messageFor(422, '/auth/login', { detail: [{ type: 'missing', loc: ['body', 'email'], msg: 'Field required' }, { loc: ['body', 'password'], msg: 'Field required' }] }),
    'The server rejected the request: email: Field required; password: Field required.');
  assert.match(messageFor(500, '/x', 'Internal Server Error'), /internal error/);
  assert.match(messageFor(403, '/user/delete-user', { detail: 'Not permitted' }), /needs an administrator/);
  assert.match(messageFor(503, '/x', ''), /unavailable \(503 Service Unavailable\)/);
  assert.match(messageFor(404, '/service/list-schedules', { detail: 'Not Found' }), /no endpoint \/service\/list-schedules/);
  assert.match(messageFor(418, '/x', 'short and stout'), /418 I'm a teapot: short and stout/);
  assert.match(networkMessage('/api'), /Could not reach the DTBase API at \/api/);
  assert.equal(validationText([{ loc: ['body'], msg: 'Field required' }, { loc: ['body'], msg: 'Field required' }]), 'Field required');
  assert.equal(statusLabel(201), '201 Created');
  assert.equal(statusLabel(299), '299');
  assert.deepEqual([100, 204, 302, 404, 502, null].map(statusClass), ['info', 'success', 'redirect', 'client', 'server', 'none']);
});

test('models: mean and bounds are grouped by measure', () => {
  const g = groupMeasures(['Mean temperature', 'Upper Bound temperature', 'Lower Bound temperature', 'likely to rain', 'Mean humidity']);
  assert.deepEqual(g, [
    { base: 'temperature', mean: 'Mean temperature', upper: 'Upper Bound temperature', lower: 'Lower Bound temperature' },
    { base: 'likely to rain', mean: 'likely to rain' },
    { base: 'humidity', mean: 'Mean humidity' },
  ]);
  assert.equal(pickGroup(g, 'Humidity')?.base, 'humidity');
  assert.equal(pickGroup(g, 'unknown')?.base, 'temperature');
  assert.equal(pickGroup([], null), undefined);
});

test('pool: bounded concurrency, order kept, progress told, first error rejects', async () => {
  let inFlight = 0, peak = 0;
  const seen: number[] = [];
  const out = await mapLimit([5, 1, 4, 2, 3], 2, async (x) => {
    inFlight++;
    peak = Math.max(peak, inFlight);
    await new Promise((r) => setTimeout(r, x));
    inFlight--;
    return x * 10;
  }, (done) => seen.push(done));
  assert.deepEqual(out, [50, 10, 40, 20, 30]);
  assert.equal(peak, 2);
  assert.deepEqual(seen, [0, 1, 2, 3, 4, 5]);
  await assert.rejects(mapLimit([1, 2, 3], 2, async (x) => {
    if (x === 2) throw new Error('boom');
    return x;
  }), /boom/);
  assert.deepEqual(await mapLimit([], 3, async (x) => x), []);
});

test('series: timestamps parse fast and exactly', () => {
  assert.equal(parseTime('2023-03-29T01:00:00Z'), Date.UTC(2023, 2, 29, 1));
  assert.equal(parseTime('2024-02-12T17:00:00.123456Z'), Date.UTC(2024, 1, 12, 17) + 123.456);
  assert.equal(parseTime('2024-02-12T17:00:00+01:00'), Date.UTC(2024, 1, 12, 16));
  assert.equal(parseTime('2024-02-12 17:00'), Date.UTC(2024, 1, 12, 17));
  assert.equal(parseTime('2024-02-12'), Date.UTC(2024, 1, 12));
  assert.ok(Number.isNaN(parseTime('not a time')));
});

test('series: aligning several series on one time axis', () => {
  const a = toSeries([{ timestamp: '2024-01-01T00:00:00Z', value: 1 }, { timestamp: '2024-01-01T02:00:00Z', value: 3 }]);
  const b = toSeries([{ timestamp: '2024-01-01T02:00:00Z', value: true }, { timestamp: '2024-01-01T01:00:00Z', value: false }]);
  assert.deepEqual(b.values, [false, true], 'unsorted input is sorted');
  const al = align([a, b]);
  assert.deepEqual([...al.times], [0, 1, 2].map((h) => Date.UTC(2024, 0, 1, h)));
  assert.deepEqual(al.columns, [[1, null, 3], [null, false, true]]);
  assert.deepEqual(al.labels, ['2024-01-01T00:00:00Z', '2024-01-01T01:00:00Z', '2024-01-01T02:00:00Z']);
  const single = align([a]);
  assert.equal(single.times, a.times, 'one series is used as it is');
  assert.deepEqual(plotColumn(['x', null]), { ys: [null, null], plottable: false });
  assert.deepEqual(plotColumn([1.5, true, null]).ys, [1.5, 1, null]);
  assert.equal(plotValue('12'), null);
  assert.deepEqual(extent([null, 3, -1, 2]), [-1, 3]);
  assert.equal(extent([null]), null);
});

test('series: 100,000 readings are prepared quickly', () => {
  const start = Date.UTC(2024, 0, 1);
  const readings = Array.from({ length: 100_000 }, (_, i) => ({ timestamp: new Date(start + i * 60_000).toISOString().replace('.000Z', 'Z'), value: Math.sin(i / 100) }));
  const t0 = performance.now();
  const s = toSeries(readings);
  const al = align([s]);
  const { ys } = plotColumn(al.columns[0]!);
  const ms = performance.now() - t0;
  assert.equal(ys.length, 100_000);
  assert.equal(al.times[99_999], start + 99_999 * 60_000);
  assert.ok(ms < 1500, `took ${ms} ms`);
});

test('tables: natural sort with empty values last, filter on every word, paging', () => {
  assert.ok(compareValues('s2', 's10') < 0);
  assert.ok(compareValues(2, 10) < 0);
  assert.ok(compareValues(null, 'a') > 0);
  const vals = ['b', null, 'a10', 'a2', ''];
  assert.deepEqual([...sortIndex(vals.length, (i) => vals[i], 'asc')], [3, 2, 0, 1, 4]);
  assert.deepEqual([...sortIndex(vals.length, (i) => vals[i], 'desc')], [0, 2, 3, 1, 4]);
  const texts = ['weather roof', 'weather cellar', 'soil roof'];
  assert.deepEqual(filterIndex([0, 1, 2], (i) => texts[i]!, 'ROOF weather'), [0]);
  assert.deepEqual(filterIndex([2, 1, 0], (i) => texts[i]!, ''), [2, 1, 0]);
  assert.deepEqual(paginate(101, 5, 25), { page: 4, pages: 5, start: 100, end: 101 });
  assert.deepEqual(paginate(0, 3, 25), { page: 0, pages: 1, start: 0, end: 0 });
  assert.deepEqual(pageButtons(0, 5), [0, 1, 2, 3, 4]);
  assert.deepEqual(pageButtons(10, 40), [0, null, 9, 10, 11, null, 39]);
  assert.deepEqual(pageButtons(1, 40), [0, 1, 2, 3, 4, null, 39]);
});

test('time: everything shown and entered is UTC', () => {
  assert.equal(fmtTime('2024-03-01T10:00:00Z'), '2024-03-01 10:00:00');
  assert.equal(fmtTime('2024-03-01T10:00:00.120000Z'), '2024-03-01 10:00:00.12');
  assert.equal(fmtTime(Date.UTC(2024, 2, 1, 10, 5), false), '2024-03-01 10:05');
  assert.equal(fmtTime(null), '');
  assert.equal(toInput(Date.UTC(2024, 2, 1, 9, 7, 30)), '2024-03-01T09:07');
  assert.equal(fromInput('2024-03-01T09:07')?.toISOString(), '2024-03-01T09:07:00.000Z');
  assert.equal(fromInput('2024-03-01')?.toISOString(), '2024-03-01T00:00:00.000Z');
  assert.equal(fromInput('garbage'), null);
  const r = presetRange('24h', Date.UTC(2024, 2, 1, 10, 0, 30));
  assert.equal(r.to.toISOString(), '2024-03-01T10:01:00.000Z');
  assert.equal(r.to.getTime() - r.from.getTime(), 86_400_000);
  const now = Date.UTC(2024, 2, 1, 12);
  assert.equal(ago(now - 10_000, now), 'just now');
  assert.equal(ago(now - 5 * 60_000, now), '5 min ago');
  assert.equal(ago(now + 3 * 3600_000, now), 'in 3 h');
});

test('validation: emails, URLs, typed values, parameters', () => {
  for (const ok of ['a@b', 'default_user@localhost', 'x.y+z@example.org']) assert.ok(isEmail(ok), ok);
  for (const bad of ['.x@y', 'x@y.', 'nobody', '@x', 'x@']) assert.ok(!isEmail(bad), bad);
  assert.ok(isHttpUrl('http://127.0.0.1:8080/run'));
  assert.ok(!isHttpUrl('ftp://x'));
  assert.ok(!isHttpUrl('dairyland.com/milk'));
  assert.deepEqual(parseTyped(' 42 ', 'integer'), { value: 42 });
  assert.ok('error' in parseTyped('4.2', 'integer'));
  assert.ok('error' in parseTyped('3000000000', 'integer'));
  assert.deepEqual(parseTyped('-1.5e3', 'float'), { value: -1500 });
  assert.ok('error' in parseTyped('1,5', 'float'));
  assert.ok('error' in parseTyped('', 'float'));
  assert.deepEqual(parseTyped('Yes', 'boolean'), { value: true });
  assert.deepEqual(parseTyped('0', 'boolean'), { value: false });
  assert.ok('error' in parseTyped('maybe', 'boolean'));
  assert.deepEqual(parseTyped(' keep spaces ', 'string'), { value: ' keep spaces ' });
  assert.ok('error' in parseTyped('1', 'complex'));
  assert.deepEqual(parseJSONParameters(''), { value: {} });
  assert.deepEqual(parseJSONParameters('{"a": 1}'), { value: { a: 1 } });
  assert.ok('error' in parseJSONParameters('[1]'));
  assert.deepEqual(parseJSONParameters('[1]', true), { value: [1] });
  assert.ok('error' in parseJSONParameters('42'));
  assert.match((parseJSONParameters('{') as { error: string }).error, /Not valid JSON/);
});

test('validation: six-field NCRONTAB schedules', () => {
  for (const ok of ['0 0 * * * *', '0 */5 * * * *', '30 0 9 * * MON-FRI', '0 0 0 1 JAN,JUL *', '*/10 * * * * *', '0 0 12 * * 0', '0 0 12 * * 7']) {
    assert.equal(checkCron(ok), null, ok);
  }
  assert.match(checkCron('* * * * *') ?? '', /six fields/);
  assert.match(checkCron('60 * * * * *') ?? '', /second must be from 0 to 59/);
  assert.match(checkCron('0 0 25 * * *') ?? '', /hour/);
  assert.match(checkCron('0 0 0 0 * *') ?? '', /day of month/);
  assert.match(checkCron('0 0 0 * FOO *') ?? '', /not a number or a name/);
  assert.match(checkCron('0 */0 * * * *') ?? '', /step of 0/);
  assert.match(checkCron('0 30-10 * * * *') ?? '', /backwards/);
  assert.equal(describeCron('0 0 * * * *'), 'every hour at minute 0');
  assert.equal(describeCron('0 */15 * * * *'), 'every 15 minutes');
  assert.equal(describeCron('0 30 6 * * *'), 'every day at 06:30 UTC');
  assert.equal(describeCron('0 0 */6 * * *'), 'every 6 hours at minute 0');
  assert.equal(describeCron('0 0 9 * * MON'), '0 0 9 * * MON');
});

test('after login only same-site paths are followed', () => {
  assert.equal(safeNext('/readings?sensor=a'), '/readings?sensor=a');
  for (const bad of [null, '', 'https://evil.example/', '//evil.example/x', '/\\evil.example', '/login', '/login?next=/x', 'javascript:alert(1)']) {
    assert.equal(safeNext(bad), '/', String(bad));
  }
  assert.equal(safeNext('/loginfo'), '/loginfo');
});
