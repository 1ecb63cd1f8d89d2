// Variants side by side: one bar of time to train per estimate run (a hardware spec, a model, a system
// count, a GPU cluster ...), coloured by the resource that bounds its step (the result's `bound`, else the
// largest of its `boundShares`), with the days and the bound written at the bar's end.
// A numeric field with many values (systems 1..192) is held at its largest value (the notes say so),
// so the bars compare what else varies; at most MAX_VARIANTS bars.
import { basename } from 'node:path';
import { canonicalJson } from '../../sweep/hash.js';
import type { Chart } from '../types.js';
import { legendTitle, seriesLabels } from './labels.js';
import { SCHEMA } from './series.js';
import { compareValues, num, pos, sourcesOf, varying, type Point } from './points.js';

export const MAX_VARIANTS = 40;
/** A numeric field with more values than this is a sweep axis, not a set of variants. */
const FEW = 4;
const BOUNDS = ['compute', 'stream', 'reduce', 'update', 'memory', 'unknown'];

/** What bounds a run's step: `bound` when the result names it, else the largest share of `boundShares`. */
export function boundOf(result: Record<string, unknown>): string {
  if (typeof result.bound === 'string') return result.bound;
  const shares = result.boundShares;
  if (shares && typeof shares === 'object') {
    const best = Object.entries(shares as Record<string, unknown>).filter((e): e is [string, number] => typeof e[1] === 'number').sort((a, b) => b[1] - a[1])[0];
    if (best) return best[0];
  }
  return 'unknown';
}

/** The runs to compare: numeric fields with many values held at their largest; returns what was held. */
function pickVariants(points: Point[]): { runs: Point[]; held: string[] } {
  let runs = points;
  const held: string[] = [];
  for (const k of varying(points, '')) {
    const values = [...new Set(runs.map((p) => p.config[k]))];
    if (values.length > FEW && values.every((v) => typeof v === 'number')) {
      const top = Math.max(...(values as number[]));
      runs = runs.filter((p) => p.config[k] === top);
      held.push(`${k} = ${top}`);
    }
  }
  return { runs, held };
}

export function comparisonChart(points: Point[]): Chart | undefined {
  const usable = points.filter((p) => pos(p.result.trainDays));
  const { runs, held } = pickVariants(usable);
  const keys = varying(runs, '');
  if (runs.length < 2 || keys.length === 0) return undefined;
  // One run per distinct configuration of the varied fields (identical runs from two files: the first).
  const byVariant = new Map<string, Point>();
  for (const p of runs) {
    const k = canonicalJson(keys.map((f) => p.config[f] ?? null));
    if (!byVariant.has(k)) byVariant.set(k, p);
  }
  // In sweep-field order; models by size (their parameter count) rather than by name.
  const modelFirst = keys.includes('model') ? ['model', ...keys.filter((k) => k !== 'model')] : keys;
  const bySize = (a: Point, b: Point) => (num(a.result.params) ?? 0) - (num(b.result.params) ?? 0);
  const all = [...byVariant.values()].sort((a, b) => {
    for (const k of modelFirst) {
      const d = k === 'model' && num(a.result.params) && num(b.result.params) ? bySize(a, b) : compareValues(a.config[k], b.config[k]);
      if (d !== 0) return d;
    }
    return 0;
  });
  const shown = all.slice(0, MAX_VARIANTS);
  const labels = seriesLabels(shown.map((p) => p.config), keys, (i) => String(shown[i].result.model ?? i));
  const values = shown.map((p, i) => {
    const days = p.result.trainDays as number;
    const bound = boundOf(p.result);
    return { series: labels[i], days, bound, text: `${days < 10 ? days.toPrecision(3) : days.toFixed(0)} d, ${bound}-bound` };
  });
  const bounds = [...BOUNDS.filter((b) => values.some((v) => v.bound === b)), ...new Set(values.map((v) => v.bound).filter((b) => !BOUNDS.includes(b)))];
  // Room at the right for the text at the end of the longest bar.
  // Variants 100x apart and more (models from 125 M to 1 T): a log axis, else the short bars vanish.
  const [lo, hi] = [Math.min(...values.map((v) => v.days)), Math.max(...values.map((v) => v.days))];
  const log = hi > 100 * lo;
  const x = log
    ? { field: 'days', type: 'quantitative', title: 'time to train (days, log scale)', scale: { type: 'log', domain: [lo / 2, hi * 8], nice: false } }
    : { field: 'days', type: 'quantitative', title: 'time to train (days)', scale: { domain: [0, 1.4 * hi], nice: false } };
  const y = { field: 'series', type: 'nominal', title: `variant (${legendTitle(keys, 'run')})`, sort: labels, axis: { labelLimit: 1000 } };
  const notes = [
    held.length ? `Held at the sweep's largest value: ${held.join(', ')}.` : '',
    all.length > shown.length ? `Showing the first ${shown.length} of ${all.length} variants (in sweep order).` : '',
  ].filter(Boolean).join(' ');
  return {
    id: 'compare',
    title: `Time to train per variant, and what bounds the step (${sourcesOf(shown).map((f) => basename(f)).join(', ')})`,
    caption: 'One bar per variant of the sweep: the shorter the bar the faster it trains; the colour and the text say which resource bounds its step (compute, weight streaming, gradient reduce, optimizer update).',
    notes,
    sources: sourcesOf(shown),
    series: labels,
    spec: {
      $schema: SCHEMA,
      width: 480,
      height: Math.max(60, 22 * shown.length),
      data: { values },
      encoding: { y },
      layer: [
        {
          name: 'series_bars',
          mark: { type: 'bar', height: { band: 0.7 } },
          // A bar on a log axis starts at the axis's left end (there is no zero).
          encoding: {
            x,
            ...(log ? { x2: { datum: lo / 2 } } : {}),
            color: { field: 'bound', type: 'nominal', title: 'step bound by', scale: { domain: bounds }, legend: { orient: 'bottom' } },
            description: { field: 'series', type: 'nominal' },
          },
        },
        { mark: { type: 'text', align: 'left', dx: 4, fontSize: 10, color: '#333' }, encoding: { x, text: { field: 'text' } } },
      ],
    } as unknown as Chart['spec'],
  };
}
