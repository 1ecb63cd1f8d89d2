// How much do threads buy the cycle-level fabric? One layer per row, run on 1 thread and on N threads
// (`fabric --threads N`: bands of columns in one shared memory, the cycles and results of one thread), the
// threads both balanced by time (the default, assembly/fabric/balance.ts) and with the even split kept (static),
// interleaved run by run in this process so both see the same machine, after one warm-up run of each (the
// band threads' modules tier up; the pool is kept between runs). Reports the median simulation seconds of
// each, their ratio (goal on 2 cores: 2 threads >= 1.7x one) and the bands' waiting (looks at a
// neighbour's progress before it was there, per cycle); checks that every run gave the same cycles. In the same
// rounds, the machine's ceiling: two independent threads of half the columns each, against one alone; and for bands,
// what threads meeting every cycle at a band's grain get (bench/lockstep.ts). Where the
// CPUs can be pinned (bench/cpu-probe.ts, first), it also runs one thread pinned to each CPU (a child process
// each, fabric-pinned.ts; not interleaved with the rest) and gives the threads' speed-up over the faster and the
// slower CPU's one thread: an even split runs at the slower one's pace. Last, the balancing on a known asymmetry:
// the last band emulates a CPU 45 % slower, even split against balanced by time (slowRows); and what a cycle of the
// bands costs beyond their share of one thread's against the boundary's height, on five meshes of 1,024 cores (shapeRows).
// Rows: bench/results/fabric-threads.json (atomically; --quick: fabric-threads-quick.json).
// Run: npm run build && node dist/bench/fabric-threads.js [--quick] [--threads N] [--wafer] [--shapes: only shapeRows]
import { spawnSync } from 'node:child_process';
import { Worker } from 'node:worker_threads';
import { availableParallelism, cpus, loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { writeJsonAtomic } from '../src/io/atomic.js';
import { runFabric, runFabricAsync, type FabricResult, type FabricRunOptions } from '../src/fabric/run.js';
import { median } from './median.js';
import { reportCpus } from './cpu-probe.js';
import { timedRun, waferLayer } from './fabric-layers.js';
import { balanceEpoch } from '../src/fabric/bands.js';
import { lockstepRound } from './lockstep.js';
import { benchArgs, benchInt } from './args.js';
import { resultsFile } from './results-file.js';

const ARGS = benchArgs('fabric-threads', 'What threads buy the cycle-level fabric, against the machine\'s ceiling measured in the same rounds; writes bench/results/fabric-threads.json (--quick: fabric-threads-quick.json).', {
  quick: { type: 'boolean', help: '3 rounds, not 7; writes fabric-threads-quick.json' },
  threads: { type: 'string', help: '<n> threads against one (default: 2, or 1 on one core); another count writes fabric-threads-<n>threads.json' },
  wafer: { type: 'boolean', help: 'add the wafer-shaped rows' },
  shapes: { type: 'boolean', help: 'only the boundary-height rows; writes fabric-threads-shapes.json' },
});
const { quick, wafer: withWafer } = ARGS;
/** Only the boundary-height rows (shapeRows), written to fabric-threads-shapes.json. */
const shapesOnly = ARGS.shapes;
const threads = benchInt('fabric-threads', 'threads', ARGS.threads, Math.min(2, availableParallelism()), 2);
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

/**
 * What a cycle of two bands costs beyond half of one thread's, against the rows at the band boundary: the same layer per
 * core (Ks = Bs = 16, 128 outputs) on meshes of 1,024 cores from 8 x 128 to 128 x 8, the even split kept (static), so
 * only the boundary's height changes (shapeRows).
 */
const SHAPES: Array<[number, number]> = [[8, 128], [16, 64], [32, 32], [64, 16], [128, 8]];

/** The rows balanced on an emulated slower CPU too (slowRow): those that run as bands a thread (not the skewed order). */
const SLOW_ROWS = new Set(['32x32 dense balanced (Ks 16, Bs 16)', '64x64 dense balanced (Ks 16, Bs 16)', '64x64 sparse 0.9 compute-bound']);

/** Run after a round's arms with its results and whether it is timed: a measurement that is not a fabric run (the ceilings). */
type AfterRound = (round: FabricResult[], timed: boolean) => Promise<void>;

/**
 * Runs each arm once per round, interleaved, after one untimed round (unless n is 1); throws where an arm's cycles
 * differ from the first's; then each of `after`. Returns each arm's results of the timed rounds.
 */
async function interleave(name: string, n: number, arms: Array<() => Promise<FabricResult>>, after: AfterRound[] = []): Promise<FabricResult[][]> {
  const out: FabricResult[][] = arms.map(() => []);
  for (let i = n > 1 ? -1 : 0; i < n; i++) {
    const round: FabricResult[] = [];
    for (const arm of arms) round.push(await arm());
    if (round.some((r) => r.cycles !== round[0].cycles)) throw new Error(`${name}: cycles differ between runs (${round.map((r) => r.cycles).join(', ')})`);
    for (const f of after) await f(round, i >= 0);
    if (i >= 0) round.forEach((r, a) => out[a].push(r));
  }
  return out;
}

const secondsOf = (rs: FabricResult[]) => rs.map((r) => r.simSeconds);

/**
 * The machine's ceiling for a row, in the same rounds: `threads` workers, each running 1 / threads of the layer's
 * columns (the same work a core, the footprint of a band) on one thread of its own, all at once, against one of
 * them alone. Two independent threads share nothing but the machine, so threads x alone / together is what the
 * machine gave this work in those minutes, before any band's waits and hand-overs (a sample of the host too, not a
 * strict bound: docs/fabric-speed.md, *Against the machine's ceiling*). `round()` runs one round (alone, then together)
 * and returns its ceiling.
 */
async function ceilingArm(o: FabricRunOptions) {
  const part: FabricRunOptions = { ...o, cols: Math.ceil(o.cols! / threads), in: Math.ceil(o.in! / threads), out: Math.ceil(o.out! / threads) };
  const workers = Array.from({ length: threads }, () => new Worker(new URL('./fabric-ceiling-worker.js', import.meta.url), { workerData: part }));
  const run = (w: Worker) => new Promise<number>((ok, fail) => {
    w.once('error', fail);
    w.once('message', (seconds: number) => {
      w.off('error', fail);
      ok(seconds);
    });
    w.postMessage('run');
  });
  return {
    async round() {
      const alone = await run(workers[0]);
      const together = await Promise.all(workers.map(run));
      return (threads * alone) / median(together);
    },
    close: () => Promise.all(workers.map((w) => w.terminate())),
  };
}

async function row(name: string, o: FabricRunOptions) {
  const base = timedRun(o);
  const n = name.startsWith('1000x850') ? 1 : reps;
  const ceiling = n > 1 ? await ceilingArm(o) : null;
  const ceilings: number[] = [];
  const lockstep: Array<{ lockstep: number; independent: number }> = [];
  // after each round, the machine's ceiling (independent threads) and, for bands (they meet every cycle), threads of
  // the same µs a cycle that meet every cycle (bench/lockstep.ts); skewed parts do not meet every cycle
  const after: AfterRound[] = !ceiling ? [] : [
    async (_, timed) => {
      const c = await ceiling.round();
      if (timed) ceilings.push(c);
    },
    async ([one], timed) => {
      if (one.skew) return;
      const l = await lockstepRound((1e6 * one.simSeconds) / one.cycles / threads, threads, Math.min(one.cycles, 10_000));
      if (timed) lockstep.push(l);
    },
  ];
  // one thread; the threads balanced (the default); the same threads with the even split kept (--balance static)
  const [ones, manys, fixeds] = await interleave(name, n, [
    async () => runFabric(base).result,
    () => runFabricAsync({ ...base, threads }).then((r) => r.result),
    () => runFabricAsync({ ...base, threads, balance: 'static' }).then((r) => r.result),
  ], after);
  await ceiling?.close();
  const [one, many, fixed] = [secondsOf(ones), secondsOf(manys), secondsOf(fixeds)];
  const waits = manys.map((r) => r.waitsPerCycle ?? 0);
  const [a, b] = [ones.at(-1)!, manys.at(-1)!];
  const [s1, sN] = [median(one), median(many)];
  // one thread pinned to each CPU: on a machine whose CPUs differ (bench/cpu-probe.ts) an even split runs at the slower one's pace
  const pinned = cpuProbe && n > 1 ? pinnedOneThread(o, Math.min(n, 3)) : null;
  return {
    name, ...o, cycles: a.cycles, reps: n, threads, skew: b.skew, oneThreadSeconds: s1, threadsSeconds: sN, speedup: s1 / sN, oneThread: one, withThreads: many, waitsPerCycleMedian: median(waits),
    balance: b.balance, staticSeconds: median(fixed), speedupStatic: s1 / median(fixed), withThreadsStatic: fixed,
    ceiling: ceiling && median(ceilings), ceilings: ceiling && ceilings, ofCeiling: ceiling && s1 / sN / median(ceilings),
    lockstepCeiling: lockstep.length ? median(lockstep.map((x) => x.lockstep)) : null, lockstepIndependent: lockstep.length ? median(lockstep.map((x) => x.independent)) : null, lockstepRounds: lockstep,
    oneThreadPinnedSeconds: pinned, speedupOverSlowerCpu: pinned && Math.max(...pinned) / sN, speedupOverFasterCpu: pinned && Math.min(...pinned) / sN,
  };
}

/** One SHAPES mesh: µs a cycle on one thread and on the threads (even split), and the threads' µs a cycle beyond 1 / threads of one thread's. */
async function shapeRow(R: number, C: number) {
  const o: FabricRunOptions = { rows: R, cols: C, batch: 16 * R, in: 16 * C, out: 128 };
  const base = timedRun(o);
  const [ones, fixeds] = await interleave(`${R}x${C}`, reps, [
    async () => runFabric(base).result,
    () => runFabricAsync({ ...base, threads, balance: 'static' }).then((r) => r.result),
  ]);
  const cycles = ones[0].cycles;
  const us = (rs: FabricResult[]) => (1e6 * median(secondsOf(rs))) / cycles;
  const [one, many] = [us(ones), us(fixeds)];
  return { ...o, cycles, reps, threads, oneThreadUsPerCycle: one, threadsUsPerCycle: many, speedup: one / many, overheadUsPerCycle: many - one / threads };
}

/** How much slower the emulated CPU is (the asymmetry this VM's probe saw at its worst: docs/fabric-speed.md). */
const SLOW_PERCENT = 45;

/**
 * The balancing on a known asymmetry: the last band emulates a CPU SLOW_PERCENT % slower (bands.ts BalancePlan.slowBand),
 * with the even split kept (static) and balanced by time, interleaved with one thread; the speed-ups are over that one
 * thread (on an unslowed CPU). An even split runs at the slow band's pace; the best split runs at the two CPUs' sum.
 */
async function slowRow(name: string, o: FabricRunOptions) {
  const base = timedRun(o);
  const epoch = balanceEpoch(o.rows! * o.cols!);
  const slowBand = { band: threads - 1, percent: SLOW_PERCENT };
  const [ones, fixeds, timeds] = await interleave(`${name} with a slow band`, reps, [
    async () => runFabric(base).result,
    () => runFabricAsync({ ...base, threads, balance: { mode: 'static', epoch, slowBand } }).then((r) => r.result),
    () => runFabricAsync({ ...base, threads, balance: { mode: 'time', epoch, slowBand } }).then((r) => r.result),
  ]);
  const [one, fixed, timed] = [secondsOf(ones), secondsOf(fixeds), secondsOf(timeds)];
  const c = timeds.at(-1)!;
  const s1 = median(one);
  // the most an ideal split gives over one thread: the fast CPUs' sum plus the slow one's rate
  const ideal = threads - 1 + 100 / (100 + SLOW_PERCENT);
  return { name, ...o, threads, slowPercent: SLOW_PERCENT, reps, oneThreadSeconds: s1, staticSeconds: median(fixed), balancedSeconds: median(timed), speedupStatic: s1 / median(fixed), speedupBalanced: s1 / median(timed), idealSpeedup: ideal, balance: c.balance };
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
  for (const [name, o] of shapesOnly ? [] : ROWS) {
    const r = await row(name, o);
    rows.push(r);
    console.log(`${name}${r.skew ? ' (skewed order)' : ''}: ${r.cycles} cycles, 1 thread ${r.oneThreadSeconds.toFixed(3)} s, ${threads} threads ${r.threadsSeconds.toFixed(3)} s: ${r.speedup.toFixed(2)}x (waits/cycle ${Math.round(r.waitsPerCycleMedian)}; load ${loadavg()[0].toFixed(2)})`);
    if (r.ceiling) console.log(`  the machine's ceiling (${threads} independent threads, 1/${threads} of the columns each, against one alone): ${r.ceiling.toFixed(2)}x; the threads reach ${(100 * r.ofCeiling!).toFixed(0)} % of it`);
    if (r.lockstepCeiling) console.log(`  threads meeting every cycle at a band's grain (${threads} x ${((1e6 * r.oneThreadSeconds) / r.cycles / threads).toFixed(1)} µs a cycle of arithmetic, bench/lockstep.ts): ${r.lockstepCeiling.toFixed(2)}x one thread (never meeting: ${r.lockstepIndependent!.toFixed(2)}x); the bands reach ${((100 * r.speedup) / r.lockstepCeiling).toFixed(0)} % of it`);
    if (r.balance) console.log(`  balanced by time: the last run ended with bands ${r.balance.bands.map(([c0, c1]) => `[${c0}, ${c1})`).join(' ')} (${r.balance.moved} columns moved); the even split kept: ${r.staticSeconds.toFixed(3)} s, ${r.speedupStatic.toFixed(2)}x`);
    if (r.oneThreadPinnedSeconds) {
      const each = r.oneThreadPinnedSeconds.map((t, cpu) => `cpu${cpu} ${t.toFixed(3)} s`).join(', ');
      console.log(`  1 thread pinned: ${each}; ${threads} threads are ${r.speedupOverFasterCpu!.toFixed(2)}x the faster CPU's, ${r.speedupOverSlowerCpu!.toFixed(2)}x the slower's`);
    }
  }
  const slowRows = [];
  for (const [name, o] of ROWS.filter(([n]) => !shapesOnly && SLOW_ROWS.has(n))) {
    const r = await slowRow(name, o);
    slowRows.push(r);
    console.log(`${name}, band ${threads - 1} emulating a CPU ${SLOW_PERCENT} % slower: 1 thread ${r.oneThreadSeconds.toFixed(3)} s; even split ${r.staticSeconds.toFixed(3)} s (${r.speedupStatic.toFixed(2)}x), balanced ${r.balancedSeconds.toFixed(3)} s (${r.speedupBalanced.toFixed(2)}x; ideal ${r.idealSpeedup.toFixed(2)}x; ended ${r.balance?.bands.map(([c0, c1]) => `[${c0}, ${c1})`).join(' ')})`);
  }
  const shapeRows = [];
  for (const [R, C] of SHAPES) {
    const r = await shapeRow(R, C);
    shapeRows.push(r);
    console.log(`${R}x${C} (1,024 cores, even split): 1 thread ${r.oneThreadUsPerCycle.toFixed(2)} µs a cycle, ${threads} threads ${r.threadsUsPerCycle.toFixed(2)} µs (${r.speedup.toFixed(2)}x): ${r.overheadUsPerCycle.toFixed(2)} µs a cycle beyond 1/${threads} of one thread's`);
  }
  // the committed record is the default 2 threads' full run; another thread count or --quick writes beside it
  const variant = [shapesOnly ? 'shapes' : '', quick ? 'quick' : '', ARGS.threads !== undefined && threads !== 2 ? `${threads}threads` : ''].filter(Boolean).join('-');
  const out = resultsFile('fabric-threads', variant || false);
  writeJsonAtomic(out, {
    bench: 'fabric-threads', quick, date: new Date().toISOString(), node: process.version,
    cpu: cpus()[0]?.model ?? 'unknown', cpus: cpus().length, cpuProbe, loadAverageBefore: load0, loadAverageAfter: loadavg(),
    goal: { speedupTwoThreads: 1.7 }, rows, slowRows, shapeRows,
  });
  console.log(`wrote ${out}`);
  process.exit(0);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
