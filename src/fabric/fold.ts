// Folding a mesh's rows. In the forward and delta passes a row of cores holds one batch slice and reduces its
// partial sums along itself (mapping.ts); rows meet only in their columns' weight streams, which enter at the
// north edge and which each row hands on to the row below, one hop and one cycle later. With equal batch
// slices every row then does what the row above did, one cycle later: a mesh of R rows takes one cycle more
// than one of R - 1 rows, every counter grows by the same amount per row, and every middle row's per-core
// accounting is the same. (Seen, not proved: test/fabric/fold.test.ts holds it to full runs on every layer
// it draws, and every folded run checks it on its own layer, below.)
//
// So a folded run simulates the layer on meshes of FOLD_ROWS rows (the same columns, Bs · rows samples) and
// checks, exactly, that
//   - each added row added the same to every counter (c(3) - c(2) = c(4) - c(3)), and
//   - every run's rows are the largest run's top, middle and bottom rows (per-core cycles by cause),
// then gives the R-row mesh: counters c(Ru) = c(4) + (Ru - 4)·Δ, per-core cycles row 0, the middle row
// Ru - 2 times, the bottom row; the breakdown, utilisations and heatmap follow (stats.ts). A failed check
// fails the run naming what differed. The output checked against the reference is the folded runs' own (each
// a run of the same weights on a seeded batch of Bs · rows samples): the largest run's under check 'auto', every
// run's under an explicit mode.
//
// Legend: R x C = the mesh, Ru = its used rows (min(R, B)), Bs = B / Ru, Δ = what a row adds.
import { CapacityError, ValidationError, requireInt, requireNumber, requireObject } from '../errors.js';
import { resolveCheck } from './check.js';
import { fabricMachine, type FabricMachine } from './defaults.js';
import { mapLayer, type FabricMapping, type FabricPass } from './mapping.js';
import { checkFabricMemory, fabricMemory, resolveStreamWindow } from './memory.js';
import { modelCycles } from './model.js';
import type { FabricResult, FabricRun, FabricRunOptions } from './run.js';
import type { SimCounters } from './sim.js';
import { meshStats } from './stats.js';
import { maskZeros } from '../sparse/stream.js';
import { seededWeights } from './seeded-weights.js';
import { heldWeights, type LayerWeights } from './layer-weights.js';

/** Rows of the folded meshes (the largest has two middle rows to compare). */
export const FOLD_ROWS: readonly number[] = [2, 3, 4];
/** The values of the option `fold` (FabricRunOptions; the sweep kind checks its field against them too). */
export const FOLD_CHOICES: readonly (boolean | 'auto')[] = [true, false, 'auto'];
/** fold 'auto' folds past this many core-cycles of the full mesh by the closed form (minutes of simulation here). */
export const FOLD_AUTO_CORE_CYCLES = 1e10;

export interface FoldInfo {
  /** Rows of the meshes simulated. */
  rows: number[];
  /** Their batches (Bs · rows samples). */
  batch: number[];
  /** Cycles each row added (1: a row is the row above one cycle later). */
  cyclesPerRow: number;
  /** Core-cycles the folded meshes simulated, against the R·C·cycles the result stands for. */
  simulatedCoreCycles: number;
}

export interface FoldPlan {
  /** The folded runs' options (FOLD_ROWS rows; the weights below). */
  options: FabricRunOptions[];
  /** The layer's weights, which every folded run reads. */
  weights: LayerWeights;
  mapping: FabricMapping;
  /** The full mesh's cycles by the closed form (result.modelCycles). */
  modelCycles: number;
  /** The order to run `options` in: the largest mesh first, so the smaller ones reuse its memory (spare-memory.ts). */
  runOrder: number[];
  /** The spare memory to keep while the fold runs: the largest mesh's WebAssembly bytes (estimated on one thread; threads' band tables and page rounding add a little, so 64 MiB more). */
  spareBytes: number;
  t0: number;
  /** Wall and CPU seconds of the fold's own set-up (the weights). */
  setupSeconds: number;
  setupCpuSeconds: number;
}

/** Why the rows of this run are not copies of one another (null: they are). */
export function foldRefusal(o: FabricRunOptions, mapping: FabricMapping): string | null {
  const Ru = mapping.usedRows;
  const last = FOLD_ROWS[FOLD_ROWS.length - 1];
  if (mapping.pass === 'gradient') return 'the gradient pass reduces down the columns, so its rows are not copies of one another';
  if (mapping.shape.B % Ru !== 0) return `the rows hold unequal batch slices (batch ${mapping.shape.B} over ${Ru} used rows); expected a multiple of the used rows`;
  if (o.xt || o.dyt) return 'it runs seeded activations (xt or dyt given)';
  if (Ru <= last) return `${Ru} used rows: nothing to fold (a folded run simulates ${last})`;
  return null;
}

/** The folded runs of `o`, or null where it runs every row (fold off, or 'auto' where it does not apply or pay). */
export function foldPlan(o: FabricRunOptions): FoldPlan | null {
  requireObject('options', o);
  const fold = o.fold ?? false;
  if (!FOLD_CHOICES.includes(fold)) throw new ValidationError('fold', fold, 'expected true, false or auto');
  if (fold === false) return null;
  const t0 = performance.now();
  const cpu0 = process.cpuUsage();
  const machine = fabricMachine(o.machine);
  const pass = o.pass ?? 'forward';
  const mapping = mapLayer({ B: o.batch, K: o.in, N: o.out }, { rows: o.rows, cols: o.cols }, pass, machine);
  const refusal = foldRefusal(o, mapping);
  if (refusal && fold === true) throw new ValidationError('fold', fold, `expected false or auto here: ${refusal}`);
  if (refusal) return null;
  const { B, K, N } = mapping.shape;
  const sparsity = requireNumber('sparsity', o.sparsity ?? 0, 0, 1);
  const seed = requireInt('seed', o.seed ?? 1, 0);
  const density = o.weights ? o.weights.nnz / (K * N) : 1 - maskZeros(K, N, sparsity) / (K * N);
  const full = modelCycles(mapping.shape, mapping.mesh, pass, machine, density).cycles;
  if (fold === 'auto' && o.rows * o.cols * full <= FOLD_AUTO_CORE_CYCLES) return null;
  const Bs = B / mapping.usedRows;
  const spareBytes = refuseTooBig(o, pass, machine, Bs, K * N * density);
  const setup = o.onSetup;
  const weights = o.weights ? heldWeights(o.weights) : seededWeights(K, N, sparsity, seed, setup && ((d, t) => setup('weights', d / t)), o.flavor);
  const n = FOLD_ROWS.length;
  const runOrder = FOLD_ROWS.map((_, i) => n - 1 - i);
  const options = FOLD_ROWS.map((rows, i): FabricRunOptions => {
    const est = Math.max(1, modelCycles({ B: Bs * rows, K, N }, { rows, cols: o.cols }, pass, machine, density).cycles);
    const before = runOrder.indexOf(i); // runs done before this one
    const onProgress = o.onProgress && ((cycle: number) => o.onProgress!(Math.round(((before + Math.min(1, cycle / est)) / n) * full)));
    // under check auto only the largest run (whose output the fold returns) is checked
    const check = i < FOLD_ROWS.length - 1 && (o.check ?? 'auto') === 'auto' ? 'off' : o.check;
    return { ...o, rows, batch: Bs * rows, fold: false, onProgress, check };
  });
  const cpu = process.cpuUsage(cpu0);
  return { options, weights, mapping, modelCycles: full, runOrder, spareBytes, t0, setupSeconds: (performance.now() - t0) / 1000, setupCpuSeconds: (cpu.user + cpu.system) / 1e6 };
}

/**
 * The largest folded run's memory check (run.ts repeats it with its threads), before the weights are made: a
 * layer too big is refused at once. Returns the spare memory to keep for the fold's runs (see FoldPlan).
 */
function refuseTooBig(o: FabricRunOptions, pass: FabricPass, machine: FabricMachine, Bs: number, nnz: number): number {
  const rows = FOLD_ROWS[FOLD_ROWS.length - 1];
  const m = mapLayer({ B: Bs * rows, K: o.in, N: o.out }, { rows, cols: o.cols }, pass, machine);
  const check = resolveCheck(o.check === true ? 'full' : o.check === false ? 'off' : o.check, nnz, Bs * rows);
  const window = resolveStreamWindow(o.streamWindow, m, machine, Math.round(nnz));
  const mem = fabricMemory(m, machine, Math.round(nnz), check, !o.weights, 1, window);
  try {
    checkFabricMemory(m, mem, o.memoryLimitBytes);
    return mem.wasmBytes + (64 << 20);
  } catch (e) {
    if (!(e instanceof CapacityError)) throw e;
    throw new CapacityError(e.message.replace(/^fabric: /, `fabric: with folded rows (${rows} of ${o.rows} simulated), `));
  }
}

const COUNTERS: readonly (keyof SimCounters)[] = ['cycles', 'hops', 'rampIn', 'rampOut', 'injected', 'sunk', 'fmacs', 'tasks', 'routerSteps', 'coreSteps'];

/** The counters of Ru rows from those of the folded runs, after checking that each row added the same. */
function unfoldCounters(counters: SimCounters[], Ru: number): { counters: SimCounters; perRow: SimCounters } {
  const n = FOLD_ROWS.length;
  const out = {} as SimCounters;
  const perRow = {} as SimCounters;
  for (const k of COUNTERS) {
    const d = counters[1][k] - counters[0][k];
    for (let i = 2; i < n; i++) {
      const di = counters[i][k] - counters[i - 1][k];
      if (di !== d) throw new Error(`fold: the rows of this layer are not copies: counter ${k} grew by ${d} from ${FOLD_ROWS[0]} to ${FOLD_ROWS[1]} rows and by ${di} from ${FOLD_ROWS[i - 1]} to ${FOLD_ROWS[i]}; run it with fold off`);
    }
    perRow[k] = d;
    out[k] = counters[n - 1][k] + (Ru - FOLD_ROWS[n - 1]) * d;
  }
  return { counters: out, perRow };
}

/** Row r of Ru rows in a folded run of `rows` rows: the top, a middle (row 1) or the bottom row. */
const foldedRow = (r: number, Ru: number, rows: number) => (r === 0 ? 0 : r === Ru - 1 ? rows - 1 : 1);

/** Per-core cycles by cause of Ru rows [Ru·Cu·4] from the largest run's, after checking every run's rows are its top, middle and bottom. */
function unfoldCoreCycles(runs: FabricRun[], Ru: number, Cu: number): Uint32Array {
  const n = FOLD_ROWS.length;
  const big = runs[n - 1].coreCycles;
  const rowOf = (cc: Uint32Array, r: number) => cc.subarray(r * Cu * 4, (r + 1) * Cu * 4);
  const same = (a: Uint32Array, b: Uint32Array) => a.every((v, i) => v === b[i]);
  runs.forEach((run, i) => {
    const rows = FOLD_ROWS[i];
    for (let r = 0; r < rows; r++) {
      if (!same(rowOf(run.coreCycles, r), rowOf(big, foldedRow(r, rows, FOLD_ROWS[n - 1])))) {
        throw new Error(`fold: the rows of this layer are not copies: row ${r} of the ${rows}-row run differs from its counterpart of the ${FOLD_ROWS[n - 1]}-row run; run it with fold off`);
      }
    }
  });
  const out = new Uint32Array(Ru * Cu * 4);
  for (let r = 0; r < Ru; r++) out.set(rowOf(big, foldedRow(r, Ru, FOLD_ROWS[n - 1])), r * Cu * 4);
  return out;
}

/** The R-row run from its folded runs: counters, statistics and heatmap of every row; the check and times of the runs themselves. */
export function foldRuns(o: FabricRunOptions, plan: FoldPlan, runs: FabricRun[]): FabricRun {
  const { mapping } = plan;
  const { usedRows: Ru, usedCols: Cu } = mapping;
  const rs = runs.map((r) => r.result);
  const big = runs[runs.length - 1];
  const machine = big.result.machine;
  const { counters, perRow } = unfoldCounters(rs.map((r) => r.counters), Ru);
  const coreCycles = unfoldCoreCycles(runs, Ru, Cu);
  const { busy, totalCoreCycles: _total, ...stats } = meshStats(mapping.mesh, Ru, Cu, coreCycles, counters, machine);
  const sum = (f: (r: FabricResult) => number) => rs.reduce((a, r) => a + f(r), 0);
  const simulatedCoreCycles = sum((r) => r.rows * r.cols * r.cycles);
  const simSeconds = sum((r) => r.simSeconds);
  const simCpuSeconds = sum((r) => r.simCpuSeconds);
  const checked = rs.filter((r) => r.check !== 'off');
  const result: FabricResult = {
    ...big.result,
    rows: o.rows, batch: o.batch, usedRows: Ru, cycles: counters.cycles,
    modelCycles: Math.round(plan.modelCycles),
    fmacs: counters.fmacs,
    ...stats,
    counters,
    check: big.result.check, checkedOutputs: sum((r) => r.checkedOutputs),
    maxAbsError: checked.length ? Math.max(...checked.map((r) => r.maxAbsError)) : NaN,
    errorBoundRatio: checked.length ? Math.max(...checked.map((r) => r.errorBoundRatio)) : NaN,
    simSeconds, simCpuSeconds,
    simCoreCyclesPerSecond: simSeconds > 0 ? simulatedCoreCycles / simSeconds : 0,
    simCoreCyclesPerCpuSecond: simCpuSeconds > 0 ? simulatedCoreCycles / simCpuSeconds : 0,
    wallSeconds: (performance.now() - plan.t0) / 1000,
    setupSeconds: plan.setupSeconds + sum((r) => r.setupSeconds),
    setupCpuSeconds: plan.setupCpuSeconds + sum((r) => r.setupCpuSeconds),
    checkSeconds: sum((r) => r.checkSeconds),
    memoryBytes: Math.max(...rs.map((r) => r.memoryBytes)),
    fold: { rows: [...FOLD_ROWS], batch: rs.map((r) => r.batch), cyclesPerRow: perRow.cycles, simulatedCoreCycles },
  };
  return { result, busy, coreCycles, output: big.output, mapping };
}
