// What does the skewed order (assembly/fabric/skew.ts) buy the cycle-level fabric, on one thread and on two?
// One layer per row, run in loop.ts's order and in the skewed order with a few shapes (bands of columns,
// blocks of cycles, tiles of keys), interleaved run by run in this process so all see the same machine, after
// one untimed run of each. Then the skewed order on threads: one thread, 2 threads with the default parts
// (PARTS_PER_THREAD a thread, dealt out in turn), and 2 threads of one part each (each a half of the mesh),
// interleaved likewise. Reports the median simulation seconds, CPU ns per event (router and core steps) and
// the ratio to the row's first column; checks that every run gave the same cycles and counters.
// Then the same threads split by blocks of cycles (each thread a block of the whole mesh in turn: skew-pipe.ts),
// with the default block and a longer one. --threaded runs only the threaded rows.
// Rows: bench/results/fabric-skew.json (atomically; --quick: fabric-skew-quick.json; --threaded: fabric-skew-threads.json).
// Run: npm run build && node dist/bench/fabric-skew.js [--quick] [--wafer] [--threaded]
import { cpus, loadavg } from 'node:os';
import { writeJsonAtomic } from '../src/io/atomic.js';
import { DEFAULT_SKEW, DEFAULT_SKEW_BLOCKS, runFabric, runFabricAsync, type FabricRunOptions } from '../src/fabric/run.js';
import type { SkewPlan } from '../src/fabric/sim.js';
import { reportCpus } from './cpu-probe.js';
import { median } from './median.js';
import { timedRun, waferLayer } from './fabric-layers.js';
import { benchArgs } from './args.js';
import { resultsFile } from './results-file.js';

const ARGS = benchArgs('fabric-skew', 'The skewed order against loop order, on one thread or several; writes bench/results/fabric-skew.json (--quick: fabric-skew-quick.json; --threaded: fabric-skew-threads.json).', {
  quick: { type: 'boolean', help: 'smaller meshes, one run each' },
  wafer: { type: 'boolean', help: 'add the full 1000x850 wafer' },
  threaded: { type: 'boolean', help: 'only the rows on threads' },
});

const { quick } = ARGS;
const withWafer = ARGS.wafer;
const threadedOnly = ARGS.threaded;
const reps = quick ? 1 : 3;

/** The wafer-shaped layers of bench/fabric.ts (B = rows, K = 2 columns, N = columns, sparsity 0.9), from cache-sized to the full WSE-2. */
const wafer = (R: number, C: number): [string, FabricRunOptions] => [`${R}x${C} sparse 0.9`, waferLayer(R, C)];
const ROWS: Array<[string, FabricRunOptions]> = [['64x64 sparse 0.9 compute-bound', { rows: 64, cols: 64, batch: 2048, in: 4096, out: 256, sparsity: 0.9 }], wafer(250, 212), wafer(500, 425)];
if (withWafer) ROWS.push(wafer(1000, 850));

/** The orders compared: loop.ts's (false), the default shape, and a narrower and a wider tile. */
const SHAPES: Array<false | SkewPlan> = [false, DEFAULT_SKEW, { ...DEFAULT_SKEW, tile: 12 }, { ...DEFAULT_SKEW, tile: 48 }];

function row(name: string, o: FabricRunOptions) {
  const base = timedRun(o);
  const n = name.startsWith('1000x850') ? 1 : reps;
  const secs = SHAPES.map(() => [] as number[]);
  const nsPerEvent = SHAPES.map(() => [] as number[]);
  let counters: string | null = null;
  for (let i = n > 1 ? -1 : 0; i < n; i++) {
    SHAPES.forEach((skew, j) => {
      const r = runFabric({ ...base, skew }).result;
      const c = JSON.stringify(r.counters);
      if (counters !== null && c !== counters) throw new Error(`${name}: counters differ with skew ${JSON.stringify(skew)}: ${c} vs ${counters}`);
      counters = c;
      if (i < 0) return; // warm-up
      secs[j].push(r.simSeconds);
      nsPerEvent[j].push((1e9 * r.simCpuSeconds) / (r.counters.routerSteps + r.counters.coreSteps));
    });
  }
  const base0 = median(secs[0]);
  const shapes = SHAPES.map((skew, j) => ({ skew, simSecondsMedian: median(secs[j]), cpuNsPerEventMedian: median(nsPerEvent[j]), speedup: base0 / median(secs[j]), runs: secs[j] }));
  return { name, ...o, reps: n, cycles: JSON.parse(counters!).cycles, shapes };
}

/** The skewed order on threads: [threads, plan] per column, the first the baseline. */
const THREADED: Array<[number, SkewPlan]> = [
  [1, DEFAULT_SKEW], [2, DEFAULT_SKEW], [2, { ...DEFAULT_SKEW, partsPerThread: 1 }], [2, DEFAULT_SKEW_BLOCKS], [2, { ...DEFAULT_SKEW_BLOCKS, block: 16 }],
];

/** A threaded arm in words. */
function armName(threads: number, skew: SkewPlan): string {
  const how = skew.split === 'blocks' ? `, blocks of ${skew.block} cycles` : skew.partsPerThread ? `, ${skew.partsPerThread} part a thread` : '';
  return `${threads} thread${threads > 1 ? 's' : ''}${threads > 1 ? how : ''}`;
}
const THREADED_ROWS = ROWS.filter(([name]) => !name.startsWith('64x64'));

async function threadedRow(name: string, o: FabricRunOptions) {
  const base = timedRun(o);
  const n = name.startsWith('1000x850') ? 1 : quick ? 2 : 5;
  const secs = THREADED.map(() => [] as number[]);
  let counters: string | null = null;
  for (let i = n > 1 ? -1 : 0; i < n; i++) {
    for (const [j, [threads, skew]] of THREADED.entries()) {
      const r = (await runFabricAsync({ ...base, threads, skew })).result;
      const c = JSON.stringify(r.counters);
      if (counters !== null && c !== counters) throw new Error(`${name}: counters differ on ${threads} threads with ${JSON.stringify(skew)}: ${c} vs ${counters}`);
      counters = c;
      if (i >= 0) secs[j].push(r.simSeconds);
    }
  }
  const base0 = median(secs[0]);
  const runs = THREADED.map(([threads, skew], j) => ({ threads, skew, simSecondsMedian: median(secs[j]), speedup: base0 / median(secs[j]), runs: secs[j] }));
  return { name, ...o, reps: n, runs };
}

async function main() {
  const cpuProbe = reportCpus(); // whether the two CPUs ran alike (an even split runs at the slower one's pace)
  const load0 = loadavg();
  const rows = [];
  for (const [name, o] of threadedOnly ? [] : ROWS) {
    const r = row(name, o);
    rows.push(r);
    const cells = r.shapes.map((s) => `${s.skew ? `band ${s.skew.bandCols} block ${s.skew.block} tile ${s.skew.tile}` : 'loop order'} ${s.simSecondsMedian.toFixed(2)} s ${s.cpuNsPerEventMedian.toFixed(1)} ns/event ${s.speedup.toFixed(2)}x`);
    console.log(`${name}: ${r.cycles} cycles; ${cells.join('; ')} (load ${loadavg()[0].toFixed(2)})`);
  }
  const threaded = [];
  for (const [name, o] of THREADED_ROWS) {
    const r = await threadedRow(name, o);
    threaded.push(r);
    const cells = r.runs.map((x) => `${armName(x.threads, x.skew)} ${x.simSecondsMedian.toFixed(2)} s ${x.speedup.toFixed(2)}x`);
    console.log(`${name}, skewed on threads: ${cells.join('; ')} (load ${loadavg()[0].toFixed(2)})`);
  }
  const out = resultsFile('fabric-skew', threadedOnly ? 'threads' : quick && 'quick');
  writeJsonAtomic(out, {
    bench: 'fabric-skew', quick, threadedOnly, date: new Date().toISOString(), node: process.version,
    cpu: cpus()[0]?.model ?? 'unknown', cpus: cpus().length, cpuProbe, loadAverageBefore: load0, loadAverageAfter: loadavg(), rows, threaded,
  });
  console.log(`wrote ${out}`);
  process.exit(0); // (the band threads' pool would keep the process for its idle timeout)
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
