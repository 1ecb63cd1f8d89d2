// How fast do sweeps run? Runs per second of (1) an at-scale `estimate` sweep and (2) a small cycle-level
// `fabric` sweep, each on the pool with 1 and with 2 workers, against the same configurations run in a
// plain loop on this thread (the baseline: no pool, no result lines). Wall time covers everything a
// user waits for: checking the file's configurations, starting the pool, running, writing the lines.
// Prints a table and writes bench/results/sweep.json (atomically).
// Run: npm run build && node dist/bench/sweep.js [--quick]
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeJsonAtomic } from '../src/io/atomic.js';
import { rootPath } from '../src/paths.js';
import { runFabric } from '../src/fabric/run.js';
import { estimate } from '../src/perf/estimate.js';
import { preset } from '../src/perf/models.js';
import { expandSweep, runSweep, validateSweep } from '../src/sweep/index.js';
import type { Config } from '../src/sweep/types.js';

const quick = process.argv.includes('--quick');
const reps = quick ? 1 : 3;
const dir = mkdtempSync(join(tmpdir(), 'ws-bench-sweep-'));

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

const estimateSweep = validateSweep({
  kind: 'estimate',
  base: { model: 'gpt3-175b' },
  axes: { systems: { from: 1, to: 192 }, sparsity: quick ? [0, 0.5, 0.75, 0.9, 0.95] : { from: 0, to: 0.98, step: 0.02 } },
});
const fabricSweep = validateSweep({
  kind: 'fabric',
  base: { rows: 8, cols: 8, batch: 16, in: 64, out: 64, pass: 'forward' },
  axes: { sparsity: [0, 0.5, 0.75, 0.9, 0.95, 0.98], seed: quick ? [1] : [1, 2] },
});

interface Row {
  kind: string;
  how: string;
  runs: number;
  wallSeconds: number;
  runsPerSecond: number;
  /** Seconds of the run phase alone (pool up, lines written), when on the pool. */
  runPhaseSeconds?: number;
  vsLoop?: number;
}

async function onPool(name: string, spec: ReturnType<typeof validateSweep>, workers: number): Promise<Row> {
  const walls: number[] = [];
  const runPhase: number[] = [];
  let runs = 0;
  for (let r = 0; r < reps; r++) {
    const out = join(dir, `${name}-${workers}-${r}.jsonl`);
    const t0 = performance.now();
    const s = await runSweep(spec, { out, workers });
    walls.push((performance.now() - t0) / 1000);
    runPhase.push(s.ran / s.runsPerSecond);
    if (s.failed) throw new Error(`${name}: ${s.failed} runs failed (see ${out})`);
    runs = s.ran;
    rmSync(out);
  }
  const wall = median(walls);
  return { kind: name, how: `pool, ${workers} worker${workers > 1 ? 's' : ''}`, runs, wallSeconds: wall, runsPerSecond: runs / wall, runPhaseSeconds: median(runPhase) };
}

function inLoop(name: string, configs: Config[], run: (c: Config) => unknown): Row {
  const walls: number[] = [];
  for (let r = 0; r < reps; r++) {
    const t0 = performance.now();
    for (const c of configs) run(c);
    walls.push((performance.now() - t0) / 1000);
  }
  const wall = median(walls);
  return { kind: name, how: 'loop on this thread (baseline)', runs: configs.length, wallSeconds: wall, runsPerSecond: configs.length / wall };
}

async function main() {
  const rows: Row[] = [];
  const gpt3 = preset('gpt3-175b');
  const est = expandSweep(estimateSweep).map((r) => r.config);
  const loopE = inLoop('estimate', est, (c) => estimate(gpt3, { systems: c.systems as number, sparsity: c.sparsity as number }));
  rows.push(loopE);
  for (const w of [1, 2]) rows.push({ ...(await onPool('estimate', estimateSweep, w)) });
  const fab = expandSweep(fabricSweep).map((r) => r.config);
  const loopF = inLoop('fabric', fab, (c) => runFabric(c as unknown as Parameters<typeof runFabric>[0]));
  rows.push(loopF);
  for (const w of [1, 2]) rows.push({ ...(await onPool('fabric', fabricSweep, w)) });
  for (const r of rows) r.vsLoop = r.runsPerSecond / (r.kind === 'estimate' ? loopE : loopF).runsPerSecond;

  console.log(`\nsweep throughput (${quick ? 'quick, 1 repetition' : `median of ${reps}`}; ${cpus().length} cores: ${cpus()[0]?.model ?? ''})`);
  console.log('kind      how                              runs    wall s   runs/s   x loop');
  for (const r of rows) {
    console.log(`${r.kind.padEnd(9)} ${r.how.padEnd(32)} ${String(r.runs).padStart(6)} ${r.wallSeconds.toFixed(2).padStart(8)} ${r.runsPerSecond.toFixed(r.runsPerSecond < 100 ? 1 : 0).padStart(8)} ${r.vsLoop!.toFixed(2).padStart(8)}`);
  }
  const result = {
    bench: 'sweep',
    when: new Date().toISOString(),
    machine: { cpu: cpus()[0]?.model ?? 'unknown', cores: cpus().length, node: process.version, wasm: process.env.WEIGHTSTREAM_WASM ?? 'release' },
    quick,
    repetitions: reps,
    sweeps: {
      estimate: { configurations: est.length, model: 'gpt3-175b', systems: '1..192', sparsities: estimateSweep.axes[1].values.length },
      fabric: { configurations: fab.length, layer: '64x64 forward, batch 16', mesh: '8x8' },
    },
    rows,
    notes: 'wall = whole sweep (validation, pool start, runs, one fsynced JSON line per run); runs/s = runs / wall; x loop = ratio to the same configurations called in a loop on one thread',
  };
  writeJsonAtomic(rootPath('bench', 'results', 'sweep.json'), result);
  console.log(`\nwrote ${rootPath('bench', 'results', 'sweep.json')}`);
  rmSync(dir, { recursive: true, force: true });
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
