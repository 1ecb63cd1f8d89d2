// Sweep results as points for charts: a run's configuration and result, the fields that vary between
// runs, and orders that follow the values (numbers as numbers).
import { canonicalJson } from '../../sweep/hash.js';
import { latestByHash } from '../../sweep/csv.js';
import type { Config, ResultLine } from '../../sweep/types.js';

export interface Point {
  config: Config;
  result: Record<string, unknown>;
  file: string;
}

/** Fields whose values differ between the given points (these are what tells series apart). */
export function varying(points: Point[], exclude: string): string[] {
  const keys = new Set(points.flatMap((p) => Object.keys(p.config)));
  return [...keys].filter((k) => k !== exclude && new Set(points.map((p) => canonicalJson(p.config[k] ?? null))).size > 1).sort();
}

export const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);

/** A positive finite number (a time, a count, a size: what a log axis can place), else undefined. */
export const pos = (v: unknown): number | undefined => ((num(v) ?? 0) > 0 ? (v as number) : undefined);

/**
 * The successful runs of a kind in the inputs, a point each. A run in several inputs (one sweep's file and its
 * copy, or a rerun by another build) is drawn once, from the last input that has it (two points of one run,
 * joined by a line, were drawn); `repeated` counts the runs so dropped, for the charts' notes.
 */
export function collect(inputs: Array<{ file: string; lines: ResultLine[] }>, kind: string): Point[] & { repeated: number } {
  const byHash = new Map<string, Point>();
  let repeated = 0;
  for (const i of inputs) {
    for (const l of latestByHash(i.lines)) {
      if (l.kind !== kind || !l.result || typeof l.result !== 'object') continue;
      if (byHash.delete(l.hash)) repeated++;
      byHash.set(l.hash, { config: l.config, result: l.result as Record<string, unknown>, file: i.file });
    }
  }
  return Object.assign([...byHash.values()], { repeated });
}

export const sourcesOf = (pts: Point[]) => [...new Set(pts.map((p) => p.file))];

/** Orders two values: numbers as numbers, anything else by its canonical JSON. */
export function compareValues(a: unknown, b: unknown): number {
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  if (a === undefined || b === undefined) return a === b ? 0 : a === undefined ? -1 : 1;
  return canonicalJson(a).localeCompare(canonicalJson(b), 'en', { numeric: true });
}

/** Sorts groups of runs by the values of the fields that tell them apart (in the order of `keys`). */
export function sortGroups(groups: Point[][], keys: string[]): Point[][] {
  return groups.sort((a, b) => {
    for (const k of keys) {
      const d = compareValues(a[0].config[k], b[0].config[k]);
      if (d !== 0) return d;
    }
    return 0;
  });
}

