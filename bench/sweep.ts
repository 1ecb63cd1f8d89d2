// How fast do sweeps run? Runs per second of (1) an at-scale `estimate` sweep and (2) a small cycle-level
// `fabric` sweep, each on the pool with 1 and with 2 workers, against the same configurations run in a
// plain loop on this thread (the baseline: no pool, no result lines). Wall time covers everything a
// user waits for: checking the file's configurations, starting the pool, running, writing the lines.
// Prints a table and writes bench/results/sweep.json (atomically; --quick: sweep-quick.json).
// Run: npm run build && node dist/bench/sweep.js [--quick]
import { rmSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { writeJsonAtomic } from '../src/io/atomic.js';
import { runFabric } from '../src/fabric/run.js';
import { estimate } from '../src/perf/estimate.js';
import { preset } from '../src/perf/models.js';
import { expandSweep, runSweep, validateSweep } from '../src/sweep/index.js';
import type { Config } from '../src/sweep/types.js';
import { benchArgs } from './args.js';
import { resultsFile } from './results-file.js';
import { scratchDir } from './scratch.js';

const ARGS = benchArgs('sweep', 'How fast sweeps run: the pool with 1 and 2 workers against a plain loop; writes bench/results/sweep.json.', {
  quick: { type: 'boolean', help: 'fewer points, one repetition; writes sweep-quick.json' },
});

const { quick } = ARGS;
const reps = quick ? 1 : 3;
const dir = scratchDir('ws-bench-sweep-');

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

const estimateSweep = validateSweep({
  kind: 'estimate',
  base: { model: 'gpt3-175b' },
  axes: { systems: { from: 1, to: 192 }, sparsity: quick ? [0, 0.5, 0.75, 0.9, 0.95] : { from: 0, to: 0.98, step: 0.02 } },
});
const fabricSweep = validateSweep({
  kind: 'fabric',
  base: { rows: 16, cols: 16, batch: 64, in: 128, out: 128, pass: 'forward' },
  axes: { sparsity: [0, 0.5, 0.75, 0.9, 0.95, 0.98], seed: quick ? [1] : [1, 2, 3, 4] },
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

/** One timed sweep on the pool (a fresh results file). */
async function onPoolOnce(name: string, spec: ReturnType<typeof validateSweep>, workers: number, r: number): Promise<{ wall: number; runPhase: number; runs: number }> {
  const out = join(dir, `${name}-${workers}-${r}.jsonl`);
  const t0 = performance.now();
  const s = await runSweep(spec, { out, workers });
  const wall = (performance.now() - t0) / 1000;
  if (s.failed) throw new Error(`${name}: ${s.failed} runs failed (see ${out})`);
  rmSync(out);
  return { wall, runPhase: s.ran / s.runsPerSecond, runs: s.ran };
}

/** One timed loop over the configurations on this thread. */
function inLoopOnce(configs: Config[], run: (c: Config) => unknown): number {
  const t0 = performance.now();
  for (const c of configs) run(c);
  return (performance.now() - t0) / 1000;
}

/**
 * The loop, the 1-worker pool and the 2-worker pool, measured in turns (loop, 1, 2, loop, 1, 2 ...) so
 * that load from other processes on a shared machine falls on all three alike; medians per variant.
 */
async function measure(name: string, spec: ReturnType<typeof validateSweep>, run: (c: Config) => unknown): Promise<Row[]> {
  const configs = expandSweep(spec).map((r) => r.config);
  const loop: number[] = [];
  const pool: Record<number, Array<{ wall: number; runPhase: number; runs: number }>> = { 1: [], 2: [] };
  for (let r = 0; r < reps; r++) {
    loop.push(inLoopOnce(configs, run));
    for (const w of [1, 2]) pool[w].push(await onPoolOnce(name, spec, w, r));
  }
  const base: Row = { kind: name, how: 'loop on this thread (baseline)', runs: configs.length, wallSeconds: median(loop), runsPerSecond: configs.length / median(loop), vsLoop: 1 };
  const rows = [base];
  for (const w of [1, 2]) {
    const wall = median(pool[w].map((x) => x.wall));
    const runs = pool[w][0].runs;
    rows.push({ kind: name, how: `pool, ${w} worker${w > 1 ? 's' : ''}`, runs, wallSeconds: wall, runsPerSecond: runs / wall, runPhaseSeconds: median(pool[w].map((x) => x.runPhase)), vsLoop: runs / wall / base.runsPerSecond });
  }
  return rows;
}

async function main() {
  const rows: Row[] = [];
  const gpt3 = preset('gpt3-175b');
  rows.push(...(await measure('estimate', estimateSweep, (c) => estimate(gpt3, { systems: c.systems as number, sparsity: c.sparsity as number }))));
  rows.push(...(await measure('fabric', fabricSweep, (c) => runFabric(c as unknown as Parameters<typeof runFabric>[0]))));
  const est = expandSweep(estimateSweep);
  const fab = expandSweep(fabricSweep);

  console.log(`\nsweep throughput (${quick ? 'quick, 1 repetition' : `median of ${reps}`}; ${cpus().length} cores: ${cpus()[0]?.model ?? ''})`);
  console.log('kind      how                              runs    wall s   runs/s   x loop   run phase s');
  for (const r of rows) {
    console.log(`${r.kind.padEnd(9)} ${r.how.padEnd(32)} ${String(r.runs).padStart(6)} ${r.wallSeconds.toFixed(2).padStart(8)} ${r.runsPerSecond.toFixed(r.runsPerSecond < 100 ? 1 : 0).padStart(8)} ${r.vsLoop!.toFixed(2).padStart(8)} ${r.runPhaseSeconds === undefined ? '' : r.runPhaseSeconds.toFixed(2).padStart(13)}`);
  }
  const result = {
    bench: 'sweep',
    when: new Date().toISOString(),
    machine: { cpu: cpus()[0]?.model ?? 'unknown', cores: cpus().length, node: process.version, wasm: process.env.WEIGHTSTREAM_WASM ?? 'release' },
    quick,
    repetitions: reps,
    sweeps: {
      estimate: { configurations: est.length, model: 'gpt3-175b', systems: '1..192', sparsities: estimateSweep.axes[1].values.length },
      fabric: { configurations: fab.length, layer: '128x128 forward, batch 64', mesh: '16x16' },
    },
    rows,
    notes: 'wall = whole sweep (validation, pool start, runs, one JSON line per run, fsync); runs/s = runs / wall; x loop = ratio to the same configurations called in a loop on one thread; run phase = pool start to last line written; variants measured in turns, medians',
  };
  const out = resultsFile('sweep', quick && 'quick');
  writeJsonAtomic(out, result);
  console.log(`\nwrote ${out}`);
  rmSync(dir, { recursive: true, force: true });
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
