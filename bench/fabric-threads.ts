// How much do threads buy the cycle-level fabric? One layer per row, run on 1 thread and on N threads
// (`fabric --threads N`: bands of columns in one shared memory, the cycles and results of one thread),
// interleaved run by run in this process so both see the same machine, after one warm-up run of each (the
// band threads' modules tier up; the pool is kept between runs). Reports the median simulation seconds of
// each, their ratio (goal on 2 cores: 2 threads >= 1.7x one) and the bands' waiting (looks at a
// neighbour's progress before it was there, per cycle); checks that every run gave the same cycles. Where the
// CPUs can be pinned (bench/cpu-probe.ts, first), it also runs one thread pinned to each CPU (a child process
// each, fabric-pinned.ts; not interleaved with the rest) and gives the threads' speed-up over the faster and the
// slower CPU's one thread: an even split runs at the slower one's pace.
// Rows: bench/results/fabric-threads.json (atomically; --quick: fabric-threads-quick.json).
// Run: npm run build && node dist/bench/fabric-threads.js [--quick] [--threads N] [--wafer]
import { spawnSync } from 'node:child_process';
import { availableParallelism, cpus, loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { writeJsonAtomic } from '../src/io/atomic.js';
import { rootPath } from '../src/paths.js';
import { runFabric, runFabricAsync, type FabricRunOptions } from '../src/fabric/run.js';
import type { SkewPlan } from '../src/fabric/sim.js';
import { median } from './median.js';
import { reportCpus } from './cpu-probe.js';
import { waferLayer } from './fabric-layers.js';

const quick = process.argv.includes('--quick');
const withWafer = process.argv.includes('--wafer');
const threadsArg = process.argv.indexOf('--threads');
const threads = threadsArg > 0 ? Number(process.argv[threadsArg + 1]) : Math.min(2, availableParallelism());
const reps = quick ? 3 : 7;
const cpuProbe = reportCpus();

/** The layers: the 32x32 and 64x64 bench shapes of bench/fabric.ts, and a quarter-wafer-wide mesh. */
const ROWS: Array<[string, FabricRunOptions]> = [
  ['32x32 dense balanced (Ks 16, Bs 16)', { rows: 32, cols: 32, batch: 512, in: 512, out: 128 }],
  ['32x32 sparse 0.9 compute-bound', { rows: 32, cols: 32, batch: 1024, in: 2048, out: 64, sparsity: 0.9 }],
  ['64x64 dense balanced (Ks 16, Bs 16)', { rows: 64, cols: 64, batch: 1024, in: 1024, out: 256 }],
  ['64x64 sparse 0.9 compute-bound', { rows: 64, cols: 64, batch: 2048, in: 4096, out: 256, sparsity: 0.9 }],
  ['250x212 sparse 0.9 (the quick wafer row)', waferLayer(250, 212)],
];
if (withWafer) ROWS.push(['1000x850 sparse 0.9 (the full WSE-2 wafer row)', waferLayer(1000, 850)]);

async function row(name: string, o: FabricRunOptions) {
  const base = { ...o, seed: 1, check: 'off' as const, flavor: 'release' as const };
  const one: number[] = [];
  const many: number[] = [];
  const waits: number[] = [];
  let cycles = -1;
  let skew: SkewPlan | null = null; // the order both ran in ('auto': the skewed one past 8 MB of node records)
  const n = name.startsWith('1000x850') ? 1 : reps;
  for (let i = -1; i < n; i++) {
    const a = runFabric(base).result;
    const b = (await runFabricAsync({ ...base, threads })).result;
    if (a.cycles !== b.cycles || (cycles >= 0 && a.cycles !== cycles)) throw new Error(`${name}: cycles differ (${a.cycles} on one thread, ${b.cycles} on ${threads})`);
    cycles = a.cycles;
    skew = b.skew;
    if (i < 0 && n > 1) continue; // warm-up
    one.push(a.simSeconds);
    many.push(b.simSeconds);
    waits.push(b.waitsPerCycle ?? 0);
  }
  const [s1, sN] = [median(one), median(many)];
  // one thread pinned to each CPU: on a machine whose CPUs differ (bench/cpu-probe.ts) an even split runs at the slower one's pace
  const pinned = cpuProbe && n > 1 ? pinnedOneThread(o, Math.min(n, 3)) : null;
  return {
    name, ...o, cycles, reps: n, threads, skew, oneThreadSeconds: s1, threadsSeconds: sN, speedup: s1 / sN, oneThread: one, withThreads: many, waitsPerCycleMedian: median(waits),
    oneThreadPinnedSeconds: pinned, speedupOverSlowerCpu: pinned && Math.max(...pinned) / sN, speedupOverFasterCpu: pinned && Math.min(...pinned) / sN,
  };
}

/** Median simulation seconds of one thread pinned to each probed CPU, `reps` runs in a child process each (after its warm-up run). */
function pinnedOneThread(o: FabricRunOptions, reps: number): number[] {
  const script = fileURLToPath(new URL('./fabric-pinned.js', import.meta.url));
  return cpuProbe!.cpus.map(({ cpu }) => {
    const r = spawnSync('taskset', ['-c', String(cpu), process.execPath, script, JSON.stringify(o), String(reps)], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`bench: the run pinned to CPU ${cpu} failed: ${r.stderr.trim().split('\n').at(-1)}`);
    return median((JSON.parse(r.stdout) as { seconds: number[] }).seconds);
  });
}

async function main() {
  const load0 = loadavg();
  const rows = [];
  for (const [name, o] of ROWS) {
    const r = await row(name, o);
    rows.push(r);
    console.log(`${name}${r.skew ? ' (skewed order)' : ''}: ${r.cycles} cycles, 1 thread ${r.oneThreadSeconds.toFixed(3)} s, ${threads} threads ${r.threadsSeconds.toFixed(3)} s: ${r.speedup.toFixed(2)}x (waits/cycle ${Math.round(r.waitsPerCycleMedian)}; load ${loadavg()[0].toFixed(2)})`);
    if (r.oneThreadPinnedSeconds) {
      const each = r.oneThreadPinnedSeconds.map((t, cpu) => `cpu${cpu} ${t.toFixed(3)} s`).join(', ');
      console.log(`  1 thread pinned: ${each}; ${threads} threads are ${r.speedupOverFasterCpu!.toFixed(2)}x the faster CPU's, ${r.speedupOverSlowerCpu!.toFixed(2)}x the slower's`);
    }
  }
  const out = rootPath('bench', 'results', quick ? 'fabric-threads-quick.json' : 'fabric-threads.json');
  writeJsonAtomic(out, {
    bench: 'fabric-threads', quick, date: new Date().toISOString(), node: process.version,
    cpu: cpus()[0]?.model ?? 'unknown', cpus: cpus().length, cpuProbe, loadAverageBefore: load0, loadAverageAfter: loadavg(),
    goal: { speedupTwoThreads: 1.7 }, rows,
  });
  console.log(`wrote ${out}`);
  process.exit(0);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
