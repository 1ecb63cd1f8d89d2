// How training throughput scales with the number of simulated CS-2 (worker threads), the question behind
// the article's "near-linear scaling" (M6) asked of our own simulator: weak scaling (each system keeps
// its share of the batch: global batch = per-system batch x N, as data-parallel CS-2 clusters are run) and
// strong scaling (one global batch split over N). Model: the 'wide' preset (64 → 1024 → 1024 → 10), AdamW,
// release WASM; rates in steady state (after warm-up steps), median over interleaved rounds.
// On a machine with C cores, N runs over 1, 2, 4, ... up to C. The ceiling to compare with is the
// thread-scaling of independent WASM GEMM threads on the same machine (FACTS.md: 77-83 % at 16 on a 16-core Xeon).
// Writes bench/results/training-scaling-<C>core.json. Run: npm run build && node dist/bench/training-scaling.js [--quick]
import { availableParallelism, cpus } from 'node:os';
import { createCluster } from '../src/cluster/engine.js';
import { loadDigits } from '../src/data/index.js';
import { PRESETS } from '../src/model/load.js';
import { validateModel } from '../src/model/validate.js';
import { writeJsonAtomic } from '../src/io/atomic.js';
import { rootPath } from '../src/paths.js';

const quick = process.argv.includes('--quick');
const warm = 2;
const steps = quick ? 6 : 14;
const rounds = quick ? 1 : 3;
const perSystem = 128;
const strongBatch = 1024;
const cores = availableParallelism();
const systemsList = [1, 2, 4, 8, 16, 32].filter((n) => n <= cores);
const data = loadDigits();
const model = validateModel(PRESETS.wide(data.features, data.classes));

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1];

async function rate(systems: number, batch: number): Promise<number> {
  const cluster = await createCluster({ systems, flavor: 'release' });
  try {
    const ends: number[] = [];
    await cluster.train(model, data, { steps, batch, optimizer: { kind: 'adamw', lr: 1e-3 }, seed: 1, shuffle: true, evaluate: false, onStep: () => ends.push(performance.now()) });
    return ((steps - warm) * batch) / ((ends[steps - 1] - ends[warm - 1]) / 1000);
  } finally {
    await cluster.close();
  }
}

async function main(): Promise<void> {
  const rows: Array<{ mode: 'weak' | 'strong'; systems: number; batch: number; samplesPerSecond: number; speedup: number; efficiency: number; runs: number[] }> = [];
  for (const mode of ['weak', 'strong'] as const) {
    const runs = systemsList.map(() => [] as number[]);
    for (let r = 0; r < rounds; r++) {
      for (const [i, n] of systemsList.entries()) runs[i].push(await rate(n, mode === 'weak' ? perSystem * n : strongBatch));
    }
    const base = median(runs[0]);
    systemsList.forEach((n, i) => {
      const s = median(runs[i]);
      rows.push({ mode, systems: n, batch: mode === 'weak' ? perSystem * n : strongBatch, samplesPerSecond: s, speedup: s / base, efficiency: s / base / n, runs: runs[i] });
    });
  }
  console.log(`training scaling: wide MLP, AdamW, ${steps} steps (${warm} warm-up), median of ${rounds}; machine: ${cpus()[0]?.model ?? '?'} x ${cores}`);
  console.log('mode    systems   batch   samples/s   speed-up   efficiency');
  for (const r of rows) console.log(`${r.mode.padEnd(7)} ${String(r.systems).padStart(7)} ${String(r.batch).padStart(7)} ${r.samplesPerSecond.toFixed(0).padStart(11)} ${r.speedup.toFixed(2).padStart(10)} ${(100 * r.efficiency).toFixed(0).padStart(10)} %`);
  writeJsonAtomic(rootPath('bench', 'results', `training-scaling-${cores}core${quick ? '.quick' : ''}.json`), {
    bench: 'training-scaling', date: new Date().toISOString(), machine: { cpu: cpus()[0]?.model, cores, node: process.version },
    model: 'wide', perSystemBatch: perSystem, strongBatch, steps, warm, rounds, rows,
  });
}

await main();
