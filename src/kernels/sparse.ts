// The TypeScript facade of the sparse kernels (assembly/sparse/): checks sizes, pointer ranges and — in
// checked mode, ON by default — the weight stream's indices, then calls WASM. The training engine, which
// validates each stream once when it is built, passes { checked: false } for the fast path (sizes and
// pointer ranges are still checked: they cost O(1)).
//
// Legend: K = input features, N = output features, B = batch, nnz = non-zeros of W [K, N].
// Feature-major activations: Xt [K, B], Yt [N, B], dXt [K, B], dYt [N, B]; g [nnz] is stream-aligned.
// Pointers are byte offsets into the Wasm instance's memory (see src/wasm/module.ts).
import { ValidationError, requireInt, requireObject } from '../errors.js';
import type { Wasm } from '../wasm/module.js';
import { checkDisjoint, checkPtr } from './check.js';
import { columnStreamWords, streamWords, transposeStream, validateStream, type WeightStream } from '../sparse/stream.js';

/** The sparse exports of the WASM module (assembly/sparse/index.ts). */
export interface SparseExports {
  spmmFwdAxpySimd(y: number, x: number, s: number, K: number, N: number, B: number, accumulate: number): void;
  spmmFwdAxpyScalar(y: number, x: number, s: number, K: number, N: number, B: number, accumulate: number): void;
  spmmFwdColSimd(y: number, x: number, s: number, K: number, N: number, B: number, accumulate: number, scratch: number, scratchBytes: number): void;
  spmmFwdColScratchBytes(K: number, B: number): number;
  spmmDeltaSimd(dx: number, dy: number, s: number, K: number, N: number, B: number, accumulate: number): void;
  spmmGradSimd(g: number, x: number, dy: number, s: number, K: number, N: number, B: number, accumulate: number): void;
}

/** A weight stream placed in WASM memory: its pointer and the shape it encodes. */
export interface StreamRef {
  /** Byte offset of the first word (4-byte aligned). */
  ptr: number;
  K: number;
  N: number;
  nnz: number;
}

export interface SparseCallOptions {
  /** Add to the output instead of overwriting it. Default false. */
  accumulate?: boolean;
  /** Validate the stream's counts and indices before the call (O(K + nnz)). Default true. */
  checked?: boolean;
}

export type SpmmForwardVariant = 'simd' | 'scalar';

function exportsOf(w: Wasm): SparseExports {
  return w.exports as unknown as SparseExports;
}

/** Copies a stream into the Wasm arena (16-byte aligned) and returns where it lies. */
export function putStream(w: Wasm, s: WeightStream): StreamRef {
  requireObject('stream', s);
  const ptr = w.arena.alloc(s.words.byteLength, 16);
  w.u32(ptr, s.words.length).set(s.words);
  return { ptr, K: s.K, N: s.N, nnz: s.nnz };
}

/**
 * Checks a StreamRef: positive K, N, a non-negative nnz, a 4-byte aligned pointer whose K + 2·nnz words
 * lie in memory, and (when `indices`) the words themselves: counts that add up to nnz, columns inside [0, N).
 */
export function checkStream(w: Wasm, s: StreamRef, what = 'stream', indices = true): void {
  requireObject(what, s);
  requireInt(`${what}.K`, s.K, 1);
  requireInt(`${what}.N`, s.N, 1);
  requireInt(`${what}.nnz`, s.nnz, 0, s.K * s.N);
  checkPtr(w, `${what}.ptr`, s.ptr, streamWords(s.K, s.nnz) * 4);
  if (indices) validateStream(w.u32(s.ptr, streamWords(s.K, s.nnz)), s.K, s.N, what);
}

/** Yt [N, B] (+)= Wᵀ · Xt [K, B]: one AXPY over the batch per non-zero weight. */
export function spmmForward(
  w: Wasm, y: number, x: number, s: StreamRef, B: number, opts: SparseCallOptions & { variant?: SpmmForwardVariant } = {},
): void {
  const f = 'spmmForward';
  checkStream(w, s, `${f}.stream`, opts.checked ?? true);
  requireInt(`${f}.B`, B, 1);
  checkPtr(w, `${f}.y`, y, s.N * B * 4);
  checkPtr(w, `${f}.x`, x, s.K * B * 4);
  checkDisjoint([`${f}.y`, y, s.N * B * 4], [[`${f}.x`, x, s.K * B * 4], [`${f}.stream`, s.ptr, streamWords(s.K, s.nnz) * 4]]);
  const e = exportsOf(w);
  const variant = opts.variant ?? 'simd';
  const kernel = variant === 'simd' ? e.spmmFwdAxpySimd : variant === 'scalar' ? e.spmmFwdAxpyScalar : undefined;
  if (!kernel) throw new ValidationError(`${f}.variant`, variant, 'expected one of simd, scalar');
  kernel(y, x, s.ptr, s.K, s.N, B, opts.accumulate ? 1 : 0);
}

/**
 * Checks a StreamRef of the COLUMN layout of W [K, N] (N + 2·nnz words; see src/sparse/stream.ts): as
 * checkStream, reading the words as the row layout of Wᵀ [N, K].
 */
export function checkColumnStream(w: Wasm, s: StreamRef, what = 'stream', indices = true): void {
  requireObject(what, s);
  requireInt(`${what}.K`, s.K, 1);
  requireInt(`${what}.N`, s.N, 1);
  requireInt(`${what}.nnz`, s.nnz, 0, s.K * s.N);
  checkPtr(w, `${what}.ptr`, s.ptr, columnStreamWords(s.N, s.nnz) * 4);
  if (indices) validateStream(w.u32(s.ptr, columnStreamWords(s.N, s.nnz)), s.N, s.K, what);
}

/** Copies the column layout of a stream into the Wasm arena (16-byte aligned): a StreamRef of W's shape [K, N]. */
export function putColumnStream(w: Wasm, s: WeightStream): StreamRef {
  requireObject('stream', s);
  const t = transposeStream(s);
  const ptr = w.arena.alloc(t.words.byteLength, 16);
  w.u32(ptr, t.words.length).set(t.words);
  return { ptr, K: s.K, N: s.N, nnz: s.nnz };
}

/**
 * Yt [N, B] (+)= Wᵀ · Xt [K, B] from the COLUMN layout of W (`s` from putColumnStream, or a wire block MemoryX
 * streamed for a forward pass): an output row's chunk accumulates in registers over its column's non-zeros,
 * rows ascending, so the result equals spmmForward's bit for bit. It packs batch tiles of Xt into the
 * instance's scratch region (w.scratchPtr); with less scratch than K·96 bytes it gathers from Xt in place.
 */
export function spmmForwardColumns(w: Wasm, y: number, x: number, s: StreamRef, B: number, opts: SparseCallOptions = {}): void {
  const f = 'spmmForwardColumns';
  checkColumnStream(w, s, `${f}.stream`, opts.checked ?? true);
  requireInt(`${f}.B`, B, 1);
  checkPtr(w, `${f}.y`, y, s.N * B * 4);
  checkPtr(w, `${f}.x`, x, s.K * B * 4);
  const sb = w.scratchBytes;
  checkDisjoint([`${f}.y`, y, s.N * B * 4], [[`${f}.x`, x, s.K * B * 4], [`${f}.stream`, s.ptr, columnStreamWords(s.N, s.nnz) * 4]]);
  if (sb > 0) {
    checkDisjoint([`${f}.scratch`, w.scratchPtr, sb], [[`${f}.y`, y, s.N * B * 4], [`${f}.x`, x, s.K * B * 4], [`${f}.stream`, s.ptr, columnStreamWords(s.N, s.nnz) * 4]]);
  }
  exportsOf(w).spmmFwdColSimd(y, x, s.ptr, s.K, s.N, B, opts.accumulate ? 1 : 0, w.scratchPtr, sb);
}

/** Scratch bytes spmmForwardColumns packs a batch tile into for K inputs and batch B (less only slows it down). */
export function spmmForwardColumnsScratchBytes(w: Wasm, K: number, B: number): number {
  return exportsOf(w).spmmFwdColScratchBytes(K, B);
}

/** dXt [K, B] (+)= W · dYt [N, B]: the delta to a sparse layer's inputs, from the same stream. */
export function spmmDelta(w: Wasm, dx: number, dy: number, s: StreamRef, B: number, opts: SparseCallOptions = {}): void {
  const f = 'spmmDelta';
  checkStream(w, s, `${f}.stream`, opts.checked ?? true);
  requireInt(`${f}.B`, B, 1);
  checkPtr(w, `${f}.dx`, dx, s.K * B * 4);
  checkPtr(w, `${f}.dy`, dy, s.N * B * 4);
  checkDisjoint([`${f}.dx`, dx, s.K * B * 4], [[`${f}.dy`, dy, s.N * B * 4], [`${f}.stream`, s.ptr, streamWords(s.K, s.nnz) * 4]]);
  exportsOf(w).spmmDeltaSimd(dx, dy, s.ptr, s.K, s.N, B, opts.accumulate ? 1 : 0);
}

/** g [nnz] (+)= Σ_b Xt[k, b] · dYt[n, b] for the i-th non-zero (k, n) of the stream: the gradient at the non-zeros. */
export function spmmGrad(w: Wasm, g: number, x: number, dy: number, s: StreamRef, B: number, opts: SparseCallOptions = {}): void {
  const f = 'spmmGrad';
  checkStream(w, s, `${f}.stream`, opts.checked ?? true);
  requireInt(`${f}.B`, B, 1);
  checkPtr(w, `${f}.g`, g, s.nnz * 4);
  checkPtr(w, `${f}.x`, x, s.K * B * 4);
  checkPtr(w, `${f}.dy`, dy, s.N * B * 4);
  checkDisjoint([`${f}.g`, g, s.nnz * 4], [
    [`${f}.x`, x, s.K * B * 4],
    [`${f}.dy`, dy, s.N * B * 4],
    [`${f}.stream`, s.ptr, streamWords(s.K, s.nnz) * 4],
  ]);
  exportsOf(w).spmmGradSimd(g, x, dy, s.ptr, s.K, s.N, B, opts.accumulate ? 1 : 0);
}

// ---------------------------------------------------------------------------------------------------
// One-shot helpers on plain arrays: copy in, run, copy out, release (for users and tests, not hot loops).

/** Yt [N, B] = Wᵀ · Xt for a stream and Xt [K, B] given as arrays. */
export function sparseForward(w: Wasm, s: WeightStream, Xt: Float32Array, B: number, variant: SpmmForwardVariant = 'simd'): Float32Array {
  requireInt('sparseForward.B', B, 1);
  if (Xt.length !== s.K * B) throw new ValidationError('sparseForward.Xt.length', Xt.length, `expected K·B = ${s.K * B}`);
  return scoped(w, () => {
    const sr = putStream(w, s);
    const x = w.allocF32(Xt.length, Xt);
    const y = w.allocF32(s.N * B);
    spmmForward(w, y, x, sr, B, { variant });
    return w.f32(y, s.N * B).slice();
  });
}

/** Yt [N, B] = Wᵀ · Xt through the column layout (spmmForwardColumns), for a stream and Xt [K, B] given as arrays. */
export function sparseForwardColumns(w: Wasm, s: WeightStream, Xt: Float32Array, B: number): Float32Array {
  requireInt('sparseForwardColumns.B', B, 1);
  if (Xt.length !== s.K * B) throw new ValidationError('sparseForwardColumns.Xt.length', Xt.length, `expected K·B = ${s.K * B}`);
  return scoped(w, () => {
    const sr = putColumnStream(w, s);
    const x = w.allocF32(Xt.length, Xt);
    const y = w.allocF32(s.N * B);
    spmmForwardColumns(w, y, x, sr, B);
    return w.f32(y, s.N * B).slice();
  });
}

/** dXt [K, B] = W · dYt for a stream and dYt [N, B] given as arrays. */
export function sparseDelta(w: Wasm, s: WeightStream, dYt: Float32Array, B: number): Float32Array {
  requireInt('sparseDelta.B', B, 1);
  if (dYt.length !== s.N * B) throw new ValidationError('sparseDelta.dYt.length', dYt.length, `expected N·B = ${s.N * B}`);
  return scoped(w, () => {
    const sr = putStream(w, s);
    const dy = w.allocF32(dYt.length, dYt);
    const dx = w.allocF32(s.K * B);
    spmmDelta(w, dx, dy, sr, B);
    return w.f32(dx, s.K * B).slice();
  });
}

/** g [nnz], stream-aligned, for a stream, Xt [K, B] and dYt [N, B] given as arrays. */
export function sparseGrad(w: Wasm, s: WeightStream, Xt: Float32Array, dYt: Float32Array, B: number): Float32Array {
  requireInt('sparseGrad.B', B, 1);
  if (Xt.length !== s.K * B) throw new ValidationError('sparseGrad.Xt.length', Xt.length, `expected K·B = ${s.K * B}`);
  if (dYt.length !== s.N * B) throw new ValidationError('sparseGrad.dYt.length', dYt.length, `expected N·B = ${s.N * B}`);
  return scoped(w, () => {
    const sr = putStream(w, s);
    const x = w.allocF32(Xt.length, Xt);
    const dy = w.allocF32(dYt.length, dYt);
    const g = w.allocF32(Math.max(1, s.nnz));
    spmmGrad(w, g, x, dy, sr, B);
    return w.f32(g, s.nnz).slice();
  });
}

function scoped<T>(w: Wasm, f: () => T): T {
  const mark = w.arena.mark();
  try {
    return f();
  } finally {
    w.arena.release(mark);
  }
}

// ---------------------------------------------------------------------------------------------------
// Named tolerances (maxRelError against the reference, relative to the reference's largest |value|).

/** Largest number of terms one output sums (c non-zeros of a row or column, or B samples) the tolerance is sized for. */
export const SPMM_TOL_MAX_TERMS = 4096;
/**
 * Sparse forward/delta/gradient: each output is an f32 sum of at most SPMM_TOL_MAX_TERMS products (a
 * column's or row's non-zeros, or the batch for the gradient). Round-off grows like a random walk,
 * ~u·√terms relative to the result's scale (u = 2^-24); 8·u·√4096 = 3.1e-5 leaves 8x headroom, while a
 * wrong index or a skipped non-zero gives errors of order 1. Same reasoning as GEMM_REL_TOL (dense.ts).
 */
export const SPMM_REL_TOL = 8 * 2 ** -24 * Math.sqrt(SPMM_TOL_MAX_TERMS);
