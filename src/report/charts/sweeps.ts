// Charts from sweep results, by what the runs vary:
//   time to train vs CS-2 systems, with the ideal 1/N line per series          (estimate, systems varies)
//   speed-up vs weight sparsity, with the ideal 1/(1-s), at scale and fabric    (estimate / fabric, sparsity varies)
//   time to train vs model size, CS-2 clusters against GPU clusters            (estimate, model varies)
//   time to train per variant, bars with the binding resource                   (estimate: compare.ts)
// A series is a set of runs equal in every field but the one on the x axis; every series is drawn,
// named by the fields that vary (labels.ts), as markers with lines only between close points (series.ts).
import { canonicalJson } from '../../sweep/hash.js';
import type { ResultLine } from '../../sweep/types.js';
import type { Chart } from '../types.js';
import { comparisonChart } from './compare.js';
import { legendTitle, seriesLabels } from './labels.js';
import { collect, pos, sortGroups, sourcesOf, varying, type Point } from './points.js';
import { latestByHash } from '../../sweep/csv.js';
import { seriesChart, type Series } from './series.js';

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

/** Groups sorted and labelled by the fields that vary between them (never two equal labels). */
function labelled(groups: Point[][], exclude: string, fallback: (p: Point) => string, sortKeys?: string[]): Array<{ label: string; pts: Point[] }> {
  const keys = varying(groups.flat(), exclude);
  const sorted = sortGroups(groups, sortKeys ?? keys);
  const labels = seriesLabels(sorted.map((g) => g[0].config), keys, (i) => fallback(sorted[i][0]));
  return sorted.map((pts, i) => ({ label: labels[i], pts }));
}

/** The system the estimates modelled ('CS-2', 'CS-3'; older results without the field are CS-2), or 'CS-2 / CS-3' when they differ. */
function systemOf(points: Point[]): string {
  const names = [...new Set(points.map((p) => (typeof p.result.system === 'string' ? p.result.system : 'CS-2')))];
  return names.length === 0 ? 'CS-2' : names.join(' / ');
}

/** Time to train vs number of systems, with the ideal T(N0)·N0/N of each series drawn densely. */
function scalingChart(points: Point[]): Chart | undefined {
  const cs2 = points.filter((p) => p.result.kind === 'cs2' && pos(p.config.systems) && pos(p.result.trainDays));
  // a run whose time or system count a log axis cannot place (null, 0) is said, not dropped without a word
  const unplaced = points.filter((p) => p.result.kind === 'cs2' && !(pos(p.config.systems) && pos(p.result.trainDays))).length;
  const groups = seriesBy(cs2, 'systems').filter((g) => new Set(g.map((p) => p.config.systems)).size >= 2);
  if (groups.length === 0) return undefined;
  const all = labelled(groups, 'systems', (p) => String(p.result.model ?? 'model'));
  const series: Series[] = all.map((s) => ({
    label: s.label,
    points: [...s.pts].sort((a, b) => (a.config.systems as number) - (b.config.systems as number)).map((p) => ({ x: p.config.systems as number, y: p.result.trainDays as number })),
  }));
  const ideal = series.flatMap((s) => {
    const [n0, t0] = [s.points[0].x, s.points[0].y];
    const n1 = s.points[s.points.length - 1].x;
    return Array.from({ length: 41 }, (_, i) => n0 * (n1 / n0) ** (i / 40)).map((n) => ({ series: s.label, x: n, y: (t0 * n0) / n }));
  });
  const sys = systemOf(groups.flat());
  const c = seriesChart(series, { x: { title: `${sys} systems (count, log scale)`, log: true }, y: { title: 'time to train (days, log scale)', log: true }, legend: legendTitle(varying(groups.flat(), 'systems'), 'series') }, { name: 'ideal 1/N', points: ideal });
  return {
    id: 'scaling',
    title: `Time to train vs number of ${sys} systems`,
    caption: 'Markers are the model at each computed cluster size, dotted curves ideal linear scaling (1/N from the smallest cluster): where the markers leave their dotted curve, more systems stop paying off.',
    notes: [c.notes, unplaced > 0 ? `Not drawn: ${unplaced} run${unplaced === 1 ? '' : 's'} without a positive time to train or system count (a log axis cannot place them).` : ''].filter(Boolean).join(' ') || undefined,
    sources: sourcesOf(groups.flat()),
    series: series.map((s) => s.label),
    spec: c.spec,
  };
}

/** Speed-up over dense vs sparsity: at scale (time to train) and fabric (cycles), with the ideal 1/(1-s). */
function sparsityChart(estimates: Point[], fabric: Point[]): Chart | undefined {
  const build = (pts: Point[], metric: string, prefix: string, fallback: (p: Point) => string) => {
    const groups = seriesBy(pts, 'sparsity').filter((g) => g.some((p) => (p.config.sparsity ?? 0) === 0) && new Set(g.map((p) => p.config.sparsity ?? 0)).size >= 2);
    return labelled(groups, 'sparsity', fallback).map((s) => ({ ...s, label: `${prefix}: ${s.label}`, metric }));
  };
  const est = build(estimates.filter((p) => p.result.kind === 'cs2' && pos(p.result.trainSeconds)), 'trainSeconds', 'at scale', (p) => `${p.result.model}, ${p.result.systems} ${systemOf([p])}`);
  const fab = build(fabric.filter((p) => pos(p.result.cycles)), 'cycles', 'fabric', (p) => `${p.result.in}×${p.result.out} ${p.result.pass} on ${p.result.rows}×${p.result.cols} cores`);
  const all = [...est, ...fab];
  if (all.length === 0) return undefined;
  const sp = (p: Point) => (p.config.sparsity as number | undefined) ?? 0;
  const series: Series[] = all.map((s) => {
    const dense = s.pts.find((p) => sp(p) === 0)!.result[s.metric] as number;
    return { label: s.label, points: [...s.pts].sort((a, b) => sp(a) - sp(b)).map((p) => ({ x: sp(p), y: dense / (p.result[s.metric] as number) })) };
  });
  const sMax = Math.max(...series.flatMap((s) => s.points.map((p) => p.x)));
  const top = Math.max(0.5, Math.ceil(sMax * 10) / 10);
  const ideal = Array.from({ length: 101 }, (_, i) => (Math.min(sMax, 0.999) * i) / 100).map((x) => ({ x, y: 1 / (1 - x) }));
  const keys = [...new Set([...varying(est.flatMap((s) => s.pts), 'sparsity'), ...varying(fab.flatMap((s) => s.pts), 'sparsity')])];
  const c = seriesChart(series, { x: { title: 'weight sparsity s (fraction of zero weights)', log: false, domain: [0, top] }, y: { title: 'speed-up over dense (×, log scale)', log: true }, legend: legendTitle(keys, 'series') }, { name: 'ideal 1/(1-s)', points: ideal });
  return {
    id: 'sparsity',
    title: 'Speed-up from weight sparsity',
    caption: 'Each marker is dense time (at scale) or dense cycles (fabric) over the sparse one at a computed sparsity; the dotted curve is the ideal 1/(1-s) of skipping every zero for free: the gap is what zeros still cost.',
    notes: [c.notes, 'At scale: time to train; fabric: cycles of one layer pass on the simulated mesh.'].filter(Boolean).join(' '),
    sources: sourcesOf(all.flatMap((s) => s.pts)),
    series: series.map((s) => s.label),
    spec: c.spec,
  };
}

/** Time to train vs model size (parameters), one series per machine (CS-2 cluster or GPU cluster). */
function modelSizeChart(points: Point[]): Chart | undefined {
  const usable = points.filter((p) => pos(p.result.params) && pos(p.result.trainDays) && p.config.model !== undefined);
  const groups = seriesBy(usable, 'model').filter((g) => new Set(g.map((p) => p.result.params)).size >= 2);
  if (groups.length === 0) return undefined;
  const keys = varying(groups.flat(), 'model');
  const all = labelled(groups, 'model', (p) => (p.result.kind === 'gpu' ? String(p.result.gpuName) : systemOf([p])), ['gpu', ...keys]);
  const series: Series[] = all.map((s) => ({ label: s.label, points: [...s.pts].sort((a, b) => (a.result.params as number) - (b.result.params as number)).map((p) => ({ x: p.result.params as number, y: p.result.trainDays as number })) }));
  const c = seriesChart(series, { x: { title: 'model size (parameters, log scale)', log: true, format: '.0s' }, y: { title: 'time to train (days, log scale)', log: true }, legend: legendTitle(keys, 'machine') });
  return {
    id: 'model-size',
    title: `Time to train vs model size: ${systemOf(usable.filter((p) => p.result.kind !== 'gpu'))} clusters and GPU clusters`,
    caption: 'Compare markers at the same model size: the vertical gap is how many times faster one cluster trains that model; each marker is one computed model.',
    notes: c.notes,
    sources: sourcesOf(groups.flat()),
    series: series.map((s) => s.label),
    spec: c.spec,
  };
}

export function sweepCharts(inputs: Array<{ file: string; lines: ResultLine[] }>): { charts: Chart[] } {
  const estimates = collect(inputs, 'estimate');
  const fabric = collect(inputs, 'fabric');
  // Variants are compared within each sweep (one question per file): a chart per file that has them.
  const compared = inputs.map((i) => comparisonChart(estimates.filter((p) => p.file === i.file)));
  const charts = [scalingChart(estimates), sparsityChart(estimates, fabric), modelSizeChart(estimates), ...compared].filter((c): c is Chart => c !== undefined);
  // each file's failed runs, counted once (latestByHash reads every line) for every chart drawn from it
  const failedIn = new Map(inputs.map((i) => [i.file, latestByHash(i.lines).filter((l) => l.error && (l.kind === 'estimate' || l.kind === 'fabric')).length]));
  const repeated = estimates.repeated + fabric.repeated;
  return { charts: charts.map((c) => withRepeatedNote(withFailedNote(c, failedIn), repeated)) };
}

/** Charts drawn from inputs that share runs say that each such run is drawn once, from the last input that has it. */
function withRepeatedNote(c: Chart, repeated: number): Chart {
  if (repeated === 0) return c;
  return { ...c, notes: `${c.notes ? c.notes + ' ' : ''}${repeated} run${repeated === 1 ? ' is' : 's are'} in more than one input: each is drawn once, from the last input given that has it.` };
}

/** A chart drawn from sweeps with failed runs (`failedIn`: a file's count) says how many are not drawn (a series may be missing for them). */
function withFailedNote(c: Chart, failedIn: Map<string, number>): Chart {
  const failed = c.sources.map((f) => [f, failedIn.get(f) ?? 0] as const).filter(([, n]) => n > 0);
  if (failed.length === 0) return c;
  const said = failed.map(([f, n]) => `${n} failed run${n === 1 ? '' : 's'} of ${f.split('/').pop()}`).join(', ');
  return { ...c, notes: `${c.notes ? c.notes + ' ' : ''}Not drawn: ${said} (their errors are in the results file); a series or point may be missing for them.` };
}
