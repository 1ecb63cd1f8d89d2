// Drawing many series honestly: every computed value is a marker (colour and shape per series, so up to
// 90 series each get their own pair); a line joins two markers only where they are close on the x axis
// (at most 1/4 of the axis apart, in the axis's own scale: log or linear), so no long line suggests
// values between points that were never computed; series with identical values (within 0.5 %: they
// would hide each other) are drawn dashed with larger hollow markers over the first one, and a note names them.
import type { Chart } from '../types.js';

export const SCHEMA = 'https://vega.github.io/schema/vega-lite/v6.json';
/** A line joins two neighbouring points only when they are at most this fraction of the x axis apart. */
export const MAX_GAP = 1 / 4;
/** Marker shapes, cycled with the 10 colours (lcm(10, 9) = 90 distinct pairs). */
export const SHAPES = ['circle', 'square', 'cross', 'diamond', 'triangle-up', 'triangle-down', 'triangle-right', 'triangle-left', 'wedge'];
const DASHES = [[1, 0], [6, 3], [2, 2], [8, 3, 2, 3]];

/** One series: its label and its computed points, x ascending. */
export interface Series {
  label: string;
  points: Array<{ x: number; y: number }>;
}

/** Values closer than this (relative) draw on top of each other: such series count as one on the chart. */
export const SAME = 5e-3;
const close = (a: number, b: number) => a === b || Math.abs(a - b) <= SAME * Math.max(Math.abs(a), Math.abs(b));

/** For each series, how many earlier series have its points, each within SAME (0: the first of its kind). */
export function overlapRanks(series: Series[]): { ranks: number[]; groups: string[][] } {
  const ranks: number[] = [];
  const groups: string[][] = [];
  const firstOf: number[] = [];
  for (const [i, s] of series.entries()) {
    const j = firstOf.find((f) => {
      const p = series[f].points;
      return p.length === s.points.length && p.every((q, k) => close(q.x, s.points[k].x) && close(q.y, s.points[k].y));
    });
    if (j === undefined) {
      firstOf.push(i);
      ranks.push(0);
      groups.push([s.label]);
    } else {
      const g = groups[firstOf.indexOf(j)];
      ranks.push(g.length);
      g.push(s.label);
    }
  }
  return { ranks, groups: groups.filter((g) => g.length > 1) };
}

/** Pairs of neighbouring points close enough on the x axis to be joined by a line. */
export function joinable(points: Array<{ x: number }>, domain: [number, number], log: boolean): Array<[number, number]> {
  const t = (x: number) => (log ? Math.log(x) : x);
  const span = t(domain[1]) - t(domain[0]);
  const pairs: Array<[number, number]> = [];
  for (let i = 1; i < points.length; i++) if (span > 0 && (t(points[i].x) - t(points[i - 1].x)) / span <= MAX_GAP) pairs.push([i - 1, i]);
  return pairs;
}

export interface SeriesChartAxes {
  x: { title: string; log: boolean; domain?: [number, number]; format?: string };
  y: { title: string; log: boolean };
  legend: string;
}

/** A reference curve drawn as a thin dotted line (closed forms, computed densely), one per series or one in all. */
export interface Reference {
  name: string;
  points: Array<{ series?: string; x: number; y: number }>;
}

/**
 * The vega-lite spec of a series chart: markers for every computed value, short lines between close
 * ones, dotted reference curves; plus the notes saying what overlaps. Data rows carry `series`; the
 * marks that draw series are named series_points / series_lines (the browser test counts them).
 */
export function seriesChart(series: Series[], axes: SeriesChartAxes, ref?: Reference): { spec: Chart['spec']; notes: string } {
  const { ranks, groups } = overlapRanks(series);
  const xs = series.flatMap((s) => s.points.map((p) => p.x));
  const domain: [number, number] = axes.x.domain ?? [Math.min(...xs), Math.max(...xs)];
  const labels = series.map((s) => s.label);
  const points = series.flatMap((s, i) => s.points.map((p) => ({ series: s.label, x: p.x, y: p.y, overlap: ranks[i] })));
  const segments = series.flatMap((s, i) =>
    joinable(s.points, domain, axes.x.log).flatMap(([a, b], k) => [a, b].map((j) => ({ series: s.label, segment: `${i}:${k}`, x: s.points[j].x, y: s.points[j].y, overlap: ranks[i] }))),
  );
  const x = { field: 'x', type: 'quantitative', title: axes.x.title, scale: { type: axes.x.log ? 'log' : 'linear', nice: false, ...(axes.x.domain ? { domain: axes.x.domain } : {}) }, ...(axes.x.format ? { axis: { format: axes.x.format, labelExpr: "replace(datum.label, 'G', 'B')" } } : {}) };
  const y = { field: 'y', type: 'quantitative', title: axes.y.title, scale: { type: axes.y.log ? 'log' : 'linear' } };
  const colour = { field: 'series', type: 'nominal', title: axes.legend, scale: { domain: labels }, legend: { labelLimit: 1000, titleLimit: 1000, ...(labels.length > 20 ? { orient: 'bottom', columns: Math.min(3, Math.ceil(labels.length / 20)) } : {}) } };
  const shape = { field: 'series', type: 'nominal', title: axes.legend, scale: { domain: labels, range: labels.map((_, i) => SHAPES[i % SHAPES.length]) } };
  const layer: object[] = [];
  if (ref) {
    layer.push({
      name: 'reference',
      data: { values: ref.points.map((p) => ({ ...p, ref: p.series ?? ref.name })) },
      mark: { type: 'line', strokeWidth: 1, strokeDash: [2, 3], opacity: 0.7, ...(ref.points.some((p) => p.series) ? {} : { color: '#333' }) },
      encoding: { x, y, detail: { field: 'ref', type: 'nominal' }, ...(ref.points.some((p) => p.series) ? { color: colour } : {}) },
    });
  }
  if (segments.length) {
    layer.push({
      name: 'series_lines',
      data: { values: segments },
      mark: { type: 'line', strokeWidth: 1.5 },
      encoding: {
        x, y, color: colour, detail: { field: 'segment', type: 'nominal' }, description: { field: 'series', type: 'nominal' },
        strokeDash: { field: 'overlap', type: 'ordinal', scale: { domain: DASHES.map((_, i) => i), range: DASHES }, legend: null },
      },
    });
  }
  layer.push({
    name: 'series_points',
    data: { values: points },
    mark: { type: 'point', filled: false, strokeWidth: 1.5, opacity: 0.95 },
    encoding: {
      x, y, color: colour, shape, description: { field: 'series', type: 'nominal' },
      size: { field: 'overlap', type: 'quantitative', scale: { domain: [0, 3], range: [40, 220] }, legend: null },
    },
  });
  const notes = groups.map((g) => `Identical values (within 0.5 %): ${g.map((l) => `"${l}"`).join(' and ')} (${g.length > 2 ? 'the later ones' : 'the second'} dashed, with larger markers, over the first).`);
  const joined = segments.length / 2;
  const total = series.reduce((n, s) => n + Math.max(0, s.points.length - 1), 0);
  if (joined < total) notes.push(`Markers are computed values; lines join only neighbours at most 1/4 of the x axis apart (${joined} of ${total} gaps): nothing is drawn between points further apart.`);
  return {
    spec: { $schema: SCHEMA, width: 560, height: 320, layer, resolve: { scale: { color: 'shared' } } } as unknown as Chart['spec'],
    notes: notes.join(' '),
  };
}
