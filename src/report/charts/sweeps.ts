// Charts from sweep results, by what the runs vary:
//   time to train vs CS-2 systems, with the ideal 1/N line per series          (estimate, systems varies)
//   speed-up vs weight sparsity, with the ideal 1/(1-s), at scale and fabric    (estimate / fabric, sparsity varies)
//   time to train vs model size, CS-2 clusters against GPU clusters            (estimate, model varies)
// A series is a set of runs equal in every field but the one on the x axis; a chart shows at most
// MAX_SERIES of them (evenly picked; the notes say which).
import { canonicalJson } from '../../sweep/hash.js';
import { latestByHash } from '../../sweep/csv.js';
import type { Config, ResultLine } from '../../sweep/types.js';
import type { Chart } from '../types.js';

export const MAX_SERIES = 6;
const SCHEMA = 'https://vega.github.io/schema/vega-lite/v6.json';

interface Point {
  config: Config;
  result: Record<string, unknown>;
  file: string;
}

/** Groups points by their configuration without `field`. */
function seriesBy(points: Point[], field: string): Point[][] {
  const groups = new Map<string, Point[]>();
  for (const p of points) {
    const { [field]: _x, ...rest } = p.config;
    const key = canonicalJson(rest);
    groups.set(key, [...(groups.get(key) ?? []), p]);
  }
  return [...groups.values()];
}

/** Fields whose values differ between the given points (these are what tells series apart). */
function varying(points: Point[], exclude: string): string[] {
  const keys = new Set(points.flatMap((p) => Object.keys(p.config)));
  return [...keys].filter((k) => k !== exclude && new Set(points.map((p) => canonicalJson(p.config[k] ?? null))).size > 1).sort();
}

/** A short name for a series: the fields that vary, in words. */
function label(c: Config, keys: string[], fallback: string): string {
  const parts: string[] = [];
  for (const k of keys) {
    const v = c[k];
    if (v === undefined) continue;
    if (k === 'systems') parts.push(`${v} CS-2`);
    else if (k === 'gpu') parts.push(`${c.devices ?? '?'} × ${String(v).toUpperCase()}`);
    else if (k === 'devices') continue;
    else if (k === 'sparsity') parts.push(`sparsity ${v}`);
    else if (k === 'model') parts.push(typeof v === 'string' ? v : 'custom model');
    else parts.push(`${k} ${typeof v === 'object' ? canonicalJson(v) : v}`);
  }
  return parts.join(', ') || fallback;
}

/** At most n items, evenly spread over the list (first and last included). */
function pickEvenly<T>(items: T[], n: number): T[] {
  if (items.length <= n) return items;
  return Array.from({ length: n }, (_, i) => items[Math.round((i * (items.length - 1)) / (n - 1))]);
}

const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);

function collect(inputs: Array<{ file: string; lines: ResultLine[] }>, kind: string): Point[] {
  return inputs.flatMap((i) =>
    latestByHash(i.lines)
      .filter((l) => l.kind === kind && l.result && typeof l.result === 'object')
      .map((l) => ({ config: l.config, result: l.result as Record<string, unknown>, file: i.file })),
  );
}

const sourcesOf = (pts: Point[]) => [...new Set(pts.map((p) => p.file))];

/** Orders two values: numbers as numbers, anything else by its canonical JSON. */
function compareValues(a: unknown, b: unknown): number {
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  if (a === undefined || b === undefined) return a === b ? 0 : a === undefined ? -1 : 1;
  return canonicalJson(a).localeCompare(canonicalJson(b), 'en', { numeric: true });
}

/** Sorts series by the values of the fields that tell them apart (in the order of `keys`). */
function sortSeries<T extends { label: string; pts: Point[] }>(groups: T[], keys: string[]): T[] {
  return groups.sort((a, b) => {
    for (const k of keys) {
      const d = compareValues(a.pts[0].config[k], b.pts[0].config[k]);
      if (d !== 0) return d;
    }
    return a.label.localeCompare(b.label);
  });
}

function seriesNote(shown: string[], total: number): string {
  return total > shown.length ? `Showing ${shown.length} of ${total} series: ${shown.join('; ')}.` : '';
}

/** A measured line per series plus a dashed ideal per series; x and y log scales as asked. */
function lineSpec(values: object[], x: { title: string; log: boolean; domain?: number[] }, y: { title: string; log: boolean }, idealName: string, series: string[]) {
  return {
    $schema: SCHEMA,
    width: 560,
    height: 320,
    data: { values },
    encoding: {
      x: { field: 'x', type: 'quantitative', title: x.title, scale: { type: x.log ? 'log' : 'linear', nice: false, ...(x.domain ? { domain: x.domain } : {}) } },
      y: { field: 'y', type: 'quantitative', title: y.title, scale: { type: y.log ? 'log' : 'linear' } },
      color: { field: 'series', type: 'nominal', title: 'series', scale: { domain: series }, legend: { labelLimit: 320 } },
      strokeDash: { field: 'line', type: 'nominal', title: 'line', scale: { domain: ['measured', idealName], range: [[1, 0], [5, 4]] }, legend: { symbolType: 'stroke', symbolStrokeWidth: 2, encode: { symbols: { update: { stroke: { value: '#444' } } } } } },
    },
    layer: [
      { mark: { type: 'line', point: true }, transform: [{ filter: "datum.line === 'measured'" }] },
      { mark: { type: 'line', strokeWidth: 1.2, opacity: 0.8 }, transform: [{ filter: "datum.line !== 'measured'" }] },
    ],
  } as unknown as Chart['spec'];
}

/** Time to train vs number of CS-2, with the ideal T(N0)·N0/N. */
function scalingChart(points: Point[]): Chart | undefined {
  const cs2 = points.filter((p) => p.result.kind === 'cs2' && num(p.config.systems) && num(p.result.trainDays));
  const groups = seriesBy(cs2, 'systems').filter((g) => new Set(g.map((p) => p.config.systems)).size >= 2);
  if (groups.length === 0) return undefined;
  const keys = varying(groups.flat(), 'systems');
  const all = sortSeries(groups.map((pts) => ({ label: label(pts[0].config, keys, String(pts[0].result.model ?? 'model')), pts })), keys);
  const shown = pickEvenly(all, MAX_SERIES);
  const values: object[] = [];
  for (const s of shown) {
    const pts = [...s.pts].sort((a, b) => (a.config.systems as number) - (b.config.systems as number));
    const n0 = pts[0].config.systems as number;
    const t0 = pts[0].result.trainDays as number;
    for (const p of pts) {
      const n = p.config.systems as number;
      values.push({ series: s.label, line: 'measured', x: n, y: p.result.trainDays });
      values.push({ series: s.label, line: 'ideal 1/N', x: n, y: (t0 * n0) / n });
    }
  }
  return {
    id: 'scaling',
    title: 'Time to train vs number of CS-2 systems',
    caption: 'Solid lines are the model, dashed lines ideal linear scaling (1/N from the smallest cluster): where a solid line leaves its dashed one, more systems stop paying off.',
    notes: seriesNote(shown.map((s) => s.label), all.length),
    sources: sourcesOf(groups.flat()),
    spec: lineSpec(values, { title: 'CS-2 systems (count, log scale)', log: true }, { title: 'time to train (days, log scale)', log: true }, 'ideal 1/N', shown.map((s) => s.label)),
  };
}

/** Speed-up over dense vs sparsity: at scale (time to train) and fabric (cycles), with the ideal 1/(1-s). */
function sparsityChart(estimates: Point[], fabric: Point[]): Chart | undefined {
  const series: Array<{ label: string; pts: Point[]; metric: string }> = [];
  const build = (pts: Point[], metric: string, prefix: string, fallback: (p: Point) => string) => {
    const groups = seriesBy(pts, 'sparsity').filter((g) => g.some((p) => (p.config.sparsity ?? 0) === 0) && new Set(g.map((p) => p.config.sparsity ?? 0)).size >= 2);
    const keys = varying(groups.flat(), 'sparsity');
    const all = sortSeries(groups.map((g) => ({ label: `${prefix}: ${label(g[0].config, keys, fallback(g[0]))}`, pts: g })), keys);
    return { all, shown: pickEvenly(all, Math.ceil(MAX_SERIES / 2)).map((s) => ({ ...s, metric })) };
  };
  const est = build(estimates.filter((p) => p.result.kind === 'cs2' && num(p.result.trainSeconds)), 'trainSeconds', 'at scale', (p) => `${p.result.model}, ${p.result.systems} CS-2`);
  const fab = build(fabric.filter((p) => num(p.result.cycles)), 'cycles', 'fabric', (p) => `${p.result.in}×${p.result.out} ${p.result.pass} on ${p.result.rows}×${p.result.cols} cores`);
  series.push(...est.shown, ...fab.shown);
  if (series.length === 0) return undefined;
  const values: object[] = [];
  let sMax = 0;
  for (const s of series) {
    const dense = s.pts.find((p) => (p.config.sparsity ?? 0) === 0)!.result[s.metric] as number;
    for (const p of [...s.pts].sort((a, b) => ((a.config.sparsity as number) ?? 0) - ((b.config.sparsity as number) ?? 0))) {
      const sp = (p.config.sparsity as number) ?? 0;
      sMax = Math.max(sMax, sp);
      values.push({ series: s.label, line: 'measured', x: sp, y: dense / (p.result[s.metric] as number) });
    }
  }
  const steps = 50;
  for (let i = 0; i <= steps; i++) {
    const sp = (sMax * i) / steps;
    values.push({ series: 'ideal 1/(1-s)', line: 'ideal 1/(1-s)', x: sp, y: 1 / (1 - sp) });
  }
  const notes = [seriesNote(est.shown.map((s) => s.label), est.all.length), seriesNote(fab.shown.map((s) => s.label), fab.all.length)].filter(Boolean).join(' ');
  return {
    id: 'sparsity',
    title: 'Speed-up from weight sparsity',
    caption: 'Each line is dense time (at scale) or dense cycles (fabric) over the sparse one; the dashed curve is the ideal 1/(1-s) of skipping every zero for free: the gap is what zeros still cost.',
    notes: [notes, 'At scale: time to train; fabric: cycles of one layer pass on the simulated mesh.'].filter(Boolean).join(' '),
    sources: sourcesOf(series.flatMap((s) => s.pts)),
    spec: lineSpec(values, { title: 'weight sparsity s (fraction of zero weights)', log: false, domain: [0, Math.max(0.5, Math.ceil(sMax * 10) / 10)] }, { title: 'speed-up over dense (×, log scale)', log: true }, 'ideal 1/(1-s)', [...series.map((s) => s.label), 'ideal 1/(1-s)']),
  };
}

/** Time to train vs model size (parameters), one line per machine (CS-2 cluster or GPU cluster). */
function modelSizeChart(points: Point[]): Chart | undefined {
  const usable = points.filter((p) => num(p.result.params) && num(p.result.trainDays) && p.config.model !== undefined);
  const groups = seriesBy(usable, 'model').filter((g) => new Set(g.map((p) => p.result.params)).size >= 2);
  if (groups.length === 0) return undefined;
  const keys = varying(groups.flat(), 'model');
  const all = sortSeries(groups.map((pts) => ({ label: label(pts[0].config, keys, pts[0].result.kind === 'gpu' ? String(pts[0].result.gpuName) : 'CS-2'), pts })), ['gpu', ...keys]);
  const shown = pickEvenly(all, MAX_SERIES);
  const values = shown.flatMap((s) =>
    s.pts.map((p) => ({ series: s.label, machine: p.result.kind === 'gpu' ? 'GPU cluster' : 'CS-2 cluster', x: p.result.params, y: p.result.trainDays, model: p.result.model })),
  );
  return {
    id: 'model-size',
    title: 'Time to train vs model size: CS-2 clusters and GPU clusters',
    caption: 'Compare lines at the same model size: the vertical gap is how many times faster one cluster trains that model; CS-2 lines are solid, GPU lines dashed.',
    notes: seriesNote(shown.map((s) => s.label), all.length),
    sources: sourcesOf(groups.flat()),
    spec: {
      $schema: SCHEMA,
      width: 560,
      height: 320,
      data: { values },
      mark: { type: 'line', point: true },
      encoding: {
        x: { field: 'x', type: 'quantitative', title: 'model size (parameters, log scale)', scale: { type: 'log', nice: false }, axis: { format: '.0s', labelExpr: "replace(datum.label, 'G', 'B')" } },
        y: { field: 'y', type: 'quantitative', title: 'time to train (days, log scale)', scale: { type: 'log' } },
        color: { field: 'series', type: 'nominal', title: 'machine', scale: { domain: shown.map((s) => s.label) }, legend: { labelLimit: 320 } },
        strokeDash: { field: 'machine', type: 'nominal', title: 'kind', scale: { domain: ['CS-2 cluster', 'GPU cluster'], range: [[1, 0], [5, 4]] }, legend: { symbolType: 'stroke', symbolStrokeWidth: 2, encode: { symbols: { update: { stroke: { value: '#444' } } } } } },
        order: { field: 'x', type: 'quantitative' },
      },
    } as unknown as Chart['spec'],
  };
}

export function sweepCharts(inputs: Array<{ file: string; lines: ResultLine[] }>): { charts: Chart[] } {
  const estimates = collect(inputs, 'estimate');
  const fabric = collect(inputs, 'fabric');
  const charts = [scalingChart(estimates), sparsityChart(estimates, fabric), modelSizeChart(estimates)].filter((c): c is Chart => c !== undefined);
  return { charts };
}
