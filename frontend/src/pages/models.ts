import type { Page, PageContext } from '../page';
import type { Model, ModelRun, Reading, Scenario } from '../types';
import { toCSV } from '../lib/csv';
import { groupMeasures, pickGroup, type MeasureGroup } from '../lib/models';
import { align, plotColumn, toSeries, type Series } from '../lib/series';
import { fmtTime, fromInput, isoUTC, presetRange, toInput } from '../lib/time';
import { h, option, replace } from '../ui/dom';
import { alertBox, spinner } from '../ui/feedback';
import { card, field, handleSubmit, input, select, Validator } from '../ui/forms';
import { loadCharts, timeChart, type Chart, type ChartSeries } from '../ui/chart';
import { DataTable } from '../ui/table';
import { download, emptyState, pageHeader, safeFilename } from './common';

const ANY = '\u0000any';
const NULL_SCENARIO = '\u0000null';

export const modelsPage: Page = {
  title: 'Models',
  async render(ctx: PageContext) {
    const { api, root, signal, params } = ctx;
    const header = pageHeader('Models', 'Model runs, their predictions and the sensor readings they predict');
    replace(root, header, spinner('Loading models'));
    const [models, scenarios] = await Promise.all([
      api.get<Model[]>('/model/list-models', { signal }),
      api.get<Scenario[]>('/model/list-model-scenarios', { signal }),
    ]);
    if (!models.length) {
      replace(root, header, card(null, emptyState('No models have stored runs yet. Model services (such as ARIMA) create them when they run.')));
      return;
    }
    const modelSel = select({ name: 'model_name' }, option('', 'Choose a model…'), ...models.map((m) => option(m.name, m.name, params.get('model') === m.name)));
    const scenarioSel = select({ name: 'scenario' });
    const fillScenarios = () => {
      const want = params.get('scenario');
      scenarioSel.replaceChildren(option(ANY, 'Any scenario'),
        ...scenarios.filter((s) => s.model_name === modelSel.value).map((s) =>
          option(s.description === null ? NULL_SCENARIO : s.description, s.description ?? '(no description)', want === s.description)));
    };
    modelSel.addEventListener('change', fillScenarios);
    fillScenarios();
    const r = presetRange('30d', Date.now());
    const from = input({ type: 'datetime-local', name: 'from', value: params.get('from') ?? toInput(r.from) });
    const to = input({ type: 'datetime-local', name: 'to', value: params.get('to') ?? toInput(r.to) });
    const form = h('form', { 'aria-label': 'Find model runs' },
      h('div', { class: 'row g-3 align-items-end' },
        h('div', { class: 'col-md-6 col-xl-3' }, field('Model', modelSel, undefined, 'mb-0')),
        h('div', { class: 'col-md-6 col-xl-3' }, field('Scenario', scenarioSel, undefined, 'mb-0')),
        h('div', { class: 'col-sm-6 col-xl-auto' }, field('Run created from (UTC)', from, undefined, 'mb-0')),
        h('div', { class: 'col-sm-6 col-xl-auto' }, field('to (UTC)', to, undefined, 'mb-0')),
        h('div', { class: 'col-xl-auto' }, h('button', { type: 'submit', class: 'btn btn-primary' }, 'Find runs'))));
    const runsWrap = h('div');
    const plotWrap = h('div');
    replace(root, header, card(null, form), runsWrap, plotWrap);

    let chart: Chart | null = null;
    ctx.onLeave(() => chart?.destroy());

    const findRuns = async (autoRun?: number) => {
      const v = new Validator();
      const f = fromInput(from.value), t = fromInput(to.value);
      v.check(modelSel, !modelSel.value ? 'Choose a model.' : null);
      v.check(from, !f ? 'Enter a start date.' : null);
      v.check(to, !t ? 'Enter an end date.' : f && t && t <= f ? 'The end must be after the start.' : null);
      if (!v.ok() || !f || !t) return;
      const p = new URLSearchParams({ model: modelSel.value, from: from.value, to: to.value });
      if (scenarioSel.value !== ANY && scenarioSel.value !== NULL_SCENARIO) p.set('scenario', scenarioSel.value);
      ctx.setParams(p);
      replace(runsWrap, spinner('Finding runs'));
      replace(plotWrap);
      const runs = await api.post<ModelRun[]>('/model/list-model-runs', {
        model_name: modelSel.value, dt_from: isoUTC(f), dt_to: isoUTC(t),
        scenario: scenarioSel.value === ANY || scenarioSel.value === NULL_SCENARIO ? null : scenarioSel.value,
      }, { signal });
      const shown = scenarioSel.value === NULL_SCENARIO ? runs.filter((x) => x.scenario_description === null) : runs;
      const table = new DataTable<ModelRun>([
        { key: 'id', label: 'Run', value: (x) => x.id, numeric: true },
        { key: 'time', label: 'Created (UTC)', value: (x) => x.time_created, render: (x) => fmtTime(x.time_created), className: 'text-nowrap' },
        { key: 'scenario', label: 'Scenario', value: (x) => x.scenario_description },
        { key: 'sensor', label: 'Sensor', value: (x) => x.sensor_unique_id },
        { key: 'measure', label: 'Sensor measure', value: (x) => x.sensor_measure ? `${x.sensor_measure.name ?? ''}${x.sensor_measure.units ? ` (${x.sensor_measure.units})` : ''}` : null },
        { key: 'actions', label: '', value: () => '', sortable: false, searchable: false, render: (x) =>
          h('button', { type: 'button', class: 'btn btn-sm btn-outline-primary', 'data-run': String(x.id), onclick: () => void plotRun(x) }, 'Plot') },
      ], { label: 'Model runs', name: 'model-runs', empty: 'No model runs found for this model, scenario and period.', sort: { key: 'time', dir: 'desc' }, pageSize: 10 });
      table.setRows(shown);
      replace(runsWrap, card(`Runs of ${modelSel.value} (${shown.length})`, table.el));
      const run = autoRun !== undefined ? shown.find((x) => x.id === autoRun) : undefined;
      if (run) await plotRun(run);
    };

    const plotRun = async (run: ModelRun) => {
      chart?.destroy();
      chart = null;
      const p = new URLSearchParams(ctx.params);
      p.set('run', String(run.id));
      ctx.setParams(p);
      replace(plotWrap, spinner(`Loading run ${run.id}`));
      try {
        const [values, link] = await Promise.all([
          loadCharts().then(() => api.post<Record<string, Reading[]>>('/model/get-model-run', { run_id: run.id }, { signal })),
          api.post<{ sensor_unique_id: string | null; sensor_measure: { name: string | null; units: string | null } | null }>('/model/get-model-run-sensor-measure', { run_id: run.id }, { signal }),
        ]);
        const groups = groupMeasures(Object.keys(values));
        if (!groups.length) {
          replace(plotWrap, card(`Run ${run.id}`, emptyState('This run has no predictions.')));
          return;
        }
        const groupSel = select({ class: 'form-select form-select-sm w-auto', 'aria-label': 'Predicted measure' }, ...groups.map((g) => option(g.base, g.base)));
        const first = pickGroup(groups, link.sensor_measure?.name);
        if (first) groupSel.value = first.base;
        const body = h('div');
        const title = h('div', { class: 'd-flex flex-wrap align-items-center gap-2' }, h('span', null, `Run ${run.id}: ${run.model_name}, ${run.scenario_description ?? 'no scenario description'}, created ${fmtTime(run.time_created)} UTC`),
          groups.length > 1 ? h('span', { class: 'ms-auto d-flex align-items-center gap-2' }, h('span', { class: 'small' }, 'Measure'), groupSel) : null);
        replace(plotWrap, card(title, body));
        const draw = async () => {
          chart?.destroy();
          chart = null;
          const g = groups.find((x) => x.base === groupSel.value) as MeasureGroup;
          await drawGroup(body, run, values, g, link.sensor_unique_id, link.sensor_measure);
        };
        groupSel.addEventListener('change', () => void draw());
        await draw();
      } catch (e) {
        if (!signal.aborted) replace(plotWrap, alertBox('danger', e instanceof Error ? e.message : String(e)));
      }
    };

    const drawGroup = async (body: HTMLElement, run: ModelRun, values: Record<string, Reading[]>, g: MeasureGroup,
      sensorId: string | null, sensorMeasure: { name: string | null; units: string | null } | null) => {
      replace(body, spinner('Loading readings'));
      const parts: { label: string; s: Series; style: Partial<ChartSeries> }[] = [];
      if (g.upper) parts.push({ label: 'Upper bound', s: toSeries(values[g.upper] ?? []), style: { color: '#ee978c', dash: [6, 4], width: 1 } });
      if (g.mean) parts.push({ label: 'Mean', s: toSeries(values[g.mean] ?? []), style: { color: '#dc3545', width: 2 } });
      if (g.lower) parts.push({ label: 'Lower bound', s: toSeries(values[g.lower] ?? []), style: { color: '#ee978c', dash: [6, 4], width: 1 } });
      const predTimes = parts.flatMap((x) => (x.s.times.length ? [x.s.times[0] as number, x.s.times[x.s.times.length - 1] as number] : []));
      let note: string | null = null;
      if (sensorId && sensorMeasure?.name && predTimes.length) {
        const lo = Math.min(...predTimes), hi = Math.max(...predTimes);
        try {
          const readings = await api.post<Reading[]>('/sensor/sensor-readings', {
            unique_identifier: sensorId, measure_name: sensorMeasure.name, dt_from: isoUTC(lo), dt_to: isoUTC(hi),
          }, { signal });
          parts.push({ label: `Sensor reading (${sensorId})`, s: toSeries(readings), style: { color: '#8a8a8a', width: 1.5 } });
          if (!readings.length) note = `The sensor ${sensorId} has no ${sensorMeasure.name} readings in the predicted period yet.`;
        } catch (e) {
          note = `Could not load the sensor's readings: ${e instanceof Error ? e.message : String(e)}`;
        }
      } else if (!sensorId) {
        note = 'This run is not linked to a sensor, so only its predictions are shown.';
      }
      const data = align(parts.map((x) => x.s));
      const ys = data.columns.map((c) => plotColumn(c).ys);
      const unit = sensorMeasure?.units ?? g.base;
      const series: ChartSeries[] = parts.map((x) => ({ label: x.label, scale: 'y', color: '#000', ...x.style }));
      const upperIdx = parts.findIndex((x) => x.label === 'Upper bound');
      const lowerIdx = parts.findIndex((x) => x.label === 'Lower bound');
      const table = new DataTable<number>([
        { key: 'time', label: 'Timestamp (UTC)', value: (i) => data.times[i] as number, render: (i) => fmtTime(data.labels[i] as string), className: 'text-nowrap' },
        ...parts.map((x, k) => ({ key: `p${k}`, label: x.label, value: (i: number) => data.columns[k]?.[i] ?? null, numeric: true })),
      ], { label: 'Predictions', name: 'predictions', pageSize: 10, search: false });
      table.setRows(Array.from({ length: data.times.length }, (_, i) => i));
      const csv = h('button', { type: 'button', class: 'btn btn-sm btn-outline-primary mb-2' }, 'Download CSV');
      csv.addEventListener('click', () => {
        const rows = (function* () {
          for (let i = 0; i < data.times.length; i++) yield [data.labels[i] as string, ...data.columns.map((c) => c[i] ?? null)];
        })();
        download(`model_run_${run.id}_${safeFilename(g.base)}.csv`, toCSV(['timestamp', ...parts.map((x) => x.label)], rows));
      });
      replace(body, note ? alertBox('info', note, false) : '');
      if (data.times.length) {
        chart = timeChart(body, {
          times: data.times, ys, series, scales: [{ key: 'y', label: `${g.base}${sensorMeasure?.units ? ` (${unit})` : ''}` }],
          bands: upperIdx >= 0 && lowerIdx >= 0 ? [{ between: [upperIdx, lowerIdx], fill: 'rgba(238, 151, 140, 0.25)' }] : undefined,
          label: `Predictions of ${g.base} for run ${run.id}`,
        });
      }
      body.append(h('h3', { class: 'h6 mt-4' }, 'Values'), csv, table.el);
    };

    handleSubmit(form, () => findRuns());
    if (modelSel.value) {
      const runId = Number(params.get('run'));
      await findRuns(Number.isInteger(runId) && runId > 0 ? runId : undefined);
    }
  },
};
