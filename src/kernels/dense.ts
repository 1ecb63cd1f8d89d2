// The TypeScript facade of the dense kernels (assembly/dense/): checks sizes (positive integers),
// pointer ranges and output/input overlap, naming the argument, then calls WASM. The kernels trust
// their arguments (debug builds assert them too).
// Legend: C[M,N] (+)= op(A)[M,K]·op(B)[K,N] in the forms nn (A[M,K], B[K,N]), nt (A[M,K], B[N,K]) and
// tn (A[K,M], B[K,N]); GEMV y[M] (+)= A[M,K]·x[K] ('n') or y[K] (+)= A[M,K]ᵀ·x[M] ('t'); AXPY y[n] += α·x[n].
// Feature-major training: forward Yt = Wᵀ·Xt is tn(W, Xt); delta dXt = W·dYt is nn(W, dYt);
// gradient dW = Xt·dYtᵀ is nt(Xt, dYt). Pointers are byte offsets into the Wasm instance's memory.
import { ValidationError } from '../errors.js';
import type { Wasm } from '../wasm/module.js';
import { GEMM_FORMS, type GemmForm } from '../ref/dense.js';
import { checkDisjoint, checkPtr, finite, size } from './check.js';

export { GEMM_FORMS, type GemmForm };

type GemmFn = (c: number, a: number, b: number, M: number, N: number, K: number, accumulate: number) => void;

/** The dense exports of the WASM module (assembly/dense/index.ts). */
export interface DenseExports {
  gemmNn4x8Simd: GemmFn;
  gemmNt4x8Simd: GemmFn;
  gemmTn4x8Simd: GemmFn;
  gemmNnNaiveScalar: GemmFn;
  gemmNtNaiveScalar: GemmFn;
  gemmTnNaiveScalar: GemmFn;
  gemmMinScratchBytes(): number;
  gemvNSimd(y: number, a: number, x: number, M: number, K: number, accumulate: number): void;
  gemvTSimd(y: number, a: number, x: number, M: number, K: number, accumulate: number): void;
  axpySimd(y: number, x: number, alpha: number, n: number): void;
}

/** 'simd': blocked, packed, 4x8 f32x4 micro-kernel (needs the instance's scratch); 'naive': scalar triple loop. */
export type GemmVariant = 'simd' | 'naive';
export const GEMM_VARIANTS: readonly GemmVariant[] = ['simd', 'naive'];

export interface GemmOptions {
  /** Add to C instead of overwriting it. Default false. */
  accumulate?: boolean;
  /** Default 'simd'. */
  variant?: GemmVariant;
}

function exportsOf(w: Wasm): DenseExports {
  return w.exports as unknown as DenseExports;
}

/** The raw WASM function for a form and variant (no checks: for benches that already checked once). */
export function gemmKernel(w: Wasm, form: GemmForm, variant: GemmVariant = 'simd'): GemmFn {
  const e = exportsOf(w);
  const simd = variant === 'simd';
  switch (form) {
    case 'nn': return simd ? e.gemmNn4x8Simd : e.gemmNnNaiveScalar;
    case 'nt': return simd ? e.gemmNt4x8Simd : e.gemmNtNaiveScalar;
    case 'tn': return simd ? e.gemmTn4x8Simd : e.gemmTnNaiveScalar;
  }
}

/** C[M,N] (+)= op(A)·op(B) (see the legend above). */
export function gemm(w: Wasm, form: GemmForm, c: number, a: number, b: number, M: number, N: number, K: number, opts: GemmOptions = {}): void {
  const f = 'gemm';
  if (!GEMM_FORMS.includes(form)) throw new ValidationError(`${f}.form`, form, `expected one of ${GEMM_FORMS.join(', ')}`);
  const variant = opts.variant ?? 'simd';
  if (!GEMM_VARIANTS.includes(variant)) throw new ValidationError(`${f}.variant`, variant, `expected one of ${GEMM_VARIANTS.join(', ')}`);
  size(`${f}.M`, M);
  size(`${f}.N`, N);
  size(`${f}.K`, K);
  checkPtr(w, `${f}.c`, c, M * N * 4);
  checkPtr(w, `${f}.a`, a, M * K * 4);
  checkPtr(w, `${f}.b`, b, K * N * 4);
  checkDisjoint([`${f}.c`, c, M * N * 4], [[`${f}.a`, a, M * K * 4], [`${f}.b`, b, K * N * 4]]);
  if (variant === 'simd') checkScratch(w, f);
  gemmKernel(w, form, variant)(c, a, b, M, N, K, opts.accumulate ? 1 : 0);
}

/** Throws unless the instance's scratch is large enough for the blocked GEMM's packed panels. */
export function checkScratch(w: Wasm, what: string): void {
  const need = exportsOf(w).gemmMinScratchBytes();
  if (w.scratchBytes < need) {
    throw new RangeError(`${what}: the instance's scratch of ${w.scratchBytes} bytes is below the ${need} bytes the blocked GEMM packs into (WasmOptions.scratchBytes)`);
  }
}

/** y[M] (+)= A[M,K]·x[K] (form 'n') or y[K] (+)= A[M,K]ᵀ·x[M] (form 't'). */
export function gemv(w: Wasm, form: 'n' | 't', y: number, a: number, x: number, M: number, K: number, accumulate = false): void {
  const f = 'gemv';
  if (form !== 'n' && form !== 't') throw new ValidationError(`${f}.form`, form, 'expected one of n, t');
  size(`${f}.M`, M);
  size(`${f}.K`, K);
  const [ny, nx] = form === 'n' ? [M, K] : [K, M];
  checkPtr(w, `${f}.y`, y, ny * 4);
  checkPtr(w, `${f}.a`, a, M * K * 4);
  checkPtr(w, `${f}.x`, x, nx * 4);
  checkDisjoint([`${f}.y`, y, ny * 4], [[`${f}.a`, a, M * K * 4], [`${f}.x`, x, nx * 4]]);
  const e = exportsOf(w);
  (form === 'n' ? e.gemvNSimd : e.gemvTSimd)(y, a, x, M, K, accumulate ? 1 : 0);
}

/** y[n] += alpha·x[n]. */
export function axpy(w: Wasm, y: number, x: number, alpha: number, n: number): void {
  const f = 'axpy';
  size(`${f}.n`, n);
  finite(`${f}.alpha`, alpha);
  checkPtr(w, `${f}.y`, y, n * 4);
  checkPtr(w, `${f}.x`, x, n * 4);
  checkDisjoint([`${f}.y`, y, n * 4], [[`${f}.x`, x, n * 4]]);
  exportsOf(w).axpySimd(y, x, alpha, n);
}

// ---------------------------------------------------------------------------------------------------
// One-shot helper on plain arrays: copy in, run, copy out, release (for users and tests, not hot loops).

/** C[M,N] = op(A)·op(B) for arrays (A, B laid out as the form says). */
export function gemmArrays(w: Wasm, form: GemmForm, A: Float32Array, B: Float32Array, M: number, N: number, K: number, variant: GemmVariant = 'simd'): Float32Array {
  size('gemmArrays.M', M);
  size('gemmArrays.N', N);
  size('gemmArrays.K', K);
  if (A.length !== M * K) throw new ValidationError('gemmArrays.A.length', A.length, `expected M·K = ${M * K}`);
  if (B.length !== K * N) throw new ValidationError('gemmArrays.B.length', B.length, `expected K·N = ${K * N}`);
  const mark = w.arena.mark();
  try {
    const a = w.allocF32(A.length, A);
    const b = w.allocF32(B.length, B);
    const c = w.allocF32(M * N);
    gemm(w, form, c, a, b, M, N, K, { variant });
    return w.f32(c, M * N).slice();
  } finally {
    w.arena.release(mark);
  }
}

// ---------------------------------------------------------------------------------------------------
// Named tolerances (maxRelError against the f64 reference, relative to the reference's largest |value|).

/**
 * Largest K the GEMM tolerance is sized for. Every test and bench shape stays at or below it.
 */
export const GEMM_TOL_MAX_K = 4096;
/**
 * GEMM/GEMV: an f32 dot product of K terms accumulates round-off like a random walk, ~u·√K relative to
 * the result's scale (u = 2^-24); the worst case γ_K = K·u is not seen with random signs. The blocked
 * kernel sums 256-term blocks, which only lowers it. 8·u·√4096 = 3.1e-5 leaves 8x headroom over the
 * random-walk estimate at K = 4096 while any indexing or packing bug gives errors of order 1.
 */
export const GEMM_REL_TOL = 8 * 2 ** -24 * Math.sqrt(GEMM_TOL_MAX_K);
/** AXPY: one multiply and one add per element in f32: at most 2 round-offs of |y| + |αx| → 4u relative. */
export const AXPY_REL_TOL = 4 * 2 ** -24;
