// Inputs for the report tests, made by the real producers where they exist: a Chrome trace of the
// training-step schedule (src/timeline), and a fabric heatmap.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { schedule, type LayerCost } from '../../src/timeline/schedule.js';
import { toTrace } from '../../src/timeline/trace.js';

export interface Inputs {
  files: string[];
  expectedCharts: string[];
}

export function traceFile(dir: string, systems = 4, layers = 4, steps = 2): string {
  const costs: LayerCost[] = Array.from({ length: layers }, (_, l) => ({
    name: `L${l}`,
    seconds: { streamFwd: 0.002, forward: 0.003, streamBwd: 0.002, delta: 0.003, gradient: 0.003, gradOut: 0.001, reduce: 0.001, update: 0.002 },
  }));
  const f = join(dir, 'step.trace.json');
  writeFileSync(f, JSON.stringify(toTrace(schedule(costs, steps, 'full'), costs, systems)));
  return f;
}

export function heatmapFile(dir: string, rows = 12, cols = 16): string {
  const values = Array.from({ length: rows * cols }, (_, i) => (i % cols) / cols);
  const f = join(dir, 'heatmap.json');
  writeFileSync(f, JSON.stringify({ layer: 'fc1', sparsity: 0.5, heatmap: { rows, cols, values, metric: 'busy cycles / cycles' } }));
  return f;
}

export async function makeInputs(dir: string): Promise<Inputs> {
  return { files: [traceFile(dir), heatmapFile(dir)], expectedCharts: ['timeline', 'heatmap'] };
}
