// Per-core busy cycles of a run as data a chart can show: {rows, cols, busy: [rows·cols], ...},
// row-major (busy[r·cols + c]), plus `values` = busy / cycles (each core's busy share of the run's cycles:
// streaming, computing and reducing, not only the FMAC work `fabric` reports as its utilization; the form
// `weightstream report` charts), written atomically (temp file + rename). Files written before 2026-12-07
// name the same values `utilisation`.
import { writeFileAtomic } from '../io/atomic.js';
import type { FabricRun } from './run.js';

import { requireObject, requireString } from '../errors.js';
export interface FabricHeatmap {
  rows: number;
  cols: number;
  /** Busy (streaming + computing + reducing) cycles per core, row-major. */
  busy: number[];
  /** busy / cycles per core (0 for cores the mapping does not use). */
  values: number[];
  metric: 'busy share';
  /** The run's cycle count. */
  cycles: number;
  pass: string;
  layer: { B: number; K: number; N: number; sparsity: number };
  units: 'cycles';
}

export function heatmapOf(run: FabricRun): FabricHeatmap {
  const r = run.result;
  return {
    rows: r.rows, cols: r.cols, busy: Array.from(run.busy),
    values: Array.from(run.busy, (b) => (r.cycles > 0 ? b / r.cycles : 0)), metric: 'busy share', cycles: r.cycles, pass: r.pass,
    layer: { B: r.batch, K: r.in, N: r.out, sparsity: r.sparsity }, units: 'cycles',
  };
}

/** Writes the heatmap JSON to `file` atomically. */
export function writeHeatmap(file: string, run: FabricRun): void {
  requireString('file', file);
  requireObject('run', run);
  writeFileAtomic(file, JSON.stringify(heatmapOf(run)) + '\n');
}
