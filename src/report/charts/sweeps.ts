// Charts from sweep results, by run kind: at-scale estimates (time to train vs systems, vs sparsity,
// vs model size against GPU clusters) and fabric runs (speed-up vs sparsity).
import type { ResultLine } from '../../sweep/types.js';
import type { Chart } from '../types.js';

export function sweepCharts(inputs: Array<{ file: string; lines: ResultLine[] }>): { charts: Chart[]; skipped: string[] } {
  const skipped = inputs.map((i) => `${i.file} (no chart for ${[...new Set(i.lines.map((l) => l.kind))].join(', ') || 'an empty file'} yet)`);
  return { charts: [], skipped };
}
