// The fabric result's check against the plain-TS reference kernels (src/ref/sparse.ts) under the f32
// summation bound: on every output ('full'), on a sample of them ('sampled': a few whole batch columns
// for forward and delta, a few whole weight rows for the gradient; the reference then costs one pass
// over the weights for S columns instead of B), or not at all ('off'). 'auto' = full up to FULL_CHECK_FMACS
// reference multiply-adds (nnz·B), sampled above. Forward and delta add the sums and their bounds in one
// read of each range of W's rows (checkedSums: the kernels' own expression, so their sums bit for bit).
//
// Legend: B, K, N = batch, input and output features; Xt [K, B], dYt [N, B] feature-major; g [nnz] in
// the weight stream's order; S = sampled batch columns or rows.
import { requireOneOf, ValidationError } from '../errors.js';
import { spmmGradRef } from '../ref/sparse.js';
import { rowOffsets, rowRange, StreamReader, type WeightStream } from '../sparse/stream.js';
import type { LayerWeights } from './layer-weights.js';
import type { FabricPass } from './mapping.js';
import { materialize, valuesInto, type Values } from './weights.js';

export type FabricCheck = 'full' | 'sampled' | 'off';
export const FABRIC_CHECKS: readonly (FabricCheck | 'auto')[] = ['auto', 'full', 'sampled', 'off'];

/** Above this many reference multiply-adds (nnz·B, about 2 s of the plain-TS kernel), 'auto' samples. */
export const FULL_CHECK_FMACS = 2 ** 29;
/** Batch columns (forward, delta) or weight rows (gradient) a sampled check covers. */
export const SAMPLED_COLUMNS = 8;
export const SAMPLED_ROWS = 64;

export interface CheckOutcome {
  check: FabricCheck;
  /** Outputs compared. */
  checked: number;
  maxAbsError: number;
  errorBoundRatio: number;
}

export interface CheckInputs {
  pass: FabricPass;
  /** The layer's weights, read once in row order (forward, delta) or whole (gradient). */
  weights: LayerWeights;
  B: number;
  xt?: Values;
  dyt?: Values;
  /** Extra terms of each sum from the mesh's split (used columns or rows). */
  splitTerms: number;
  /** Called with the fraction of the weights read so far, after each range of rows (or sampled row). */
  progress?: (fraction: number) => void;
}

const U = 2 ** -24;

/** The mode 'auto' stands for on this layer. */
export function resolveCheck(mode: FabricCheck | 'auto' | undefined, nnz: number, B: number): FabricCheck {
  const m = requireOneOf('check', mode ?? 'auto', FABRIC_CHECKS);
  if (m !== 'auto') return m;
  return nnz * B <= FULL_CHECK_FMACS ? 'full' : 'sampled';
}

/** Evenly spread picks of `take` out of 0..n-1 (all of them when n <= take). */
function picks(n: number, take: number): number[] {
  if (n <= take) return Array.from({ length: n }, (_, i) => i);
  return Array.from({ length: take }, (_, j) => Math.floor((j * (n - 1)) / (take - 1)));
}

/** Columns `cols` of a [rows, B] feature-major matrix as [rows, S] (S = cols.length); seeded values made one by one. */
function columnsOf(a: Values, rows: number, B: number, cols: number[]): Float32Array {
  const S = cols.length;
  const out = new Float32Array(rows * S);
  const one = new Float32Array(1);
  for (let r = 0; r < rows; r++) {
    for (let j = 0; j < S; j++) {
      valuesInto(a, one, r * B + cols[j]);
      out[r * S + j] = one[0];
    }
  }
  return out;
}

/** Row k of a [rows, B] feature-major matrix. */
function rowOf(a: Values, k: number, B: number): Float32Array {
  const out = new Float32Array(B);
  valuesInto(a, out, k * B);
  return out;
}

/** Folds |mesh − ref| against 2·(terms + 2)·u·Σ|terms| (f32 summation in any order, both sides rounding). */
class ErrorFold {
  maxAbsError = 0;
  errorBoundRatio = 0;
  checked = 0;
  constructor(private readonly terms: number) {}
  /** Folds one output's error in; a NaN (a NaN output, or a NaN reference) stays the maximum once seen: a later finite error replaced it. */
  add(mesh: number, ref: number, absRef: number): void {
    const e = Math.abs(mesh - ref);
    if (e > this.maxAbsError || (Number.isNaN(e) && !Number.isNaN(this.maxAbsError))) this.maxAbsError = e;
    const r = e / (2 * (this.terms + 2) * U * absRef + 1e-30);
    if (r > this.errorBoundRatio || (Number.isNaN(r) && !Number.isNaN(this.errorBoundRatio))) this.errorBoundRatio = r;
    this.checked++;
  }
  outcome(check: FabricCheck): CheckOutcome {
    return { check, checked: this.checked, maxAbsError: this.maxAbsError, errorBoundRatio: this.errorBoundRatio };
  }
}

/** Compares the mesh's `output` with the reference on the outputs the mode covers. */
export function checkOutput(mode: FabricCheck, inp: CheckInputs, output: Float32Array): CheckOutcome {
  if (mode === 'off') return { check: mode, checked: 0, maxAbsError: NaN, errorBoundRatio: NaN };
  if (inp.pass === 'gradient') return checkGradient(mode, inp, output);
  const { pass, weights, B } = inp;
  const { K, N } = weights;
  const [inRows, outRows, a] = pass === 'forward' ? [K, N, inp.xt!] : [N, K, inp.dyt!];
  const cols = mode === 'full' ? null : picks(B, SAMPLED_COLUMNS);
  const S = cols ? cols.length : B;
  const inputs = withAbs(cols ? columnsOf(a, inRows, B, cols) : materialize(a), inRows, S);
  const sums = new Float32Array(outRows * 2 * S);
  // by ranges of W's rows, in order: the forward adds each range's terms into every output in the whole
  // stream's order (bit for bit the one-range sums); a delta output row is one of W's rows, whole in its range
  const step = weights.chunkRows();
  const read = weights.rows(step);
  for (let k0 = 0; k0 < K; k0 += step) {
    const k1 = Math.min(K, k0 + step);
    checkedSums(pass, read(k1), k0, inputs, S, sums);
    inp.progress?.(k1 / K);
  }
  const fold = new ErrorFold(inRows + inp.splitTerms);
  for (let r = 0; r < outRows; r++) {
    for (let j = 0; j < S; j++) fold.add(output[r * B + (cols ? cols[j] : j)], sums[2 * r * S + j], sums[(2 * r + 1) * S + j]);
  }
  return fold.outcome(mode);
}

const abs = (a: Float32Array) => a.map(Math.abs);

/** a [rows, S] as [rows, 2, S]: each row, then its absolute values (so a term's two reads share cache lines). */
export function withAbs(a: Float32Array, rows: number, S: number): Float32Array {
  const out = new Float32Array(rows * 2 * S);
  for (let r = 0; r < rows; r++) {
    for (let j = 0; j < S; j++) {
      out[2 * r * S + j] = a[r * S + j];
      out[(2 * r + 1) * S + j] = Math.abs(a[r * S + j]);
    }
  }
  return out;
}

/**
 * Adds the terms of W's rows [k0, k0 + sub.K) (`sub`, a row range of the stream) to the reference sums, and
 * the same terms on |w|·|a| to their bounds, in one read of the range. `inputs` [inRows, 2, S] = withAbs(a);
 * `sums` [outRows, 2, S]: each output row's S sums, then their bounds. Forward: output row n += w·(input row k);
 * delta: output row k += w·(input row n). Each sum gets its terms in the stream's order with the expression
 * spmmForwardRef and spmmDeltaRef use, so it is theirs bit for bit (test/fabric/check.test.ts); over successive
 * ranges the forward's sums are the whole stream's.
 */
export function checkedSums(pass: 'forward' | 'delta', sub: WeightStream, k0: number, inputs: Float32Array, S: number, sums: Float32Array): void {
  const r = new StreamReader(sub.words);
  const forward = pass === 'forward';
  for (let k = k0; k < k0 + sub.K; k++) {
    for (let c = r.row(); c > 0; c--) {
      const n = r.next();
      const w = r.value();
      const aw = Math.abs(w);
      // forward: output row n gets input row k's terms; delta: output row k gets input row n's
      const o = 2 * S * (forward ? n : k);
      const i = 2 * S * (forward ? k : n);
      for (let j = 0; j < S; j++) {
        sums[o + j] += w * inputs[i + j];
        sums[o + S + j] += aw * inputs[i + S + j];
      }
    }
  }
}

/** Refuses, before any cycle, a check these weights cannot give: the full gradient check of a layer not held whole. */
export function requireCheckable(mode: FabricCheck, pass: FabricPass, weights: LayerWeights): void {
  if (pass === 'gradient' && mode === 'full' && !weights.whole()) throw notHeld(weights);
}

const notHeld = (w: LayerWeights) =>
  new ValidationError('check', 'full', `expected sampled or off for the gradient of a layer not held whole (${w.K}x${w.N}, read by rows): the full check reads every non-zero's sum at once`);

/**
 * The gradient's check: every non-zero's sum (full: the whole stream, so a held layer only) or the non-zeros of
 * SAMPLED_ROWS weight rows (sampled: read by ranges of rows, so any layer). g's entries are in the stream's order:
 * row k's start at the count of non-zeros before it.
 */
function checkGradient(mode: FabricCheck, inp: CheckInputs, output: Float32Array): CheckOutcome {
  const fold = new ErrorFold(inp.B + inp.splitTerms);
  const dyt = materialize(inp.dyt!);
  const absDy = abs(dyt);
  const add = (sub: WeightStream, x: Float32Array, first: number) => {
    const ref = new Float32Array(sub.nnz);
    const absRef = new Float32Array(sub.nnz);
    spmmGradRef(ref, x, dyt, sub.words, sub.K, sub.N, inp.B);
    spmmGradRef(absRef, abs(x), absDy, sub.words, sub.K, sub.N, inp.B);
    for (let j = 0; j < sub.nnz; j++) fold.add(output[first + j], ref[j], absRef[j]);
  };
  if (mode === 'full') {
    const ws = inp.weights.whole();
    if (!ws) throw notHeld(inp.weights);
    add(ws, materialize(inp.xt!), 0);
    inp.progress?.(1);
    return fold.outcome(mode);
  }
  const { K } = inp.weights;
  const want = picks(K, SAMPLED_ROWS);
  const step = inp.weights.chunkRows();
  const read = inp.weights.rows(step);
  let before = 0; // non-zeros of the rows before the range
  let p = 0;
  for (let k0 = 0; k0 < K && p < want.length; k0 += step) {
    const sub = read(Math.min(K, k0 + step));
    const off = want[p] < k0 + sub.K ? rowOffsets(sub) : null;
    for (; p < want.length && want[p] < k0 + sub.K; p++) {
      const k = want[p] - k0;
      add(rowRange(sub, k, k + 1, off!), rowOf(inp.xt!, want[p], inp.B), before + (off![k] - k) / 2);
      inp.progress?.((p + 1) / want.length);
    }
    before += sub.nnz;
  }
  return fold.outcome(mode);
}
