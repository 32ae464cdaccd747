import type { Page } from '../page';
import type { Model, ModelRun, Schedule, Sensor, SensorType, Service, ServiceRun, Reading } from '../types';
import { errorText } from '../lib/errors';
import { mapLimit } from '../lib/pool';
import { ago, fmtTime, isoUTC } from '../lib/time';
import { h, replace } from '../ui/dom';
import { alertBox, progress, spinner } from '../ui/feedback';
import { card } from '../ui/forms';
import { DataTable } from '../ui/table';
import { fmtInt, link, pageHeader, q, statusBadge } from './common';

function stat(label: string, value: HTMLElement, foot: HTMLElement | string, href: string): HTMLElement {
  return h('div', { class: 'col-sm-6 col-xl-3' },
    h('a', { href, class: 'card dt-stat shadow-sm h-100 text-decoration-none' },
      h('div', { class: 'card-body' },
        h('div', { class: 'text-body-secondary small text-uppercase fw-semibold' }, label),
        value,
        h('div', { class: 'small text-body-secondary' }, foot))));
}

export const homePage: Page = {
  title: 'Overview',
  nav: '/',
  async render({ api, root, signal }) {
    const health = h('span', { class: 'badge text-bg-secondary' }, 'checking API…');
    const statRow = h('div', { class: 'row g-3 mb-4' });
    const lower = h('div', { class: 'row g-4 mb-4' });
    replace(root, pageHeader('Overview', 'Your digital twin at a glance', health), statRow, lower);
    replace(statRow, spinner('Loading the overview'));

    fetch(`${api.base}/health`, { signal, cache: 'no-store' })
      .then((r) => {
        health.className = `badge ${r.ok ? 'text-bg-success' : 'text-bg-warning'}`;
        health.textContent = r.ok ? 'API and database healthy' : `API not ready (${r.status})`;
      })
      .catch(() => {
        health.className = 'badge text-bg-danger';
        health.textContent = 'API unreachable';
      });

    const opts = { signal };
    const [types, sensors, services, models] = await Promise.all([
      api.get<SensorType[]>('/sensor/list-sensor-types', opts),
      api.post<Sensor[]>('/sensor/list-sensors', {}, opts),
      api.get<Service[]>('/service/list-services', opts),
      api.get<Model[]>('/model/list-models', opts),
    ]);
    const now = Date.now();
    const runs: ModelRun[] = (await Promise.all(models.map((m) =>
      api.post<ModelRun[]>('/model/list-model-runs', { model_name: m.name, dt_from: isoUTC(now - 30 * 86_400_000), dt_to: isoUTC(now + 60_000) }, opts)))).flat();
    runs.sort((a, b) => b.time_created.localeCompare(a.time_created) || b.id - a.id);
    const [serviceRuns, schedules] = await Promise.all([
      api.post<ServiceRun[]>('/service/list-runs', {}, opts),
      api.post<Schedule[]>('/service/list-schedules', {}, opts).catch(() => [] as Schedule[]),
    ]);

    const readingsValue = h('div', { class: 'display-6 fw-semibold' }, '…');
    const readingsFoot = h('div');
    replace(statRow,
      stat('Sensors', h('div', { class: 'display-6 fw-semibold', 'data-stat': 'sensors' }, fmtInt(sensors.length)), `of ${types.length} sensor type${types.length === 1 ? '' : 's'}`, '/sensors'),
      stat('Readings in the last 24 h', readingsValue, readingsFoot, '/readings'),
      stat('Model runs', h('div', { class: 'display-6 fw-semibold' }, fmtInt(runs.length)), `in the last 30 days, from ${models.length} model${models.length === 1 ? '' : 's'}`, '/models'),
      stat('Services', h('div', { class: 'display-6 fw-semibold' }, fmtInt(services.length)), `${schedules.filter((s) => s.enabled).length} active schedule(s)`, '/services'));

    // Latest model runs.
    const runTable = new DataTable<ModelRun>([
      { key: 'time', label: 'Created (UTC)', value: (r) => r.time_created, render: (r) => fmtTime(r.time_created), className: 'text-nowrap' },
      { key: 'model', label: 'Model', value: (r) => r.model_name, render: (r) => link(q('/models', { model: r.model_name, run: r.id }), r.model_name) },
      { key: 'scenario', label: 'Scenario', value: (r) => r.scenario_description },
      { key: 'sensor', label: 'Sensor', value: (r) => r.sensor_unique_id },
    ], { pageSize: 10, search: false, empty: 'No model runs in the last 30 days.', label: 'Latest model runs' });
    runTable.setRows(runs.slice(0, 10));

    // Services with their latest run.
    const latest = new Map<string, ServiceRun>();
    for (const r of serviceRuns) {
      const l = latest.get(r.service_name);
      if (!l || r.timestamp > l.timestamp) latest.set(r.service_name, r);
    }
    const svcTable = new DataTable<Service>([
      { key: 'name', label: 'Service', value: (s) => s.name, render: (s) => link(q('/services/view', { name: s.name }), s.name) },
      { key: 'last', label: 'Last run', value: (s) => latest.get(s.name)?.timestamp ?? '', render: (s) => {
        const r = latest.get(s.name);
        return r ? h('span', null, statusBadge(r.response_status_code, r.error), ' ', h('span', { class: 'small text-body-secondary', title: fmtTime(r.timestamp) }, ago(r.timestamp, now))) : h('span', { class: 'text-body-tertiary' }, 'never run');
      } },
      { key: 'sched', label: 'Schedules', value: (s) => schedules.filter((x) => x.service_name === s.name && x.enabled).length, numeric: true },
    ], { pageSize: 10, search: false, empty: 'No services yet.', label: 'Services' });
    svcTable.setRows(services);

    const perType = new Map<string, number>();
    sensors.forEach((s) => perType.set(s.sensor_type_name ?? '', (perType.get(s.sensor_type_name ?? '') ?? 0) + 1));
    const typeTable = new DataTable<SensorType>([
      { key: 'name', label: 'Sensor type', value: (t) => t.name, render: (t) => link(q('/sensors', { type: t.name }), t.name) },
      { key: 'n', label: 'Sensors', value: (t) => perType.get(t.name) ?? 0, numeric: true },
      { key: 'm', label: 'Measures', value: (t) => t.measures.map((m) => m.name).join(', ') },
    ], { pageSize: 10, search: false, empty: 'No sensor types yet.', label: 'Sensor types' });
    typeTable.setRows(types);

    replace(lower,
      h('div', { class: 'col-lg-6' }, card('Latest model runs', runTable.el)),
      h('div', { class: 'col-lg-6' }, card('Services', svcTable.el)),
      h('div', { class: 'col-lg-6' }, card('Sensor types', typeTable.el)),
      h('div', { class: 'col-lg-6' }, card('Get started',
        h('ul', { class: 'mb-0' },
          h('li', null, link('/sensors/new-type', 'Add a sensor type'), ' with the measures its sensors report, then ', link('/sensors/new', 'add sensors'), '.'),
          h('li', null, link('/readings', 'Plot and download readings'), ' of one or more sensors.'),
          h('li', null, link('/locations/new-schema', 'Describe locations'), ' and record where each sensor is installed.'),
          h('li', null, link('/services', 'Register services'), ' (ingress, models) and run or schedule them.'),
          h('li', null, link('/api/docs', 'Read the API documentation'), '.')))));
    // The /api/docs link is served by the backend, not by this app.
    lower.querySelector('a[href="/api/docs"]')?.setAttribute('target', '_blank');

    // Readings in the last 24 hours: one request per sensor and measure.
    const pairs = sensors.flatMap((s) => (types.find((t) => t.name === s.sensor_type_name)?.measures ?? []).map((m) => ({ s, m })));
    const bar = progress('Counting readings');
    replace(readingsFoot, bar.el);
    try {
      const from = isoUTC(now - 86_400_000), to = isoUTC(now);
      const counts = await mapLimit(pairs, 4, ({ s, m }) =>
        api.post<Reading[]>('/sensor/sensor-readings', { unique_identifier: s.unique_identifier, measure_name: m.name, dt_from: from, dt_to: to }, opts).then((r) => r.length),
      (done, total) => bar.set(done, total, `Counting: ${done} of ${total} series`), signal);
      const total = counts.reduce((a, b) => a + b, 0);
      readingsValue.textContent = fmtInt(total);
      readingsValue.dataset.stat = 'readings';
      replace(readingsFoot, `across ${pairs.length} sensor measure${pairs.length === 1 ? '' : 's'}`);
    } catch (e) {
      if (signal.aborted) return;
      readingsValue.textContent = '?';
      replace(readingsFoot, alertBox('warning', `Could not count readings: ${errorText(e)}`, false));
    }
  },
};
