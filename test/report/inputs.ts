// Inputs for the report tests, made by the real producers: sweeps of the at-scale estimate (CS-2 and
// GPU) and of the fabric run on the pool, training summaries printed by `weightstream train --json`,
// a Chrome trace of the training-step schedule (src/timeline), and a heatmap of a real fabric run's
// busy cycles. Needs `npm run build` (pool workers, the CLI, WASM).
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runFabric } from '../../src/fabric/run.js';
import { rootPath } from '../../src/paths.js';
import { runSweep } from '../../src/sweep/run.js';
import { validateSweep } from '../../src/sweep/spec.js';
import { schedule, type LayerCost } from '../../src/timeline/schedule.js';
import { toTrace } from '../../src/timeline/trace.js';

/** `estimate --sensitivity --json` output of the agreed shape (test/report/fixtures). */
export const SENSITIVITY_FIXTURE = join(import.meta.dirname, 'fixtures', 'sensitivity.json');

/**
 * A hardware what-if sweep as a researcher writes one: CS-2 I/O at 150 and 300 GB/s in two folders under
 * the same file name, and a spec that changes nothing (its series equal the first one's), over 1..64
 * systems and two sparsities: 6 series on the scaling chart, 21 on the sparsity chart.
 */
export function whatIfSweep(dir: string): object {
  const hw = (sub: string, name: string, figures: object) => {
    mkdirSync(join(dir, sub), { recursive: true });
    const f = join(dir, sub, name);
    writeFileSync(f, JSON.stringify({ base: 'cs2', figures }));
    return f;
  };
  const io = (v: number) => ({ ioGBps: { value: v, source: 'what-if' } });
  const specs = [[hw('a', 'cs2-io.json', io(150))], [hw('b', 'cs2-io.json', io(300))], [hw('a', 'cs2-same.json', {})]];
  return { kind: 'estimate', base: { model: 'gpt3-xl' }, axes: { spec: specs, systems: [1, 2, 4, 8, 16, 32, 64], sparsity: [0, 0.9] } };
}

export interface Inputs {
  files: string[];
  expectedCharts: string[];
}

export function traceFile(dir: string, systems = 4, layers = 4, steps = 2): string {
  const costs: LayerCost[] = Array.from({ length: layers }, (_, l) => ({
    name: `L${l}`,
    seconds: { streamFwd: 0.002, forward: 0.003, streamBwd: 0.002, delta: 0.003, gradient: 0.003, gradOut: 0.001, reduce: 0.001, update: 0.002 },
  }));
  const f = join(dir, `step-${systems}-${layers}-${steps}.trace.json`);
  writeFileSync(f, JSON.stringify(toTrace(schedule(costs, steps, 'full'), costs, systems)));
  return f;
}

/** The heatmap `weightstream fabric --heatmap` writes for a small layer (the real CLI, the real format). */
export function heatmapFile(dir: string, rows = 6, cols = 8): string {
  const f = join(dir, `heatmap-${rows}x${cols}.json`);
  const r = spawnSync(process.execPath, [rootPath('bin', 'weightstream.js'), 'fabric', '--rows', String(rows), '--cols', String(cols), '--batch', '12', '--in', '32', '--out', '24', '--sparsity', '0.6', '--heatmap', f, '--quiet'], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`fabric --heatmap: exit ${r.status}: ${r.stderr}`);
  return f;
}

/** The same data nested under `heatmap` with facts beside it (the other shape the report accepts), from runFabric. */
export function nestedHeatmapFile(dir: string, rows = 12, cols = 16): string {
  const run = runFabric({ rows, cols, batch: 24, in: 48, out: 32, sparsity: 0.5, seed: 5 });
  const values = Array.from(run.busy, (b) => b / run.result.cycles);
  const f = join(dir, `nested-heatmap-${rows}x${cols}.json`);
  writeFileSync(f, JSON.stringify({ layer: '48x32', sparsity: 0.5, cycles: run.result.cycles, heatmap: { rows, cols, values, metric: 'busy cycles / cycles' } }));
  return f;
}

export async function sweepFile(dir: string, name: string, data: unknown): Promise<string> {
  const out = join(dir, `${name}.jsonl`);
  await runSweep(validateSweep(data), { out, workers: 2 });
  return out;
}

function trainSummary(dir: string, name: string, args: string[]): Promise<string> {
  const file = join(dir, `${name}.json`);
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, [rootPath('bin', 'weightstream.js'), 'train', '--json', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    p.stdout.on('data', (d) => (out += d));
    p.stderr.on('data', (d) => (err += d));
    p.on('close', (code) => {
      if (code !== 0) return reject(new Error(`train ${args.join(' ')}: exit ${code}: ${err}`));
      writeFileSync(file, out);
      resolve(file);
    });
  });
}

export async function makeInputs(dir: string): Promise<Inputs> {
  const train = ['--model', 'mlp', '--data', 'digits', '--steps', '30', '--batch', '64', '--optimizer', 'adamw', '--lr', '0.01'];
  const [dense, sparse] = await Promise.all([
    trainSummary(dir, 'train-dense', [...train, '--systems', '1']),
    trainSummary(dir, 'train-sparse', [...train, '--systems', '2', '--sparsity', '0.9']),
  ]);
  const files = [
    await sweepFile(dir, 'scaling', { kind: 'estimate', base: { model: 'gpt3-175b' }, axes: { systems: [1, 2, 4, 8, 16, 32, 64, 128, 192], sparsity: [0, 0.5, 0.9] } }),
    await sweepFile(dir, 'model-size', { kind: 'estimate', axes: { model: ['gpt3-small', 'gpt3-xl', 'gpt3-13b'], merge: [{ systems: 16 }, { gpu: 'a100', devices: 256 }] } }),
    await sweepFile(dir, 'fabric', { kind: 'fabric', base: { rows: 4, cols: 4, batch: 8, in: 32, out: 32, seed: 2 }, axes: { sparsity: [0, 0.5, 0.9] } }),
    dense,
    sparse,
    traceFile(dir),
    heatmapFile(dir),
    SENSITIVITY_FIXTURE,
  ];
  return { files, expectedCharts: ['scaling', 'sparsity', 'model-size', 'compare', 'compare-2', 'training-loss', 'training-bytes', 'timeline', 'heatmap', 'sensitivity'] };
}
