import type { Page, PageContext } from '../page';
import type { Measure, Reading, Sensor, SensorType } from '../types';
import { toCSV } from '../lib/csv';
import { mapLimit } from '../lib/pool';
import { align, plotColumn, toSeries, type Aligned, type Series } from '../lib/series';
import { fmtTime, fromInput, isoUTC, presetRange, presets, toInput } from '../lib/time';
import { h, option, replace } from '../ui/dom';
import { alertBox, progress } from '../ui/feedback';
import { card, field, handleSubmit, input, Validator } from '../ui/forms';
import { loadCharts, palette, timeChart, type Chart, type ChartSeries } from '../ui/chart';
import { DataTable } from '../ui/table';
import { download, fmtInt, pageHeader, safeFilename } from './common';

interface Pick {
  sensor: Sensor;
  measure: Measure;
}

const allTime = { from: new Date(Date.UTC(1970, 0, 1)), to: () => new Date(Date.now() + 365 * 86_400_000) };

function perf(): Record<string, number> {
  return (window as unknown as { dtbase: { perf: Record<string, number> } }).dtbase.perf;
}

export const readingsPage: Page = {
  title: 'Readings',
  async render(ctx: PageContext) {
    const { api, root, signal, params } = ctx;
    replace(root, pageHeader('Readings', 'Plot, tabulate and download sensor readings'));
    const [types, sensors] = await Promise.all([
      api.get<SensorType[]>('/sensor/list-sensor-types', { signal }),
      api.post<Sensor[]>('/sensor/list-sensors', {}, { signal }),
    ]);
    const typeOf = new Map(types.map((t) => [t.name, t]));
    const measuresOf = (s: Sensor) => typeOf.get(s.sensor_type_name ?? '')?.measures ?? [];

    const wanted = new Set(params.getAll('sensor').flatMap((s) => s.split('\n')).concat(params.get('sensors')?.split(',') ?? []).filter(Boolean));
    const wantedMeasures = new Set(params.getAll('measure'));

    // Sensors, grouped by type, with a filter.
    const sensorBoxes = new Map<string, HTMLInputElement>();
    const sensorFilter = input({ type: 'search', class: 'form-control form-control-sm mb-2', placeholder: 'Filter sensors…', 'aria-label': 'Filter sensors' });
    const sensorList = h('div', { class: 'dt-checklist border rounded p-2', role: 'group', 'aria-label': 'Sensors' });
    for (const t of types) {
      const of = sensors.filter((s) => s.sensor_type_name === t.name);
      if (!of.length) continue;
      sensorList.appendChild(h('div', { class: 'small fw-semibold text-body-secondary mt-1', 'data-group': t.name }, t.name));
      for (const s of of) {
        const cb = h('input', { type: 'checkbox', class: 'form-check-input', value: s.unique_identifier, id: `s-${sensorBoxes.size}`, checked: wanted.has(s.unique_identifier) });
        sensorBoxes.set(s.unique_identifier, cb);
        sensorList.appendChild(h('div', { class: 'form-check', 'data-sensor': s.unique_identifier.toLowerCase() + ' ' + (s.name ?? '').toLowerCase() },
          cb, h('label', { class: 'form-check-label', for: cb.id }, s.unique_identifier, s.name ? h('span', { class: 'text-body-secondary' }, ` — ${s.name}`) : null)));
      }
    }
    if (!sensors.length) sensorList.appendChild(h('div', { class: 'text-body-secondary small' }, 'No sensors yet.'));
    sensorFilter.addEventListener('input', () => {
      const f = sensorFilter.value.toLowerCase();
      sensorList.querySelectorAll<HTMLElement>('[data-sensor]').forEach((el) => el.classList.toggle('d-none', !!f && !(el.dataset.sensor ?? '').includes(f)));
    });

    // Measures of the chosen sensors' types.
    const measureList = h('div', { class: 'dt-checklist border rounded p-2', role: 'group', 'aria-label': 'Measures' });
    const measureBoxes = new Map<string, HTMLInputElement>();
    const chosenSensors = () => sensors.filter((s) => sensorBoxes.get(s.unique_identifier)?.checked);
    const refreshMeasures = () => {
      const before = new Map([...measureBoxes].map(([k, cb]) => [k, cb.checked]));
      measureBoxes.clear();
      const ms = new Map<string, Measure>();
      chosenSensors().forEach((s) => measuresOf(s).forEach((m) => ms.has(m.name) || ms.set(m.name, m)));
      measureList.replaceChildren();
      if (!ms.size) measureList.appendChild(h('div', { class: 'text-body-secondary small' }, 'Choose sensors to see their measures.'));
      for (const m of ms.values()) {
        const checked = before.get(m.name) ?? (wantedMeasures.size ? wantedMeasures.has(m.name) : true);
        const cb = h('input', { type: 'checkbox', class: 'form-check-input', value: m.name, id: `m-${measureBoxes.size}`, checked });
        measureBoxes.set(m.name, cb);
        measureList.appendChild(h('div', { class: 'form-check' }, cb,
          h('label', { class: 'form-check-label', for: cb.id }, m.name, h('span', { class: 'text-body-secondary small' }, ` ${m.units ? `(${m.units})` : ''} ${m.datatype}`))));
      }
    };
    sensorList.addEventListener('change', () => refreshMeasures());
    refreshMeasures();

    // Time range, UTC.
    const initial = presetRange('7d', Date.now());
    const from = input({ type: 'datetime-local', name: 'from', value: params.get('from') ?? toInput(initial.from) });
    const to = input({ type: 'datetime-local', name: 'to', value: params.get('to') ?? toInput(initial.to) });
    const presetButtons = h('div', { class: 'btn-group btn-group-sm flex-wrap', role: 'group', 'aria-label': 'Time range presets' },
      ...Object.entries(presets).map(([k, p]) => h('button', { type: 'button', class: 'btn btn-outline-secondary', onclick: () => {
        const r = presetRange(k, Date.now());
        from.value = toInput(r.from);
        to.value = toInput(r.to);
      } }, p.label.replace('Last ', ''))),
      h('button', { type: 'button', class: 'btn btn-outline-secondary', onclick: () => {
        from.value = toInput(allTime.from);
        to.value = toInput(allTime.to());
      } }, 'All time'));

    const form = h('form', { 'aria-label': 'Choose readings' },
      h('div', { class: 'row g-3' },
        h('div', { class: 'col-lg-5' }, h('div', { class: 'form-label' }, 'Sensors'), sensorFilter, sensorList, h('div', { class: 'invalid-feedback d-block', id: 'sensors-error' })),
        h('div', { class: 'col-lg-3' }, h('div', { class: 'form-label' }, 'Measures'), measureList, h('div', { class: 'invalid-feedback d-block', id: 'measures-error' })),
        h('div', { class: 'col-lg-4' },
          field('From (UTC)', from), field('To (UTC)', to), presetButtons,
          h('div', { class: 'mt-3' }, h('button', { type: 'submit', class: 'btn btn-primary' }, 'Show readings')))));

    const results = h('div', { class: 'dt-results' });
    root.append(card(null, form), results);

    let chart: Chart | null = null;
    ctx.onLeave(() => chart?.destroy());

    const run = async () => {
      const t0 = performance.now();
      const sensorsErr = root.querySelector('#sensors-error') as HTMLElement;
      const measuresErr = root.querySelector('#measures-error') as HTMLElement;
      const chosen = chosenSensors();
      const ms = [...measureBoxes].filter(([, cb]) => cb.checked).map(([k]) => k);
      sensorsErr.textContent = chosen.length ? '' : 'Choose at least one sensor.';
      measuresErr.textContent = ms.length || !chosen.length ? '' : 'Choose at least one measure.';
      const v = new Validator();
      const f = fromInput(from.value), t = fromInput(to.value);
      v.check(from, !f ? 'Enter the start of the period.' : null);
      v.check(to, !t ? 'Enter the end of the period.' : f && t && t <= f ? 'The end must be after the start.' : null);
      if (!v.ok() || !chosen.length || !ms.length || !f || !t) return;

      const p = new URLSearchParams();
      chosen.forEach((s) => p.append('sensor', s.unique_identifier));
      ms.forEach((m) => p.append('measure', m));
      p.set('from', from.value);
      p.set('to', to.value);
      ctx.setParams(p);

      const picks: Pick[] = chosen.flatMap((s) => measuresOf(s).filter((m) => ms.includes(m.name)).map((m) => ({ sensor: s, measure: m })));
      chart?.destroy();
      chart = null;
      const bar = progress('Loading readings');
      replace(results, bar.el);
      let points = 0;
      const charts = loadCharts();
      const lists = await mapLimit(picks, 4, async (pk) => {
        const r = await api.post<Reading[]>('/sensor/sensor-readings', {
          unique_identifier: pk.sensor.unique_identifier, measure_name: pk.measure.name, dt_from: isoUTC(f), dt_to: isoUTC(t),
        }, { signal });
        points += r.length;
        return r;
      }, (done, total) => bar.set(done, total, `Loading: ${done} of ${total} series, ${fmtInt(points)} readings so far`), signal);
      await charts;
      const t1 = performance.now();
      bar.text(`Preparing ${fmtInt(points)} readings…`);
      await new Promise((r) => requestAnimationFrame(r));
      show(picks, lists.map(toSeries), { t0, t1, points, f, t });
    };

    const show = (picks: Pick[], series: Series[], m: { t0: number; t1: number; points: number; f: Date; t: Date }) => {
      const nonEmpty = picks.map((pk, i) => ({ pk, s: series[i] as Series })).filter((x) => x.s.times.length > 0);
      if (!nonEmpty.length) {
        replace(results, alertBox('info', h('span', null, `No readings between ${fmtTime(m.f.getTime(), false)} and ${fmtTime(m.t.getTime(), false)} UTC. `,
          h('button', { type: 'button', class: 'btn btn-sm btn-outline-primary ms-2', onclick: () => {
            from.value = toInput(allTime.from);
            to.value = toInput(allTime.to());
            form.requestSubmit();
          } }, 'Look over all time')), false));
        return;
      }
      const data: Aligned = align(nonEmpty.map((x) => x.s));
      const label = (pk: Pick) => `${pk.sensor.unique_identifier} · ${pk.measure.name}`;
      const unitLabel = (ms: Measure) => (ms.datatype === 'boolean' ? `${ms.name} (true = 1)` : ms.units ? ms.units : ms.name);

      // Chart: numeric and boolean series; one y scale per unit.
      const scales: { key: string; label: string }[] = [];
      const chartSeries: ChartSeries[] = [];
      const ys: (number | null)[][] = [];
      const skipped: string[] = [];
      nonEmpty.forEach((x, i) => {
        const { ys: col, plottable } = plotColumn(data.columns[i] as (string | number | boolean | null)[]);
        if (!plottable) {
          skipped.push(label(x.pk));
          return;
        }
        const key = x.pk.measure.datatype === 'boolean' ? `bool:${x.pk.measure.name}` : `u:${x.pk.measure.units ?? x.pk.measure.name}`;
        if (!scales.some((s) => s.key === key)) scales.push({ key, label: unitLabel(x.pk.measure) });
        chartSeries.push({ label: label(x.pk), scale: key, color: palette[chartSeries.length % palette.length] as string });
        ys.push(col);
      });
      const t2 = performance.now();

      const summary = h('div', { class: 'd-flex flex-wrap align-items-center gap-2 mb-3' },
        h('span', { class: 'badge text-bg-primary fs-6 fw-normal', 'data-readings-count': String(m.points) }, `${fmtInt(m.points)} readings`),
        h('span', { class: 'text-body-secondary' }, `in ${nonEmpty.length} series, ${fmtTime(data.times[0] as number)} to ${fmtTime(data.times[data.times.length - 1] as number)} UTC`),
        h('span', { class: 'ms-auto small text-body-secondary dt-timing' }));
      const chartCard = card('Plot');
      const csvBtn = h('button', { type: 'button', class: 'btn btn-sm btn-outline-primary', 'data-action': 'download-csv' }, 'Download CSV');
      const table = new DataTable<number>([
        { key: 'time', label: 'Timestamp (UTC)', value: (i) => data.times[i] as number, render: (i) => fmtTime(data.labels[i] as string), className: 'text-nowrap' },
        ...nonEmpty.map((x, k) => ({
          key: `s${k}`,
          label: `${label(x.pk)}${x.pk.measure.units ? ` (${x.pk.measure.units})` : ''}`,
          value: (i: number) => (data.columns[k] as (string | number | boolean | null)[])[i] ?? null,
          numeric: x.pk.measure.datatype === 'float' || x.pk.measure.datatype === 'integer',
        })),
      ], { label: 'Readings', name: 'readings', pageSize: 25, toolbar: csvBtn });
      table.setRows(Array.from({ length: data.times.length }, (_, i) => i));
      csvBtn.addEventListener('click', () => {
        const header = ['timestamp', ...nonEmpty.map((x) => `${x.pk.sensor.unique_identifier} ${x.pk.measure.name}${x.pk.measure.units ? ` (${x.pk.measure.units})` : ''}`)];
        const rows = (function* () {
          for (let i = 0; i < data.times.length; i++) yield [data.labels[i] as string, ...data.columns.map((c) => c[i] ?? null)];
        })();
        const name = `readings_${safeFilename(nonEmpty.map((x) => x.pk.sensor.unique_identifier).filter((v, i, a) => a.indexOf(v) === i).join('_'))}_${from.value.slice(0, 10)}_${to.value.slice(0, 10)}.csv`;
        download(name, toCSV(header, rows));
      });
      replace(results, summary, chartCard, card('Table', table.el));
      const body = chartCard.querySelector('.card-body') as HTMLElement;
      if (skipped.length) body.appendChild(alertBox('info', `Text readings are in the table only: ${skipped.join(', ')}.`, false));
      if (chartSeries.length) {
        chart = timeChart(body, { times: data.times, ys, series: chartSeries, scales, label: `Readings of ${chartSeries.map((s) => s.label).join(', ')}` });
        const c = chart;
        (window as unknown as { dtbase: { chart?: unknown } }).dtbase.chart = c.plot;
        void c.drawn.then((t3) => {
          const timing = { readingsPoints: m.points, fetchMs: m.t1 - m.t0, prepareMs: t2 - m.t1, firstPaintMs: t3 - t2, totalMs: t3 - m.t0 };
          Object.assign(perf(), timing);
          const el = summary.querySelector('.dt-timing');
          if (el) el.textContent = `loaded in ${Math.round(timing.fetchMs)} ms, drawn in ${Math.round(timing.firstPaintMs)} ms`;
        });
      } else {
        chartCard.remove();
      }
    };

    handleSubmit(form, run);
    if (sensorBoxes.size && [...sensorBoxes.values()].some((cb) => cb.checked)) await run();
  },
};
