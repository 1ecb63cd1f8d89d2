// runFabric: one layer's pass on a simulated mesh with real numbers: seeded inputs and weights (or
// yours), the per-column weight streams at the edge, the cycle-level run, the result checked against
// the plain-TS reference kernels (src/ref/sparse.ts) under a named error bound, and the statistics.
//
// Legend: B, K, N = batch, input and output features; R x C = the mesh; Xt [K, B], dYt [N, B] feature-major.
import { availableParallelism } from 'node:os';
import { ValidationError, refuseUnknownFields, requireNumber, requireInt, requireObject, type EveryField } from '../errors.js';
import { maskZeros, type WeightStream } from '../sparse/stream.js';
import type { Flavor } from '../wasm/module.js';
import { fabricMachine, type FabricMachine } from './defaults.js';
import { mapLayer, type FabricMapping, type FabricPass } from './mapping.js';
import { modelCycles } from './model.js';
import { FabricSim, type SimCounters } from './sim.js';
import { resolveSkew, tableBands, type SkewPlan } from './skew-plan.js';
import { BALANCE_CHOICES, type BalanceChoice, type BalancePlan, type BandSplit } from './bands.js';
export { DEFAULT_SKEW, DEFAULT_SKEW_BLOCKS, SKEW_AUTO_NODE_BYTES, SKEW_BLOCKS_NODE_BYTES } from './skew-plan.js';
import { columnStreams, type ColumnStreams } from './streams.js';
import { checkOutput, requireCheckable, resolveCheck, type FabricCheck } from './check.js';
import { checkFabricMemory, fabricMemory, resolveStreamWindow, type FabricMemory } from './memory.js';
import { seededValues, type Values } from './weights.js';
import { seededWeights } from './seeded-weights.js';
import { heldWeights, type LayerWeights } from './layer-weights.js';
import { keepLargerSpare } from './spare-memory.js';
import { meshStats, type CycleBreakdown } from './stats.js';
import { foldPlan, foldRuns, type FoldInfo } from './fold.js';
export type { CycleBreakdown } from './stats.js';

export interface FabricRunOptions {
  rows: number;
  cols: number;
  batch: number;
  in: number;
  out: number;
  /** Fraction of zero weights (unstructured, exact count). Default 0. Ignored when `weights` is given. */
  sparsity?: number;
  pass?: FabricPass;
  seed?: number;
  machine?: Partial<FabricMachine>;
  /** Your weights (K = in, N = out); default: a seeded random stream at `sparsity`. */
  weights?: WeightStream;
  /** Your activations: Xt [K, B] (forward, gradient) and dYt [N, B] (delta, gradient); default seeded. */
  xt?: Float32Array;
  dyt?: Float32Array;
  /**
   * Compare with the reference kernels: 'full' (every output), 'sampled' (a few batch columns or weight
   * rows, see check.ts), 'off', or 'auto' (default: full up to FULL_CHECK_FMACS reference multiply-adds,
   * sampled above). `true` = 'full', `false` = 'off'.
   */
  check?: boolean | FabricCheck | 'auto';
  flavor?: Flavor;
  onProgress?: (cycle: number) => void;
  /** Set-up progress: the stage ('weights', 'streams', 'mesh', 'check') and its fraction done. */
  onSetup?: (stage: string, fraction: number) => void;
  /** Bytes the run may use (default: the machine's available memory); past it the run is refused before allocating. */
  memoryLimitBytes?: number;
  /**
   * Threads (bands of columns, one thread each; the cycles and results are those of one thread). Default 1.
   * More than 1 needs runFabricAsync, at most one a used column, and no shared edge cap (machine.edgeWaveletsPerCycle 0).
   * 'auto': one per core, at most one per AUTO_COLUMNS_PER_THREAD used columns, 1 under a shared edge cap.
   */
  threads?: number | 'auto';
  /**
   * Run bands of columns in a time-skewed order (assembly/fabric/skew.ts; with threads, each thread a part of
   * the bands, or past SKEW_BLOCKS_NODE_BYTES of node records each a block of cycles: SkewPlan's split): the
   * same cycles, counters and output, with fewer cache misses on a mesh whose node records outgrow the caches.
   * true, false, your own SkewPlan, or 'auto' (default): on past SKEW_AUTO_NODE_BYTES of node records with two
   * bands a thread at least, off under a shared edge cap.
   */
  skew?: boolean | 'auto' | SkewPlan;
  /**
   * Threads, a band each (not the skewed order): `dynamic` (default where each band has a CPU of its own) moves
   * columns between the bands while they run toward the split where each computes for as long
   * (assembly/fabric/balance.ts); `static` keeps the even split. The same cycles, counters and output either way.
   * A BalancePlan (bands.ts) sets the mode and epoch itself (tests and benchmarks).
   */
  balance?: BalanceChoice | BalancePlan;
  /**
   * Fold the mesh's rows (fold.ts): in the forward and delta passes with equal batch slices every row is a copy
   * of the row above one cycle later, so the run simulates meshes of FOLD_ROWS rows, checks that each row adds
   * the same cycles and counters, and gives the R-row mesh's cycles, counters, breakdown and heatmap from them;
   * `output` is then the largest folded run's (its batch: result.fold.batch). true (refused where rows are not
   * copies), false (default), or 'auto': on where it applies and the full mesh would take past
   * FOLD_AUTO_CORE_CYCLES core-cycles by the closed form.
   */
  fold?: boolean | 'auto';
  /**
   * Words of each column's stream window in the simulator's memory: 'auto' (default) keeps the whole column
   * streams there where they fit its 4 GiB and windows them past that (STREAM_WINDOW_WORDS, e.g. a dense GPT-3
   * MLP layer: 4.9 GB of streams); 0 = whole streams; a power of two = that window. The host holds the streams
   * and refills each window: on one thread between chunks of cycles (in loop.ts's order: the skewed order is
   * refused there), on threads while they run. The same cycles, counters and output.
   */
  streamWindow?: number | 'auto';
}

export interface FabricResult {
  pass: FabricPass;
  rows: number;
  cols: number;
  batch: number;
  in: number;
  out: number;
  /** Actual fraction of zero weights of the layer. */
  sparsity: number;
  seed: number;
  usedRows: number;
  usedCols: number;
  cycles: number;
  /** Closed-form prediction at the layer's density (see model.ts). */
  modelCycles: number;
  /** FMACs the cores did (one per sample per non-zero weight). */
  fmacs: number;
  /** fmacs / (F · R · C · cycles): achieved over peak of the whole mesh. */
  efficiency: number;
  /** Non-zero weights that entered the mesh (each multicast to every used row of its column). */
  weightsStreamed: number;
  /** Wavelets injected at the edge (counts, deltas and values). */
  streamWavelets: number;
  zeroWeightsSkipped: number;
  /** How the result was checked ('full', 'sampled' or 'off') and how many outputs were compared. */
  check: FabricCheck;
  checkedOutputs: number;
  /** Largest |mesh − reference| over the checked outputs (NaN when not checked). */
  maxAbsError: number;
  /** Largest ratio of the error to its bound (f32 summation bound, see docs/fabric.md); ≤ 1 passes. */
  errorBoundRatio: number;
  /** Share of core-cycles computing (over all R·C cores). */
  coreUtilization: number;
  /** Wavelets moved between routers over (directed mesh links · cycles). */
  linkUtilization: number;
  /** Share of all R·C core-cycles by cause. */
  breakdown: CycleBreakdown;
  /** The same in core-cycles. */
  breakdownCoreCycles: CycleBreakdown;
  counters: SimCounters;
  /** R·C·cycles / simulation wall seconds. */
  simCoreCyclesPerSecond: number;
  /** Seconds of the cycle loop alone (wall), and the CPU seconds this process spent in it. */
  simSeconds: number;
  simCpuSeconds: number;
  /** R·C·cycles / simulation CPU seconds (steadier than wall time on a shared machine). */
  simCoreCyclesPerCpuSecond: number;
  /** Seconds of everything (inputs, streams, setup, run, check). */
  wallSeconds: number;
  /** Threads the cycles ran on (bands of columns). */
  threads: number;
  /** The skewed order's shape when the cycles ran in it (null: loop.ts's order). */
  skew: SkewPlan | null;
  /** Threads, a band each: how the bands were balanced, each band's columns at the end and the columns moved on the way (null: one thread, or skewed parts). */
  balance: BandSplit | null;
  /** Threads: how often a band looked at a neighbour's progress before it was there, per cycle (summed over bands); null on one thread. */
  waitsPerCycle: number | null;
  /** Seconds before the first simulated cycle (weights, activations, streams, the mesh's memory; threads' start-up) and of the check. */
  setupSeconds: number;
  /** CPU seconds of the set-up (steadier than wall time on a shared machine). */
  setupCpuSeconds: number;
  checkSeconds: number;
  /** Bytes of the simulator's memory (what the run needs; a reused spare memory may be larger) and the largest data of one simulated core. */
  memoryBytes: number;
  maxCoreBytes: number;
  /** The closed-form memory estimate made before allocating (memory.ts), bytes. */
  memoryEstimate: FabricMemory;
  machine: FabricMachine;
  /** How the rows were folded (null: every row was simulated). */
  fold: FoldInfo | null;
  /** Words of each column's stream window in the simulator's memory (0: the whole streams). */
  streamWindow: number;
}

export interface FabricRun {
  result: FabricResult;
  /** Busy cycles per core of the R x C mesh, row-major (0 for unused cores). */
  busy: Uint32Array;
  /** Cycles per used core by cause [Ru·Cu·4], row-major (CSTAT: streaming, computing, reducing; the fourth slot is not used). */
  coreCycles: Uint32Array;
  /** The pass's output: Yt [N, B], dXt [K, B] or g [nnz] (stream order); folded: the largest folded run's (B = result.fold.batch). */
  output: Float32Array;
  mapping: FabricMapping;
}

/** Every field of FabricRunOptions: any other is refused (a misspelt one would be ignored). */
export const FABRIC_RUN_FIELDS = [
  'rows', 'cols', 'batch', 'in', 'out', 'sparsity', 'pass', 'seed', 'machine', 'weights', 'xt', 'dyt', 'check', 'flavor', 'onProgress',
  'onSetup', 'memoryLimitBytes', 'threads', 'skew', 'balance', 'fold', 'streamWindow',
] as const satisfies ReadonlyArray<keyof FabricRunOptions>;
// and every field of it (a field added to FabricRunOptions and not here fails to compile)
const _everyFabricField: EveryField<FabricRunOptions, typeof FABRIC_RUN_FIELDS> = true;
void _everyFabricField;

function checkOptions(o: FabricRunOptions): void {
  requireObject('options', o);
  refuseUnknownFields(o, FABRIC_RUN_FIELDS, 'a fabric run');
}

/** Runs one pass of one layer on the mesh and checks it (on this thread: `threads` 1). */
export function runFabric(o: FabricRunOptions): FabricRun {
  checkOptions(o);
  const fold = foldPlan(o);
  if (!fold) return runHere(prepareRun(o, false));
  const shared: Shared = { weights: fold.weights };
  const restore = keepLargerSpare(fold.spareBytes);
  try {
    const runs: FabricRun[] = [];
    for (const i of fold.runOrder) runs[i] = runHere(prepareRun(fold.options[i], false, shared));
    return foldRuns(o, fold, runs);
  } finally {
    restore();
  }
}

/** runFabric on `threads` threads (bands of columns): the same cycles, counters and output. */
export async function runFabricAsync(o: FabricRunOptions): Promise<FabricRun> {
  checkOptions(o);
  const fold = foldPlan(o);
  if (!fold) return runOnThreads(prepareRun(o, true));
  const shared: Shared = { weights: fold.weights };
  const restore = keepLargerSpare(fold.spareBytes);
  try {
    const runs: FabricRun[] = [];
    for (const i of fold.runOrder) runs[i] = await runOnThreads(prepareRun(fold.options[i], true, shared));
    return foldRuns(o, fold, runs);
  } finally {
    restore();
  }
}

/** What a fold's runs share: the weights, and the column streams (the same weights, pass and columns) built by the first; they also reuse the first's memory (keepLargerSpare). */
interface Shared {
  weights?: LayerWeights;
  streams?: ColumnStreams;
}

/** A prepared run on its threads (or on this one), then its result. */
async function runOnThreads(run: PreparedRun): Promise<FabricRun> {
  const { sim, c0, o } = run;
  if (sim.threads <= 1) return runHereYielding(run);
  const s0 = performance.now();
  const simSeconds = await sim.runThreads({ onProgress: o.onProgress });
  // the threads' start-up (a pool, the module compiled and instantiated per thread) counts as set-up
  run.setupSeconds += (performance.now() - s0) / 1000 - simSeconds;
  return finishRun(run, simSeconds, process.cpuUsage(c0));
}

/** The cycles of a prepared run on this thread, then its result. */
function runHere(run: PreparedRun): FabricRun {
  const s0 = performance.now();
  run.sim.run({ onProgress: run.o.onProgress });
  return finishRun(run, (performance.now() - s0) / 1000, process.cpuUsage(run.c0));
}

/** runHere for runFabricAsync: the event loop has a turn between chunks (signals, timers). */
async function runHereYielding(run: PreparedRun): Promise<FabricRun> {
  const s0 = performance.now();
  await run.sim.runYielding({ onProgress: run.o.onProgress });
  return finishRun(run, (performance.now() - s0) / 1000, process.cpuUsage(run.c0));
}

/** Used columns per thread at least, for threads 'auto' (a narrower band spends more on handing over than it gains). */
export const AUTO_COLUMNS_PER_THREAD = 16;

/** The threads of a run: 1 by default; refused past the used columns or with a shared edge cap. */
function resolveThreads(o: FabricRunOptions, mapping: FabricMapping, machine: FabricMachine, async: boolean): number {
  if (o.threads === 'auto') {
    if (!async || machine.edgeWaveletsPerCycle !== 0) return 1;
    return Math.max(1, Math.min(availableParallelism(), Math.floor(mapping.usedCols / AUTO_COLUMNS_PER_THREAD)));
  }
  const threads = requireInt('threads', o.threads ?? 1, 1);
  if (threads === 1) return 1;
  if (!async) throw new ValidationError('threads', threads, 'expected 1 (runFabric runs on this thread; runFabricAsync runs bands on threads)');
  if (threads > mapping.usedCols) throw new ValidationError('threads', threads, `expected at most one thread per used column (${mapping.usedCols} used columns on this mapping)`);
  if (machine.edgeWaveletsPerCycle !== 0) {
    throw new ValidationError('threads', threads, `expected 1 under a shared edge cap (machine.edgeWaveletsPerCycle ${machine.edgeWaveletsPerCycle} serves every column's injector in one order)`);
  }
  return threads;
}

interface PreparedRun {
  o: FabricRunOptions;
  t0: number;
  cpu0: NodeJS.CpuUsage;
  c0: NodeJS.CpuUsage;
  setupSeconds: number;
  setupCpuSeconds: number;
  pass: FabricPass;
  seed: number;
  machine: FabricMachine;
  mapping: FabricMapping;
  nnz: number;
  checkMode: FabricCheck;
  memoryEstimate: FabricMemory;
  weights: LayerWeights;
  xt?: Values;
  dyt?: Values;
  sim: FabricSim;
}

/** Everything before the first simulated cycle: options checked, memory estimated, streams built, the mesh laid out. */
function prepareRun(o: FabricRunOptions, async: boolean, shared: Shared = {}): PreparedRun {
  requireObject('options', o);
  const t0 = performance.now();
  const cpu0 = process.cpuUsage();
  const pass = o.pass ?? 'forward';
  const seed = requireInt('seed', o.seed ?? 1, 0);
  const machine = fabricMachine(o.machine);
  const shape = { B: o.batch, K: o.in, N: o.out };
  const mesh = { rows: o.rows, cols: o.cols };
  const mapping = mapLayer(shape, mesh, pass, machine);
  const { B, K, N } = shape;
  const sparsity = requireNumber('sparsity', o.sparsity ?? 0, 0, 1);
  if (o.weights && (o.weights.K !== K || o.weights.N !== N)) throw new RangeError(`weights: expected a ${K}x${N} stream, got ${o.weights.K}x${o.weights.N}`);
  const nnz = o.weights ? o.weights.nnz : K * N - maskZeros(K, N, sparsity);
  const window = resolveStreamWindow(o.streamWindow, mapping, machine, nnz);
  const threads = resolveThreads(o, mapping, machine, async);
  if (o.balance !== undefined && typeof o.balance !== 'object' && !BALANCE_CHOICES.includes(o.balance)) throw new ValidationError('balance', o.balance, `expected one of ${BALANCE_CHOICES.join(', ')}`);
  const skew = window && threads === 1 ? noSkew(o.skew, window) : resolveSkew(o.skew, mapping, machine, threads);
  const checkMode = resolveCheck(o.check === true ? 'full' : o.check === false ? 'off' : o.check, nnz, B);
  const memoryEstimate = fabricMemory(mapping, machine, nnz, checkMode, !o.weights, tableBands(mapping.usedCols, threads, skew), window);
  checkFabricMemory(mapping, memoryEstimate, o.memoryLimitBytes);
  const setup = o.onSetup;
  const weights = (shared.weights ??= o.weights ? heldWeights(o.weights) : seededWeights(K, N, sparsity, seed, setup && ((d, t) => setup('weights', d / t)), o.flavor));
  // seeded activations are made in the simulator's memory; as arrays too only where the full check reads them all
  const seeded = (len: number, sd: number): Values => (checkMode === 'full' ? seededValues(len, sd) : { seed: sd, length: len });
  const xt = o.xt ?? (pass !== 'delta' ? seeded(K * B, seed + 101) : undefined);
  const dyt = o.dyt ?? (pass !== 'forward' ? seeded(N * B, seed + 202) : undefined);
  if (xt && xt.length !== K * B) throw new RangeError(`xt: expected ${K * B} values (K·B), got ${xt.length}`);
  if (dyt && dyt.length !== N * B) throw new RangeError(`dyt: expected ${N * B} values (N·B), got ${dyt.length}`);
  if (!shared.streams) weights.whole(); // a held layer is made now (the set-up's 'weights' stage), one read by rows while its streams are built
  requireCheckable(checkMode, pass, weights);
  setup?.('streams', 0);
  const streams = (shared.streams ??= columnStreams(weights, pass, mapping.kStarts, mapping.nStarts, setup && ((f) => setup('streams', f))));
  setup?.('mesh', 0);
  const sim = new FabricSim(mapping, machine, streams, { a: pass === 'delta' ? dyt! : xt!, b: dyt }, { flavor: o.flavor, progress: setup && ((f) => setup('mesh', f)), threads, skew, window, balance: o.balance });
  const c0 = process.cpuUsage();
  const setupCpuSeconds = (c0.user + c0.system - cpu0.user - cpu0.system) / 1e6;
  return { o, t0, cpu0, c0, setupSeconds: (performance.now() - t0) / 1000, setupCpuSeconds, pass, seed, machine, mapping, nnz, checkMode, memoryEstimate, weights, xt, dyt, sim };
}

/** The skewed order with windowed streams on one thread: none (they refill between chunks of loop.ts's cycles); asking for it is refused. */
function noSkew(want: FabricRunOptions['skew'], window: number): null {
  if (want === undefined || want === 'auto' || want === false) return null;
  throw new ValidationError('skew', JSON.stringify(want), `expected false or 'auto' with windowed column streams on one thread (a window of ${window} words a column, refilled between chunks of cycles in loop order)`);
}

/** After the last cycle: the output checked and the statistics. */
function finishRun(run: PreparedRun, simSeconds: number, cpu: NodeJS.CpuUsage): FabricRun {
  const { o, t0, pass, seed, machine, mapping, nnz, checkMode, memoryEstimate, weights, xt, dyt, sim, setupSeconds, setupCpuSeconds } = run;
  const shape = mapping.shape;
  const { B, K, N } = shape;
  const mesh = { rows: o.rows, cols: o.cols };
  const setup = o.onSetup;
  const simCpuSeconds = (cpu.user + cpu.system) / 1e6;
  const output = sim.output();
  const counters = sim.counters();

  const k0 = performance.now();
  if (checkMode !== 'off') setup?.('check', 0);
  const splitTerms = pass === 'gradient' ? mapping.usedRows : mapping.usedCols;
  const checked = checkOutput(checkMode, { pass, weights, B, xt, dyt, splitTerms, progress: setup && ((f) => setup('check', f)) }, output);
  const checkSeconds = (performance.now() - k0) / 1000;

  const { usedRows: Ru, usedCols: Cu } = mapping;
  const cycles = counters.cycles;
  const cc = sim.coreCycles();
  const { busy, totalCoreCycles, ...stats } = meshStats(mesh, Ru, Cu, cc, counters, machine);
  const density = nnz / (K * N);
  const result: FabricResult = {
    pass, rows: mesh.rows, cols: mesh.cols, batch: B, in: K, out: N, sparsity: 1 - density, seed,
    usedRows: Ru, usedCols: Cu, cycles,
    modelCycles: Math.round(modelCycles(shape, mesh, pass, machine, density).cycles),
    fmacs: counters.fmacs,
    efficiency: stats.efficiency,
    weightsStreamed: nnz,
    streamWavelets: counters.injected,
    zeroWeightsSkipped: K * N - nnz,
    check: checked.check, checkedOutputs: checked.checked,
    maxAbsError: checked.maxAbsError, errorBoundRatio: checked.errorBoundRatio,
    coreUtilization: stats.coreUtilization,
    linkUtilization: stats.linkUtilization,
    breakdown: stats.breakdown,
    breakdownCoreCycles: stats.breakdownCoreCycles,
    counters,
    simCoreCyclesPerSecond: simSeconds > 0 ? totalCoreCycles / simSeconds : 0,
    simSeconds,
    simCpuSeconds,
    simCoreCyclesPerCpuSecond: simCpuSeconds > 0 ? totalCoreCycles / simCpuSeconds : 0,
    wallSeconds: (performance.now() - t0) / 1000,
    setupSeconds, setupCpuSeconds, checkSeconds,
    threads: sim.threads,
    skew: sim.skew,
    balance: sim.bandSplit(),
    waitsPerCycle: sim.threads > 1 && cycles > 0 ? sim.bandWaits().reduce((a, b) => a + b, 0) / cycles : null,
    memoryBytes: sim.memoryBytes,
    memoryEstimate,
    maxCoreBytes: mapping.maxCoreBytes,
    machine,
    fold: null,
    streamWindow: sim.window,
  };
  sim.release(); // everything above is read out: the next run may reuse its memory
  return { result, busy, coreCycles: cc, output, mapping };
}
