// End-to-end tests: headless Chromium (Debian's, through playwright-core) drives the built site,
// served by the real Go backend on a throwaway PostgreSQL (scripts/frontend-test.sh starts both).
// The steps run in order and build on each other, as a user would. A failed step leaves a
// screenshot in frontend/test-results/.

import { after, before, test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';

const base = process.env.DT_E2E_BASE_URL ?? '';
const email = process.env.DT_E2E_EMAIL ?? 'default_user@localhost';
const password = process.env.DT_E2E_PASSWORD ?? '';
const results = path.resolve('test-results');

let browser: Browser | undefined;
let page: Page;
const problems: string[] = [];

// A tiny service for run-service to call.
const echoCalls: unknown[] = [];
let echoURL = '';
const echo = http.createServer((req, res) => {
  let body = '';
  req.on('data', (c) => (body += c));
  req.on('end', () => {
    const parsed = body ? JSON.parse(body) : null;
    echoCalls.push(parsed);
    res.setHeader('Content-Type', 'application/json');
    res.end(JSON.stringify({ message: 'Here is your forecast', received: parsed }));
  });
});

const pad = (n: number) => String(n).padStart(2, '0');
const toInput = (ms: number) => {
  const d = new Date(ms);
  return `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}T${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}`;
};

/** The API from the test itself, for seeding data the UI has no form for (model runs, 100k readings). */
let token = '';
async function api<T = unknown>(p: string, body?: unknown): Promise<T> {
  if (!token) {
    const r = await fetch(`${base}/api/auth/login`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ email, password }) });
    token = ((await r.json()) as { access_token: string }).access_token;
  }
  const r = await fetch(`${base}/api${p}`, {
    method: body === undefined ? 'GET' : 'POST',
    headers: { 'Content-Type': 'application/json', 'X-DT-Authorization': `Bearer ${token}` },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await r.text();
  if (r.status === 401) {
    token = '';
    return api<T>(p, body);
  }
  assert.ok(r.status < 300, `${p} answered ${r.status}: ${text}`);
  return JSON.parse(text) as T;
}

async function shot(name: string) {
  try {
    fs.mkdirSync(results, { recursive: true });
    await page.screenshot({ path: path.join(results, `${name.replace(/[^a-z0-9]+/gi, '-').toLowerCase()}.png`), fullPage: true });
  } catch {
    // no page to shoot
  }
}

/** step is one test; on failure it saves a screenshot of the page. */
function step(name: string, fn: (t: TestContext) => Promise<void>, timeout = 60_000) {
  test(name, { timeout }, async (t) => {
    try {
      await fn(t);
    } catch (e) {
      await shot(name);
      throw e;
    }
  });
}

const flash = (text: string) => page.locator('.dt-flashes .alert', { hasText: text }).first().waitFor();
const nav = async (label: string, urlPart: RegExp) => {
  await page.locator('nav[aria-label=Main] a.nav-link', { hasText: label }).click();
  await page.waitForURL(urlPart);
};

before(async () => {
  assert.ok(base, 'DT_E2E_BASE_URL is not set: run the end-to-end tests with scripts/frontend-test.sh');
  const health = await fetch(`${base}/api/health`).catch(() => null);
  assert.equal(health?.status, 200, `the backend at ${base} is not healthy`);
  await new Promise<void>((r) => echo.listen(0, '127.0.0.1', r));
  echoURL = `http://127.0.0.1:${(echo.address() as { port: number }).port}/forecast`;
  browser = await chromium.launch({ executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium', headless: true, args: ['--no-sandbox'] });
  const context = await browser.newContext({ viewport: { width: 1366, height: 900 }, acceptDownloads: true, timezoneId: 'Europe/Berlin' });
  page = await context.newPage();
  page.setDefaultTimeout(20_000);
  page.on('console', (m) => {
    // A 4xx answer the app shows in words is logged by Chromium as a failed load; that is expected.
    if (m.type() === 'error' && !m.text().startsWith('Failed to load resource')) problems.push(`console: ${m.text()}`);
  });
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
});

after(async () => {
  await browser?.close();
  echo.close();
});

step('the site is served with its security headers, deep links fall back to the app', async () => {
  const index = await fetch(`${base}/`);
  assert.equal(index.status, 200);
  assert.match(index.headers.get('content-security-policy') ?? '', /default-src 'none'; script-src 'self'/);
  assert.equal(index.headers.get('cache-control'), 'no-cache');
  const html = await index.text();
  const asset = /src="(\/assets\/app-[0-9A-Za-z]+\.js)"/.exec(html)?.[1];
  assert.ok(asset, 'index.html loads the hashed bundle');
  const js = await fetch(base + asset);
  assert.equal(js.status, 200);
  assert.match(js.headers.get('cache-control') ?? '', /immutable/);
  const deep = await fetch(`${base}/sensors/view?uid=nothing`);
  assert.equal(deep.status, 200);
  assert.match(await deep.text(), /<div id="app">/);
  assert.equal((await fetch(`${base}/assets/missing.js`)).status, 404);
  const apiMissing = await fetch(`${base}/api/no-such-endpoint`);
  assert.equal(apiMissing.status, 404);
  assert.match(apiMissing.headers.get('content-type') ?? '', /json/);
});

step('log in: the form validates, a wrong password is refused in words, then the page asked for opens', async () => {
  await page.goto(`${base}/sensors`);
  await page.waitForURL(/\/login\?next=%2Fsensors$/);
  assert.equal(await page.title(), 'DTBase | Log in');
  await page.click('button[name=login]');
  await page.getByText('Enter your email address.').waitFor();
  await page.fill('#email_login', email);
  await page.fill('#pwd_login', 'not-the-password');
  await page.click('button[name=login]');
  await page.locator('.form-error', { hasText: 'Incorrect email or password' }).waitFor();
  await page.click('button[aria-label="Show password"]');
  assert.equal(await page.getAttribute('#pwd_login', 'type'), 'text');
  await page.fill('#pwd_login', password);
  await page.click('button[name=login]');
  await page.waitForURL(/\/sensors$/);
  await page.locator('h1', { hasText: 'Sensors' }).waitFor();
  assert.equal(await page.locator('.dt-user').textContent(), email);
});

step('create a sensor type with two measures', async () => {
  await page.click('a:has-text("+ Add sensor type")');
  await page.waitForURL(/\/sensors\/new-type$/);
  await page.click('button[type=submit]');
  await page.getByText('Give the sensor type a name.').waitFor();
  await page.fill('form[aria-label="New sensor type"] input[name=name]', 'e2e-weather');
  await page.fill('form[aria-label="New sensor type"] textarea[name=description]', 'Weather station of the end-to-end test');
  const rows = page.locator('.dt-measure-row');
  await rows.nth(0).locator('[aria-label="measure name"]').fill('temperature');
  await rows.nth(0).locator('[aria-label="measure units"]').fill('Kelvin');
  await page.click('button:has-text("+ New measure")');
  await rows.nth(1).locator('[aria-label="measure name"]').fill('is raining');
  await rows.nth(1).locator('[aria-label="measure datatype"]').selectOption('boolean');
  await page.click('button[type=submit]:has-text("Add sensor type")');
  await page.waitForURL(/\/sensors\/new\?type=e2e-weather$/);
  await flash('Sensor type "e2e-weather" added.');
});

step('create a sensor', async () => {
  assert.equal(await page.inputValue('select[name=type_name]'), 'e2e-weather');
  await page.fill('input[name=unique_identifier]', 'E2E-SENSOR-1');
  await page.fill('input[name=name]', 'Roof station');
  await page.fill('textarea[name=notes]', 'On the north roof');
  await page.click('button[type=submit]:has-text("Add sensor")');
  await page.waitForURL(/\/sensors\/view\?uid=E2E-SENSOR-1$/);
  await flash('Sensor "E2E-SENSOR-1" added.');
  await page.locator('h1', { hasText: 'Roof station' }).waitFor();
});

const hour = 3600_000;
const t0 = Math.floor(Date.now() / hour) * hour - 6 * hour;
const iso = (ms: number) => new Date(ms).toISOString().replace('.000Z', 'Z');

step('add readings on the sensor page, checked against the measure datatype', async () => {
  const form = page.locator('form[aria-label="Add readings"]');
  await form.locator('select[name=measure]').selectOption('temperature');
  await form.locator('textarea[name=readings]').fill(`${iso(t0)}, warm`);
  await form.locator('button[type=submit]').click();
  await page.getByText('"warm" is not a number').waitFor();
  await form.locator('textarea[name=readings]').fill(['timestamp,value', ...[0, 1, 2, 3, 4].map((i) => `${iso(t0 + i * hour)}, ${280.5 + i}`)].join('\n'));
  await form.locator('button[type=submit]').click();
  await flash('Added 5 readings of temperature');
  await form.locator('select[name=measure]').selectOption('is raining');
  await form.locator('textarea[name=readings]').fill([0, 1, 2].map((i) => `${iso(t0 + i * hour)}, ${i === 1 ? 'true' : 'false'}`).join('\n'));
  await form.locator('button[type=submit]').click();
  await flash('Added 3 readings of is raining');
});

step('see the readings plotted and tabulated, and download them as CSV', async () => {
  await page.click('a:has-text("Plot readings")');
  await page.waitForURL(/\/readings\?sensors?=E2E-SENSOR-1/);
  await page.locator('[data-readings-count="8"]').waitFor();
  await page.locator('.dt-chart canvas').waitFor();
  const legend = await page.locator('.u-legend').textContent();
  assert.match(legend ?? '', /E2E-SENSOR-1 · temperature/);
  assert.match(legend ?? '', /E2E-SENSOR-1 · is raining/);
  const rows = page.locator('[data-table=readings] tbody tr');
  assert.equal(await rows.count(), 5);
  assert.match((await rows.nth(0).textContent()) ?? '', /280\.5/);
  await page.fill('[data-table=readings] input[type=search]', '283.5');
  await page.waitForFunction(() => document.querySelectorAll('[data-table=readings] tbody tr').length === 1);
  await page.fill('[data-table=readings] input[type=search]', '');
  const [download] = await Promise.all([page.waitForEvent('download'), page.click('[data-action=download-csv]')]);
  assert.match(download.suggestedFilename(), /^readings_E2E-SENSOR-1_.*\.csv$/);
  const csv = fs.readFileSync((await download.path()) as string, 'utf8');
  const lines = csv.trimEnd().split('\r\n');
  assert.equal(lines[0], 'timestamp,E2E-SENSOR-1 temperature (Kelvin),E2E-SENSOR-1 is raining');
  assert.equal(lines.length, 6);
  assert.equal(lines[1], `${iso(t0)},280.5,false`);
  assert.equal(lines[5], `${iso(t0 + 4 * hour)},284.5,`);
});

step('a series of 100,000 readings plots and zooms smoothly', async (t) => {
  await api('/sensor/insert-sensor', { type_name: 'e2e-weather', unique_identifier: 'E2E-BIG', name: 'High-rate sensor' });
  const n = 100_000;
  const end = Math.floor(Date.now() / 60_000) * 60_000;
  const start = end - (n - 1) * 60_000;
  const timestamps = Array.from({ length: n }, (_, i) => iso(start + i * 60_000));
  const readings = Array.from({ length: n }, (_, i) => Math.round((285 + 8 * Math.sin(i / 720) + Math.sin(i / 7)) * 1000) / 1000 + 0.0001);
  await api('/sensor/insert-sensor-readings', { unique_identifier: 'E2E-BIG', measure_name: 'temperature', readings, timestamps });

  await page.goto(`${base}/readings?sensor=E2E-BIG&measure=temperature&from=${toInput(start - 60_000)}&to=${toInput(end + 60_000)}`);
  await page.waitForFunction(() => {
    const p = (window as unknown as { dtbase: { perf: Record<string, number> } }).dtbase.perf;
    return p.readingsPoints === 100_000 && (p.firstPaintMs ?? 0) > 0;
  }, null, { timeout: 60_000 });
  const perf = await page.evaluate(() => (window as unknown as { dtbase: { perf: Record<string, number> } }).dtbase.perf);
  t.diagnostic(`100,000 points: fetch ${perf.fetchMs?.toFixed(0)} ms, prepare ${perf.prepareMs?.toFixed(0)} ms, first paint ${perf.firstPaintMs?.toFixed(0)} ms after the data was ready, ${perf.totalMs?.toFixed(0)} ms from request to plot`);
  fs.mkdirSync(results, { recursive: true });
  fs.writeFileSync(path.join(results, 'perf-100k.json'), JSON.stringify(perf, null, 2));
  assert.ok((perf.firstPaintMs as number) < 3000, `first paint took ${perf.firstPaintMs} ms`);
  await page.getByText('Showing 1–25 of 100,000').waitFor();

  // Zoom with the mouse: drag across the middle fifth of the plot.
  const over = page.locator('.dt-chart .u-over');
  const box = (await over.boundingBox())!;
  const scale = () => page.evaluate(() => {
    const u = (window as unknown as { dtbase: { chart: { scales: { x: { min: number; max: number } } } } }).dtbase.chart;
    return { min: u.scales.x.min, max: u.scales.x.max };
  });
  const full = await scale();
  await page.mouse.move(box.x + box.width * 0.4, box.y + box.height / 2);
  await page.mouse.down();
  await page.mouse.move(box.x + box.width * 0.5, box.y + box.height / 2, { steps: 5 });
  await page.mouse.move(box.x + box.width * 0.6, box.y + box.height / 2, { steps: 5 });
  await page.mouse.up();
  await page.waitForFunction((f) => {
    const u = (window as unknown as { dtbase: { chart: { scales: { x: { min: number; max: number } } } } }).dtbase.chart;
    return u.scales.x.max - u.scales.x.min < (f.max - f.min) / 2;
  }, full);
  const zoomed = await scale();
  const frac = (zoomed.max - zoomed.min) / (full.max - full.min);
  assert.ok(frac > 0.1 && frac < 0.3, `zoomed to ${frac} of the range`);

  // Time ten programmatic zoom steps (each a full redraw of the visible points).
  const zoomMs = await page.evaluate(async () => {
    const u = (window as unknown as { dtbase: { chart: { scales: { x: { min: number; max: number } }; setScale(k: string, r: { min: number; max: number }): void; hooks: { draw?: (() => void)[] } } } }).dtbase.chart;
    const times: number[] = [];
    const [lo, hi] = [u.scales.x.min, u.scales.x.max];
    for (let i = 0; i < 10; i++) {
      const span = (hi - lo) * (i % 2 ? 8 : 1);
      const t0 = performance.now();
      await new Promise<void>((resolve) => {
        (u.hooks.draw ??= []).push(function once() {
          u.hooks.draw!.splice(u.hooks.draw!.indexOf(once), 1);
          resolve();
        });
        u.setScale('x', { min: lo - span / 2, max: hi + span / 2 });
      });
      times.push(performance.now() - t0);
    }
    return times.sort((a, b) => a - b)[5] ?? 0;
  });
  t.diagnostic(`zoom redraw (median of 10): ${zoomMs.toFixed(1)} ms`);
  fs.writeFileSync(path.join(results, 'perf-100k.json'), JSON.stringify({ ...perf, zoomRedrawMedianMs: zoomMs }, null, 2));
  assert.ok(zoomMs < 250, `a zoom step took ${zoomMs} ms`);

  await page.click('.dt-chart button:has-text("Reset zoom")');
  const reset = await scale();
  assert.ok(Math.abs((reset.max - reset.min) - (full.max - full.min)) < 60_000);
}, 180_000);

step('create a location schema and a location, refuse a duplicate in words, attach it to the sensor', async () => {
  await nav('Locations', /\/locations$/);
  await page.click('a:has-text("+ Add location schema")');
  await page.waitForURL(/\/locations\/new-schema$/);
  await page.fill('form[aria-label="New location schema"] input[name=name]', 'e2e-room');
  await page.fill('form[aria-label="New location schema"] textarea[name=description]', 'Positions in the test room');
  const rows = page.locator('.dt-measure-row');
  await rows.nth(0).locator('[aria-label="identifier name"]').fill('x');
  await rows.nth(0).locator('[aria-label="identifier units"]').fill('m');
  await page.click('button:has-text("+ New identifier")');
  await rows.nth(1).locator('[aria-label="identifier name"]').fill('y');
  await rows.nth(1).locator('[aria-label="identifier units"]').fill('m');
  await page.click('button[type=submit]:has-text("Add location schema")');
  await page.waitForURL(/\/locations\/new\?schema=e2e-room$/);
  await flash('Location schema "e2e-room" added.');

  await page.fill('input[name=identifier_x]', '1.5');
  await page.fill('input[name=identifier_y]', 'north');
  await page.click('button[type=submit]:has-text("Add location")');
  await page.getByText('"north" is not a number.').waitFor();
  await page.fill('input[name=identifier_y]', '2');
  await page.click('button[type=submit]:has-text("Add location")');
  await flash('Location added to e2e-room: x = 1.5, y = 2.');
  await page.fill('input[name=identifier_x]', '1.5');
  await page.fill('input[name=identifier_y]', '2');
  await page.click('button[type=submit]:has-text("Add location")');
  await page.locator('.form-error', { hasText: 'Location exists already' }).waitFor();

  await page.click('#to-table');
  await page.waitForURL(/\/locations\?schema=e2e-room$/);
  const rowsTable = page.locator('[data-table=locations] tbody tr');
  await rowsTable.first().waitFor();
  assert.equal(await rowsTable.count(), 1);
  assert.match((await rowsTable.first().textContent()) ?? '', /1\.5.*2/);

  await page.goto(`${base}/sensors/view?uid=E2E-SENSOR-1`);
  const form = page.locator('form[aria-label="Add sensor location"]');
  await form.locator('select[name=schema]').selectOption('e2e-room');
  await page.waitForFunction(() => !(document.querySelector('select[name=location]') as HTMLSelectElement).disabled);
  await form.locator('select[name=location]').selectOption({ label: 'x=1.5, y=2' });
  await form.locator('button[type=submit]').click();
  await flash('Location added to the sensor’s history.');
  await page.locator('[data-table=sensor-locations] tbody tr', { hasText: '1.5' }).waitFor();
});

step('run a service: add it, validate parameters, run it, save a parameter set, schedule it', async () => {
  await nav('Services', /\/services$/);
  const form = page.locator('form[aria-label="Add a service"]');
  await form.locator('input[name=name]').fill('e2e-forecast');
  await form.locator('input[name=url]').fill('not a url');
  await form.locator('button[type=submit]').click();
  await page.getByText('Enter a full http:// or https:// URL.').waitFor();
  await form.locator('input[name=url]').fill(echoURL);
  await form.locator('select[name=http_method]').selectOption('POST');
  await form.locator('button[type=submit]').click();
  await page.waitForURL(/\/services\/view\?name=e2e-forecast$/);

  await page.fill('#params-editor', '{"city": ');
  await page.getByText('Not valid JSON').waitFor();
  assert.equal(await page.isDisabled('button[data-action=run]'), true);
  await page.fill('#params-editor', '{"city": "Leeds", "days": 2}');
  await page.getByText('✓ Valid JSON').waitFor();
  await page.click('button[data-action=run]');
  const result = page.locator('[data-run-result="200"]');
  await result.waitFor();
  assert.match((await result.textContent()) ?? '', /200 OK[\s\S]*Here is your forecast[\s\S]*Leeds/);
  assert.deepEqual(echoCalls.at(-1), { city: 'Leeds', days: 2 });
  await page.locator('[data-table=runs] tbody tr', { hasText: '200 OK' }).first().waitFor();

  await page.fill('#new-set-name', 'leeds');
  await page.click('button:has-text("Save editor as new set")');
  await flash('Parameter set "leeds" created.');
  await page.locator('[data-table=parameter-sets] tbody tr', { hasText: 'leeds' }).locator('button:has-text("Run")').click();
  await page.waitForFunction(() => document.querySelectorAll('[data-table=runs] tbody tr').length === 2);

  const sched = page.locator('form[aria-label="New schedule"]');
  await sched.locator('input[name=schedule_name]').fill('hourly');
  await sched.locator('input[name=cron]').fill('* * *');
  await sched.locator('button[type=submit]').click();
  await page.getByText('A schedule needs six fields').first().waitFor();
  await sched.locator('input[name=cron]').fill('0 0 * * * *');
  await sched.locator('select[name=schedule_parameters]').selectOption('set:leeds');
  await sched.locator('button[type=submit]').click();
  await flash('Schedule "hourly" added.');
  const row = page.locator('[data-table=schedules] tbody tr', { hasText: 'hourly' });
  assert.match((await row.textContent()) ?? '', /every hour at minute 0[\s\S]*leeds/);
  await row.locator('input[role=switch]').uncheck();
  await flash('Schedule "hourly" paused.');
  const schedules = await api<{ name: string; enabled: boolean }[]>('/service/list-schedules', { service_name: 'e2e-forecast' });
  assert.deepEqual(schedules.map((s) => [s.name, s.enabled]), [['hourly', false]]);
});

step('plot a model run against the linked sensor readings', async () => {
  await api('/model/insert-model', { name: 'e2e-arima' });
  for (const p of ['Mean ', 'Upper Bound ', 'Lower Bound ']) await api('/model/insert-model-measure', { name: `${p}temperature`, units: 'Kelvin', datatype: 'float' });
  const ts = [0, 1, 2, 3, 4, 5].map((i) => iso(t0 + i * hour));
  const mean = [281, 282, 283, 284, 285, 286];
  await api('/model/insert-model-run', {
    model_name: 'e2e-arima', scenario_description: 'Business as usual', create_scenario: true,
    sensor_unique_id: 'E2E-SENSOR-1', sensor_measure: { name: 'temperature', units: 'Kelvin' },
    measures_and_values: [
      { measure_name: 'Mean temperature', values: mean, timestamps: ts },
      { measure_name: 'Upper Bound temperature', values: mean.map((v) => v + 1), timestamps: ts },
      { measure_name: 'Lower Bound temperature', values: mean.map((v) => v - 1), timestamps: ts },
    ],
  });
  await nav('Models', /\/models$/);
  await page.selectOption('select[name=model_name]', 'e2e-arima');
  await page.click('button[type=submit]:has-text("Find runs")');
  await page.locator('[data-table=model-runs] button[data-run]').first().click();
  await page.locator('.dt-chart canvas').waitFor();
  const legend = (await page.locator('.u-legend').textContent()) ?? '';
  for (const s of ['Upper bound', 'Mean', 'Lower bound', 'Sensor reading (E2E-SENSOR-1)']) assert.ok(legend.includes(s), `legend has ${s}: ${legend}`);
  assert.equal(await page.locator('[data-table=predictions] tbody tr').count(), 6);
});

step('the overview counts sensors, recent readings, model runs and services', async () => {
  await nav('Overview', /\/$/);
  await page.locator('[data-stat=sensors]', { hasText: '2' }).waitFor();
  await page.locator('[data-stat=readings]').waitFor({ timeout: 30_000 });
  const readings = Number(((await page.locator('[data-stat=readings]').textContent()) ?? '').replace(/\D/g, ''));
  assert.ok(readings >= 1440, `readings in the last day: ${readings}`);
  await page.locator('.card', { hasText: 'Latest model runs' }).getByText('e2e-arima').waitFor();
  await page.locator('.card', { hasText: 'Services' }).getByText('e2e-forecast').waitFor();
});

step('manage a user: create, change the password, delete', async () => {
  await nav('Users', /\/users$/);
  const form = page.locator('form[aria-label="Create a user"]');
  await form.locator('input[name=email]').fill('e2e.user@example.org');
  await form.locator('input[name=password]').fill('correct horse');
  await form.locator('input[name=password2]').fill('correct hose');
  await form.locator('button[type=submit]').click();
  await page.getByText('The two passwords differ.').waitFor();
  await form.locator('input[name=password2]').fill('correct horse');
  await form.locator('button[type=submit]').click();
  await flash('User e2e.user@example.org created.');
  const row = page.locator('[data-table=users] tbody tr', { hasText: 'e2e.user@example.org' });
  await row.waitFor();

  await row.locator('button:has-text("Change password")').click();
  const dlg = page.locator('dialog[open]');
  await dlg.locator('input[name=new_password]').fill('battery staple');
  await dlg.locator('input[name=new_password2]').fill('battery staple');
  await dlg.locator('button[type=submit]').click();
  await flash('Password of e2e.user@example.org changed.');
  const login = await fetch(`${base}/api/auth/login`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ email: 'e2e.user@example.org', password: 'battery staple' }) });
  assert.equal(login.status, 200);

  await row.locator('button:has-text("Delete")').click();
  await page.locator('dialog[open] button.btn-danger').click();
  await flash('User e2e.user@example.org deleted.');
  assert.equal(await page.locator('[data-table=users] tbody tr', { hasText: 'e2e.user@example.org' }).count(), 0);
  assert.deepEqual(await api('/user/list-users'), [email]);
});

step('the access token is refreshed automatically before it expires', async (t) => {
  // The test backend issues 20-second access tokens, so a refresh is due within the suite's run.
  await page.waitForFunction(() => (window as unknown as { dtbase: { api: { refreshes: number } } }).dtbase.api.refreshes > 0, null, { timeout: 45_000 });
  const refreshes = await page.evaluate(() => (window as unknown as { dtbase: { api: { refreshes: number } } }).dtbase.api.refreshes);
  t.diagnostic(`token refreshes so far: ${refreshes}`);
  await nav('Sensors', /\/sensors$/);
  await page.locator('[data-table=sensors] tbody tr', { hasText: 'E2E-BIG' }).waitFor();
}, 60_000);

step('log out: the session is gone and pages ask for a login again', async () => {
  await page.click('[data-action=logout]');
  await page.waitForURL(/\/login$/);
  await flash('You have logged out.');
  assert.equal(await page.evaluate(() => localStorage.getItem('dtbase.session')), null);
  await page.goto(`${base}/users`);
  await page.waitForURL(/\/login\?next=%2Fusers$/);
});

step('no script errors and no Content-Security-Policy violations on any page', async () => {
  assert.deepEqual(problems, []);
});
