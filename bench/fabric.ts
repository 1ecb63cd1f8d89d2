// How fast is the cycle-level fabric, and what does sparsity buy on it? Four questions, one table each,
// rows in bench/results/fabric.json (written atomically; --quick or --no-wafer: fabric-quick.json):
//   1. speed: simulated core-cycles per wall second on one thread, dense 64x64-mesh layers of three kinds
//      (compute-bound, balanced, reduction-heavy; goal >= 50 M), with the plain-TS reference kernel's time
//      for the same layer measured in the same process, interleaved run by run, as the baseline: what cycle-level
//      fidelity costs over computing the numbers alone;
//   2. the same on sparse layers;
//   3. the speed-up curve at sparsity 0 .. 0.99 on a compute-bound shape vs the ideal 1 / (1 - s), with
//      what bends it (reduction share, column load imbalance, and a run whose edge bandwidth is capped);
//   4. a WSE-2-sized mesh (1000 x 850 = 850,000 cores) running one layer: wall time and memory; then the same
//      layer with folded rows (src/fabric/fold.ts), checked to give the same cycles and counters.
// Simulator runs take seconds each, so they are repeated `reps` times and the median is reported.
// Run: npm run build && npm run bench:fabric [-- --quick] [-- --no-wafer]
import { cpus, loadavg } from 'node:os';
import { writeJsonAtomic } from '../src/io/atomic.js';
import { spmmForwardRef } from '../src/ref/sparse.js';
import { randomStream, randomValues, rowCounts } from '../src/sparse/stream.js';
import { blockStarts } from '../src/fabric/mapping.js';
import { runFabric, type FabricResult, type FabricRunOptions } from '../src/fabric/run.js';
import { median } from './median.js';
import { reportCpus } from './cpu-probe.js';
import { speedLayers, waferLayer } from './fabric-layers.js';
import { benchArgs } from './args.js';
import { resultsFile } from './results-file.js';

const ARGS = benchArgs('fabric', 'How fast the cycle-level fabric runs, and what sparsity buys on it; writes bench/results/fabric.json (--quick or --no-wafer: fabric-quick.json).', {
  quick: { type: 'boolean', help: 'smaller layers, one run each; writes fabric-quick.json' },
  'no-wafer': { type: 'boolean', help: 'skip the full-wafer rows; writes fabric-quick.json' },
});

const { quick } = ARGS;
const wafer = !ARGS['no-wafer'];
const reps = quick ? 1 : 3;

interface SpeedRow {
  name: string;
  rows: number;
  cols: number;
  B: number;
  K: number;
  N: number;
  sparsity: number;
  cycles: number;
  coreCycles: number;
  simSecondsMedian: number;
  simCoreCyclesPerSecond: number;
  /** The same per CPU second of this process (the machine may be shared: wall time then counts others' work). */
  simCoreCyclesPerCpuSecond: number;
  efficiency: number;
  /** Median CPU seconds before the first simulated cycle (weights, streams, the mesh's memory) and its share of set-up + simulation CPU seconds (goal <= 10 %). */
  setupCpuSecondsMedian: number;
  setupShare: number;
  /** Bytes of simulator state per core (node record and active-set bits). */
  stateBytesPerCore: number;
  /** Median ms of the plain-TS reference (spmmForwardRef) on the same layer, and sim / reference. */
  referenceMs: number | null;
  simOverReference: number | null;
}

/**
 * Runs the simulator `reps` times, interleaved with the plain-TS reference on the same layer (one
 * warm-up call first), so both see the same machine load; returns the last result and the medians.
 */
function timed(o: FabricRunOptions, withRef = false): { r: FabricResult; sim: number; cpu: number; setup: number; refMs: number | null } {
  let r: FabricResult | undefined;
  const secs: number[] = [];
  const cpus: number[] = [];
  const setups: number[] = [];
  const refs: number[] = [];
  const ref = withRef ? referenceCall(o) : null;
  ref?.();
  for (let i = 0; i < reps; i++) {
    r = runFabric({ ...o, check: false, flavor: 'release' }).result;
    secs.push(r.simSeconds);
    cpus.push(r.simCpuSeconds);
    setups.push(r.setupCpuSeconds);
    if (ref) {
      const t0 = performance.now();
      ref();
      refs.push(performance.now() - t0);
    }
  }
  return { r: r!, sim: median(secs), cpu: median(cpus), setup: median(setups), refMs: ref ? median(refs) : null };
}

/** One call of the plain-TS reference (spmmForwardRef) on the layer of `o`, inputs made once. */
function referenceCall(o: FabricRunOptions): () => void {
  const { batch: B, in: K, out: N } = o;
  const ws = randomStream(K, N, o.sparsity ?? 0, 1);
  const xt = randomValues(K * B, 2);
  const y = new Float32Array(N * B);
  return () => spmmForwardRef(y, xt, ws.words, K, N, B);
}

async function speedRow(name: string, rows: number, cols: number, B: number, K: number, N: number, sparsity: number, withRef: boolean): Promise<SpeedRow> {
  const { r, sim, cpu, setup, refMs } = timed({ rows, cols, batch: B, in: K, out: N, sparsity, seed: 1 }, withRef);
  const coreCycles = rows * cols * r.cycles;
  return {
    name, rows, cols, B, K, N, sparsity, cycles: r.cycles, coreCycles, simSecondsMedian: sim,
    simCoreCyclesPerSecond: coreCycles / sim, simCoreCyclesPerCpuSecond: coreCycles / cpu, efficiency: r.efficiency,
    setupCpuSecondsMedian: setup, setupShare: setup / (setup + cpu), stateBytesPerCore: r.memoryEstimate.stateBytesPerCore,
    referenceMs: refMs, simOverReference: refMs ? (sim * 1000) / refMs : null,
  };
}

/** Non-zeros per used column (the forward pass splits W's rows by column) and max / mean. */
function columnImbalance(K: number, N: number, cols: number, sparsity: number, seed: number): number {
  const ws = randomStream(K, N, sparsity, seed);
  const ks = blockStarts(K, cols);
  const per = new Float64Array(cols);
  const counts = rowCounts(ws);
  let c = 0;
  for (let k = 0; k < K; k++) {
    while (k >= ks[c + 1]) c++;
    per[c] += counts[k];
  }
  const mean = per.reduce((a, b) => a + b, 0) / cols;
  return mean > 0 ? Math.max(...per) / mean : 1;
}

async function main() {
  const cpuProbe = reportCpus();
  // one untimed run first: V8 runs a wasm function on its baseline tier until it has been hot for a while
  runFabric({ rows: 16, cols: 16, batch: 256, in: 512, out: 64, sparsity: 0.5, seed: 1, check: false, flavor: 'release' });
  const M = quick ? 32 : 64;
  // 1. dense speed on a M x M mesh: compute-bound (Ks = 64, Bs = 64 or 32), balanced (Ks = Bs = 16),
  //    reduction-heavy (Ks = Bs = 8)
  // 2. sparse layers, compute-bound shape (both in bench/fabric-layers.ts, which fabric-ab.ts shares)
  const speed: SpeedRow[] = [];
  for (const [name, o] of speedLayers(M, quick ? 64 : 256, [0.5, 0.9, 0.99])) speed.push(await speedRow(name, M, M, o.batch, o.in, o.out, o.sparsity ?? 0, true));
  console.log(`\n1-2. simulated core-cycles per wall second, one thread, ${M}x${M} mesh (forward pass; median of ${reps})`);
  console.table(speed.map((r) => ({
    layer: r.name, 'B K N': `${r.B} ${r.K} ${r.N}`, cycles: r.cycles, 'M core-cycles/s': +(r.simCoreCyclesPerSecond / 1e6).toFixed(1),
    'per CPU s': +(r.simCoreCyclesPerCpuSecond / 1e6).toFixed(1),
    'sim s': +r.simSecondsMedian.toFixed(2), 'set-up %': +(100 * r.setupShare).toFixed(1), 'ref ms': r.referenceMs && +r.referenceMs.toFixed(1), 'sim/ref': r.simOverReference && +r.simOverReference.toFixed(1),
    efficiency: +r.efficiency.toFixed(3),
  })));

  // 3. speed-up curve, compute-bound: 16 x 16 mesh, Bs = 16 (AXPY 4 cycles), Ks = 64
  const C = 16;
  const shape = { rows: C, cols: C, batch: 16 * C, in: 64 * C, out: quick ? 64 : 256 };
  const sparsities = [0, 0.5, 0.75, 0.9, 0.95, 0.99];
  const curve = [];
  let dense = 0;
  let denseCapped = 0;
  const cap = 2; // stream wavelets per cycle for the whole edge (16 columns): an I/O-bound edge
  for (const s of sparsities) {
    const { r } = timed({ ...shape, sparsity: s, seed: 1 });
    const capped = runFabric({ ...shape, sparsity: s, seed: 1, check: false, flavor: 'release', machine: { edgeWaveletsPerCycle: cap } }).result;
    if (s === 0) [dense, denseCapped] = [r.cycles, capped.cycles];
    curve.push({
      sparsity: s, cycles: r.cycles, modelCycles: r.modelCycles, speedup: dense / r.cycles, ideal: 1 / (1 - s),
      efficiency: r.efficiency, reducingShare: r.breakdown.reducing, streamingShare: r.breakdown.streaming,
      computingShare: r.breakdown.computing, waitingShare: r.breakdown.waiting,
      columnImbalance: columnImbalance(shape.in, shape.out, C, s, 1),
      edgeCappedCycles: capped.cycles, edgeCappedSpeedup: denseCapped / capped.cycles,
    });
  }
  console.log(`\n3. speed-up from unstructured sparsity, forward B=${shape.batch} K=${shape.in} N=${shape.out} on ${C}x${C} (Bs 16, Ks 64)`);
  console.table(curve.map((c) => ({
    sparsity: c.sparsity, cycles: c.cycles, model: c.modelCycles, speedup: +c.speedup.toFixed(2), ideal: +c.ideal.toFixed(1),
    computing: +c.computingShare.toFixed(3), reducing: +c.reducingShare.toFixed(3), streaming: +c.streamingShare.toFixed(3),
    waiting: +c.waitingShare.toFixed(3), 'col nnz max/mean': +c.columnImbalance.toFixed(3),
    [`edge ${cap}/cycle: speedup`]: +c.edgeCappedSpeedup.toFixed(2),
  })));

  // 4. a WSE-2-sized mesh
  let waferRow = null;
  if (wafer) {
    const [R, Cw] = quick ? [250, 212] : [1000, 850];
    // batch over the 1000 rows (Bs = 1), K = 2 and N = 1 features per column: a small-feature layer, so the
    // run is short enough to bench; its cycles are mostly the pipeline's fill and the reduction skew.
    const o = { ...waferLayer(R, Cw), seed: 1 };
    const rss0 = process.memoryUsage().rss;
    const t0 = performance.now();
    const run = runFabric({ ...o, check: 'auto', flavor: 'release' });
    const wall = (performance.now() - t0) / 1000;
    const r = run.result;
    waferRow = {
      rows: R, cols: Cw, cores: R * Cw, B: o.batch, K: o.in, N: o.out, sparsity: o.sparsity, cycles: r.cycles,
      modelCycles: r.modelCycles, wallSeconds: wall, simSeconds: r.simSeconds, simCpuSeconds: r.simCpuSeconds,
      simCoreCyclesPerSecond: r.simCoreCyclesPerSecond, simCoreCyclesPerCpuSecond: r.simCoreCyclesPerCpuSecond,
      wasmMemoryBytes: r.memoryBytes, bytesPerCore: r.memoryBytes / (R * Cw), rssGrowthBytes: process.memoryUsage().rss - rss0,
      stateBytesPerCore: r.memoryEstimate.stateBytesPerCore, memoryEstimate: r.memoryEstimate,
      setupSeconds: r.setupSeconds, checkSeconds: r.checkSeconds, check: r.check,
      maxAbsError: r.maxAbsError, errorBoundRatio: r.errorBoundRatio, breakdown: r.breakdown, efficiency: r.efficiency,
      folded: foldedWafer(o, r),
    };
    console.log(`\n4. a ${R}x${Cw} mesh (${R * Cw} cores): forward B=${o.batch} K=${o.in} N=${o.out} at sparsity ${o.sparsity}`);
    console.table([{
      cycles: r.cycles, model: r.modelCycles, 'wall s': +wall.toFixed(1), 'set-up s': +r.setupSeconds.toFixed(1), 'sim s': +r.simSeconds.toFixed(1),
      'M core-cycles/s': +(r.simCoreCyclesPerSecond / 1e6).toFixed(1), 'wasm MB': +(r.memoryBytes / 2 ** 20).toFixed(0),
      'bytes/core': Math.round(r.memoryBytes / (R * Cw)), 'max |err|': r.maxAbsError, 'err/bound': +r.errorBoundRatio.toFixed(3),
    }]);
    const f = waferRow.folded;
    console.log(`   folded rows (2, 3, 4 simulated): the same cycles, counters and breakdown; wall ${f.wallSeconds.toFixed(2)} s (median of ${reps}), ${(wall / f.wallSeconds).toFixed(0)}x faster than every core simulated`);
  }

  // a quick or partial run writes beside the full table, never over it
  const out = resultsFile('fabric', (quick || !wafer) && 'quick');
  writeJsonAtomic(out, {
    bench: 'fabric', quick, date: new Date().toISOString(), node: process.version,
    cpu: cpus()[0]?.model ?? 'unknown', cpus: cpus().length, cpuProbe, reps, loadAverage: loadavg(),
    goal: { simCoreCyclesPerSecond: 50e6, speedupAt09: 5 },
    speed, curve, wafer: waferRow,
  });
  console.log(`\nwrote ${out}`);
}

/** The wafer layer again with folded rows (median of `reps` runs), after checking it gives the full run's cycles, counters and breakdown. */
function foldedWafer(o: FabricRunOptions, full: FabricResult) {
  const runs = Array.from({ length: reps }, () => runFabric({ ...o, check: 'auto', flavor: 'release', fold: true }).result);
  const same = (r: FabricResult) => JSON.stringify([r.cycles, r.counters, r.breakdownCoreCycles]) === JSON.stringify([full.cycles, full.counters, full.breakdownCoreCycles]);
  if (!runs.every(same)) throw new Error('bench: the folded wafer run differs from the full one');
  return { wallSeconds: median(runs.map((r) => r.wallSeconds)), simSeconds: median(runs.map((r) => r.simSeconds)), fold: runs[0].fold, sameAsFull: true };
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
