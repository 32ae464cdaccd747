// Time-series charts on uPlot: drawn on a canvas, fast with hundreds of thousands of points. Drag
// across the plot to zoom into a time range; "Zoom out" and "Reset zoom" (or a double-click) go back.

import type uPlot from 'uplot';
import { axisLabels, fmtTime } from '../lib/time';

// uPlot is loaded on first use, so that pages without charts (and the login page) stay small.
let lib: typeof uPlot | null = null;
let loading: Promise<void> | null = null;

/** loadCharts fetches the chart library; await it before calling timeChart. */
export function loadCharts(): Promise<void> {
  loading ??= import('uplot').then((m) => {
    lib = m.default;
  }).catch((e: unknown) => {
    loading = null;
    throw new Error(`Could not load the chart library (${e instanceof Error ? e.message : String(e)}); reload the page.`);
  });
  return loading;
}
import { h } from './dom';

export const palette = ['#0d6efd', '#d63384', '#198754', '#fd7e14', '#6f42c1', '#20c997', '#dc3545', '#6c757d', '#0dcaf0', '#b58900'];

export interface ChartSeries {
  label: string;
  scale: string;
  color: string;
  width?: number;
  dash?: number[];
  fill?: string;
}

export interface ChartInput {
  times: ArrayLike<number>; // ms, ascending
  ys: ArrayLike<number | null>[];
  series: ChartSeries[];
  scales: { key: string; label: string }[];
  bands?: { between: [number, number]; fill: string }[];
  height?: number;
  label: string;
}

export interface Chart {
  el: HTMLElement;
  plot: uPlot;
  /** Resolves with performance.now() when the first frame has been drawn. */
  drawn: Promise<number>;
  destroy(): void;
}

const fmtNumber = (v: number | null | undefined) =>
  v === null || v === undefined || Number.isNaN(v) ? '—' : Math.abs(v) >= 1e6 || (Math.abs(v) < 1e-3 && v !== 0) ? v.toExponential(3) : String(+v.toFixed(4));

/** timeChart draws the chart into container (which must be in the document, for its width). */
export function timeChart(container: HTMLElement, input: ChartInput): Chart {
  const uPlot = lib;
  if (!uPlot) throw new Error('loadCharts() must finish before timeChart()');
  const height = input.height ?? 360;
  const plotEl = h('div', { class: 'dt-chart-plot', role: 'img', 'aria-label': input.label });
  const resetBtn = h('button', { type: 'button', class: 'btn btn-sm btn-outline-secondary' }, 'Reset zoom');
  const outBtn = h('button', { type: 'button', class: 'btn btn-sm btn-outline-secondary' }, 'Zoom out');
  const el = h('div', { class: 'dt-chart' },
    h('div', { class: 'd-flex flex-wrap align-items-center gap-2 mb-1' },
      h('span', { class: 'small text-body-secondary me-auto' }, 'Drag across the plot to zoom in; double-click or Reset zoom to see everything. Times are UTC.'),
      outBtn, resetBtn),
    plotEl);
  container.appendChild(el);

  let resolveDrawn: (t: number) => void = () => {};
  const drawn = new Promise<number>((r) => (resolveDrawn = r));
  let first = true;

  const n = input.times.length;
  const x0 = n ? (input.times[0] as number) : 0;
  const x1 = n ? (input.times[n - 1] as number) : 1;

  const width = Math.max(280, plotEl.clientWidth || container.clientWidth || 800);
  // On a phone only the first unit gets an axis; the legend still gives every value.
  const narrow = width < 640;
  const opts: uPlot.Options = {
    width,
    height,
    ms: 1,
    tzDate: (ts) => uPlot.tzDate(new Date(ts), 'Etc/UTC'),
    cursor: { drag: { x: true, y: false, setScale: true }, focus: { prox: 24 } },
    focus: { alpha: 0.4 },
    scales: Object.fromEntries([['x', { time: true }], ...input.scales.map((s) => [s.key, { auto: true }])]),
    axes: [
      { stroke: '#495057', grid: { stroke: '#e9ecef' }, ticks: { stroke: '#dee2e6' }, size: 52,
        values: (_u: uPlot, splits: number[], _i: number, _space: number, incr: number) => axisLabels(splits, incr) },
      ...input.scales.map((s, i) => ({
        scale: s.key,
        label: s.label,
        show: i === 0 || !narrow,
        side: i % 2 === 0 ? 3 : 1,
        stroke: '#495057',
        grid: { show: i === 0, stroke: '#e9ecef' },
        ticks: { stroke: '#dee2e6' },
        size: narrow ? 48 : 60,
      })),
    ],
    series: [
      { label: 'Time (UTC)', value: (_u: uPlot, v: number | null) => (v === null ? '—' : fmtTime(v)) },
      ...input.series.map((s) => ({
        label: s.label,
        scale: s.scale,
        stroke: s.color,
        width: s.width ?? 1.5,
        dash: s.dash,
        fill: s.fill,
        spanGaps: true,
        value: (_u: uPlot, v: number | null) => fmtNumber(v),
      })),
    ],
    bands: input.bands?.map((b) => ({ series: [b.between[0] + 1, b.between[1] + 1] as [number, number], fill: b.fill })),
    legend: { live: true },
    hooks: {
      draw: [
        () => {
          if (first) {
            first = false;
            resolveDrawn(performance.now());
          }
        },
      ],
    },
  };

  const data = [input.times, ...input.ys] as unknown as uPlot.AlignedData;
  const plot = new uPlot(opts, data, plotEl);

  resetBtn.addEventListener('click', () => plot.setScale('x', { min: x0, max: x1 }));
  outBtn.addEventListener('click', () => {
    const min = plot.scales.x?.min ?? x0, max = plot.scales.x?.max ?? x1;
    const span = (max - min) * 2 || 1;
    const mid = (min + max) / 2;
    plot.setScale('x', { min: Math.max(x0, mid - span / 2), max: Math.min(x1, mid + span / 2) });
  });

  let raf = 0;
  const ro = new ResizeObserver(() => {
    cancelAnimationFrame(raf);
    raf = requestAnimationFrame(() => {
      const w = plotEl.clientWidth;
      if (w > 0 && Math.abs(w - plot.width) > 2) plot.setSize({ width: w, height });
    });
  });
  ro.observe(plotEl);

  return {
    el,
    plot,
    drawn,
    destroy() {
      ro.disconnect();
      plot.destroy();
      el.remove();
    },
  };
}
