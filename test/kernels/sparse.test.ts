// The sparse kernels (assembly/sparse/, debug build) against their plain-TS references (src/ref/sparse.ts)
// on named edge cases and random ones (fast-check), overwrite and accumulate, and the facade's errors.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { Wasm } from '../../src/wasm/module.js';
import { encodeStream, randomStream, type WeightStream } from '../../src/sparse/stream.js';
import { randomF32 } from '../../src/ref/rng.js';
import { spmmDeltaRef, spmmForwardRef, spmmGradRef } from '../../src/ref/sparse.js';
import { SPMM_REL_TOL, putStream, spmmDelta, spmmForward, spmmGrad, type SpmmForwardVariant } from '../../src/kernels/sparse.js';
import { compareArrays } from '../../src/kernels/compare.js';

const TOL = SPMM_REL_TOL;

function relErr(got: Float32Array, want: Float32Array): number {
  return compareArrays(got, want).maxRelError;
}

interface Case {
  name: string;
  K: number;
  N: number;
  B: number;
  s: WeightStream;
}

const w = new Wasm();

/** Runs all three kernels (and both forward variants) in WASM and in the reference; returns the worst error. */
function check(c: Case, accumulate: boolean, seed = 1): number {
  const { K, N, B, s } = c;
  const Xt = randomF32(K * B, seed);
  const dYt = randomF32(N * B, seed + 1);
  const Y0 = randomF32(N * B, seed + 2);
  const dX0 = randomF32(K * B, seed + 3);
  const g0 = randomF32(s.nnz, seed + 4);
  const mark = w.arena.mark();
  try {
    const sr = putStream(w, s);
    const x = w.allocF32(K * B, Xt);
    const dy = w.allocF32(N * B, dYt);
    const y = w.allocF32(N * B);
    const dx = w.allocF32(K * B, dX0);
    const g = w.allocF32(Math.max(1, s.nnz), g0);
    let worst = 0;
    const wantY = Y0.slice();
    spmmForwardRef(wantY, Xt, s.words, K, N, B, accumulate);
    for (const variant of ['simd', 'scalar'] as SpmmForwardVariant[]) {
      w.f32(y, N * B).set(Y0);
      spmmForward(w, y, x, sr, B, { accumulate, variant });
      worst = Math.max(worst, relErr(w.f32(y, N * B), wantY));
    }
    const wantDx = dX0.slice();
    spmmDeltaRef(wantDx, dYt, s.words, K, N, B, accumulate);
    spmmDelta(w, dx, dy, sr, B, { accumulate });
    worst = Math.max(worst, relErr(w.f32(dx, K * B), wantDx));
    const wantG = g0.slice();
    spmmGradRef(wantG, Xt, dYt, s.words, K, N, B, accumulate);
    spmmGrad(w, g, x, dy, sr, B, { accumulate });
    worst = Math.max(worst, relErr(w.f32(g, s.nnz), wantG));
    return worst;
  } finally {
    w.arena.release(mark);
  }
}

function stream(K: number, N: number, sparsity: number, seed = 5): WeightStream {
  return randomStream(K, N, sparsity, seed);
}

function single(K: number, N: number, k: number, n: number): WeightStream {
  const W = new Float32Array(K * N);
  W[k * N + n] = -1.25;
  return encodeStream(W, K, N);
}

const cases: Case[] = [
  { name: 'all_zero_stream', K: 9, N: 7, B: 13, s: stream(9, 7, 1) },
  { name: 'fully_dense_stream', K: 9, N: 7, B: 13, s: stream(9, 7, 0) },
  { name: 'single_nonzero_last_row_last_col', K: 6, N: 5, B: 8, s: single(6, 5, 5, 4) },
  { name: 'single_nonzero_first', K: 6, N: 5, B: 3, s: single(6, 5, 0, 0) },
  { name: 'batch_1', K: 17, N: 11, B: 1, s: stream(17, 11, 0.5) },
  { name: 'b_lt_4', K: 17, N: 11, B: 3, s: stream(17, 11, 0.5) },
  { name: 'b_not_mult_4', K: 10, N: 12, B: 37, s: stream(10, 12, 0.6) },
  { name: 'b_not_mult_16_gt_32', K: 10, N: 12, B: 45, s: stream(10, 12, 0.3) },
  { name: 'b_mult_32', K: 10, N: 12, B: 64, s: stream(10, 12, 0.7) },
  { name: 'k_1', K: 1, N: 33, B: 20, s: stream(1, 33, 0.5) },
  { name: 'n_1', K: 33, N: 1, B: 20, s: stream(33, 1, 0.5) },
  { name: 'one_by_one', K: 1, N: 1, B: 1, s: stream(1, 1, 0) },
  { name: 'very_wide', K: 3, N: 700, B: 9, s: stream(3, 700, 0.9) },
  { name: 'very_tall', K: 700, N: 3, B: 9, s: stream(700, 3, 0.9) },
  { name: 'nnz_rows_not_mult_4', K: 8, N: 40, B: 24, s: stream(8, 40, 0.83) },
];

describe('sparse kernels equal their references', () => {
  for (const c of cases) {
    it(`${c.name} (K=${c.K} N=${c.N} B=${c.B} nnz=${c.s.nnz})`, () => {
      expect(check(c, false)).toBeLessThanOrEqual(TOL);
      expect(check(c, true, 9)).toBeLessThanOrEqual(TOL);
    });
  }

  it('random shapes, sparsities and seeds (property)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 48 }), fc.integer({ min: 1, max: 48 }), fc.integer({ min: 1, max: 70 }),
        fc.double({ min: 0, max: 1, noNaN: true }), fc.nat(1000), fc.boolean(),
        (K, N, B, sp, seed, acc) => {
          const s = stream(K, N, sp, seed);
          expect(check({ name: 'random', K, N, B, s }, acc, seed)).toBeLessThanOrEqual(TOL);
        },
      ),
      { numRuns: 80 },
    );
  });

  it('an all-zero stream overwrites with zeros and accumulates nothing', () => {
    const K = 4, N = 5, B = 6;
    const s = stream(K, N, 1);
    const mark = w.arena.mark();
    const sr = putStream(w, s);
    const x = w.allocF32(K * B, randomF32(K * B, 1));
    const y = w.allocF32(N * B, new Float32Array(N * B).fill(7));
    spmmForward(w, y, x, sr, B, { accumulate: true });
    expect(Array.from(w.f32(y, N * B)).every((v) => v === 7)).toBe(true);
    spmmForward(w, y, x, sr, B);
    expect(Array.from(w.f32(y, N * B)).every((v) => v === 0)).toBe(true);
    w.arena.release(mark);
  });
});

describe('sparse facade refuses bad input', () => {
  const K = 4, N = 5, B = 6;
  const s = stream(K, N, 0.5, 3);
  const mark = w.arena.mark();
  const sr = putStream(w, s);
  const x = w.allocF32(K * B);
  const y = w.allocF32(N * B);
  const dy = w.allocF32(N * B);
  const dx = w.allocF32(K * B);
  const g = w.allocF32(Math.max(1, s.nnz));
  const size = () => w.memory.buffer.byteLength;
  void mark;

  it('sizes: zero or negative or fractional batch and shapes', () => {
    expect(() => spmmForward(w, y, x, sr, 0)).toThrow(/^spmmForward\.B: expected an integer >= 1, got 0/);
    expect(() => spmmDelta(w, dx, dy, sr, -2)).toThrow(/^spmmDelta\.B: expected an integer >= 1, got -2/);
    expect(() => spmmGrad(w, g, x, dy, sr, 1.5)).toThrow(/^spmmGrad\.B:/);
    expect(() => spmmForward(w, y, x, { ...sr, K: 0 }, B)).toThrow(/^spmmForward\.stream\.K: expected an integer >= 1, got 0/);
    expect(() => spmmForward(w, y, x, { ...sr, nnz: -1 }, B)).toThrow(/^spmmForward\.stream\.nnz:/);
  });

  it('pointer ranges outside the memory, misaligned pointers, overlapping output', () => {
    expect(() => spmmForward(w, size() - 8, x, sr, B)).toThrow(/^spmmForward\.y: range \[\d+, \d+\) lies outside the wasm memory/);
    expect(() => spmmDelta(w, dx, -16, sr, B)).toThrow(/^spmmDelta\.dy:/);
    expect(() => spmmGrad(w, g, x, dy, { ...sr, ptr: size() }, B)).toThrow(/^spmmGrad\.stream\.ptr: range/);
    expect(() => spmmForward(w, y + 2, x, sr, B)).toThrow(/^spmmForward\.y: pointer \d+ is not a 4-byte aligned/);
    expect(() => spmmForward(w, x, x, sr, B)).toThrow(/^spmmForward\.y: output range .* overlaps spmmForward\.x/);
  });

  it('a stream whose indices leave the matrix is refused in checked mode, naming row and position', () => {
    const words = w.u32(sr.ptr, K + 2 * s.nnz);
    const saved = words.slice();
    // Make the first pair of the first non-empty row point past column N-1.
    let p = 0;
    while (words[p] === 0) p++;
    words[p + 1] = N;
    try {
      expect(() => spmmForward(w, y, x, sr, B)).toThrow(/^spmmForward\.stream\[\d+\] \(row \d+, entry 0, column delta\): expected a column < N = 5/);
      expect(() => spmmDelta(w, dx, dy, sr, B)).toThrow(/^spmmDelta\.stream\[/);
      expect(() => spmmGrad(w, g, x, dy, sr, B)).toThrow(/^spmmGrad\.stream\[/);
      // A stream whose nnz disagrees with its counts.
      words.set(saved);
      expect(() => spmmForward(w, y, x, { ...sr, nnz: s.nnz - 1 }, B)).toThrow(/spmmForward\.stream/);
    } finally {
      words.set(saved);
    }
    expect(() => spmmForward(w, y, x, sr, B)).not.toThrow();
  });

  it('debug-build assertions still guard the unchecked path against bad sizes', () => {
    const e = w.exports as unknown as { spmmFwdAxpySimd(...a: number[]): void };
    expect(() => e.spmmFwdAxpySimd(y, x, sr.ptr, K, N, 0, 0)).toThrow(/sizes must be positive/);
  });
});
