// The dense kernels (GEMM nn/nt/tn in both WASM variants, GEMV, AXPY) against the plain-TS reference
// (src/ref/dense.ts) on edge shapes and random ones, with the named tolerances of src/kernels/dense.ts;
// plus the facade's errors on bad input.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { Wasm } from '../../src/wasm/module.js';
import { randomF32 } from '../../src/ref/rng.js';
import { axpyRef, gemmRef, gemvRef, GEMM_FORMS, type GemmForm } from '../../src/ref/dense.js';
import { AXPY_REL_TOL, GEMM_REL_TOL, GEMM_VARIANTS, axpy, gemm, gemmArrays, gemv, type GemmVariant } from '../../src/kernels/dense.js';
import { compareArrays, F32_UNIT_ROUNDOFF } from '../../src/kernels/compare.js';
import { ValidationError } from '../../src/errors.js';

const w = new Wasm();

function gemmCase(form: GemmForm, variant: GemmVariant, M: number, N: number, K: number, seed: number, accumulate = false) {
  const A = randomF32(M * K, seed);
  const B = randomF32(K * N, seed + 1);
  const C0 = randomF32(M * N, seed + 2);
  const mark = w.arena.mark();
  try {
    const a = w.allocF32(A.length, A);
    const b = w.allocF32(B.length, B);
    const c = w.allocF32(C0.length, C0);
    gemm(w, form, c, a, b, M, N, K, { accumulate, variant });
    const ref = C0.slice();
    gemmRef(form, ref, A, B, M, N, K, accumulate);
    return compareArrays(w.f32(c, M * N), ref);
  } finally {
    w.arena.release(mark);
  }
}

// Named edge cases (XNNPACK style): tile remainders, 1x1, batch 1, very wide / tall / deep, block edges.
const EDGE: Record<string, [number, number, number]> = {
  one_by_one: [1, 1, 1],
  m_lt_mr: [3, 8, 16],
  n_lt_nr: [4, 7, 16],
  k_odd: [4, 8, 13],
  not_multiples: [5, 9, 3],
  batch_1_column: [37, 1, 29],
  single_row: [1, 45, 33],
  very_wide: [2, 3001, 5],
  very_tall: [3001, 2, 5],
  deep_k_over_kc: [6, 10, 777],
  m_over_mc: [131, 17, 9],
  exact_tiles: [8, 16, 256],
};

describe('gemm', () => {
  for (const variant of GEMM_VARIANTS) {
    for (const form of GEMM_FORMS) {
      it(`${form} ${variant} matches the reference on edge shapes`, () => {
        for (const [name, [M, N, K]] of Object.entries(EDGE)) {
          const r = gemmCase(form, variant, M, N, K, M * 31 + N);
          expect(r.maxRelError, `${name} ${M}x${N}x${K}`).toBeLessThanOrEqual(GEMM_REL_TOL);
        }
      });
      it(`${form} ${variant} accumulates into C when asked`, () => {
        for (const [M, N, K] of [[1, 1, 1], [5, 9, 300], [33, 17, 7]]) {
          const r = gemmCase(form, variant, M, N, K, 7, true);
          expect(r.maxRelError, `${M}x${N}x${K}`).toBeLessThanOrEqual(GEMM_REL_TOL);
        }
      });
    }
  }

  it('blocked SIMD matches the reference on random shapes (property)', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...GEMM_FORMS),
        fc.integer({ min: 1, max: 70 }),
        fc.integer({ min: 1, max: 70 }),
        fc.integer({ min: 1, max: 300 }),
        fc.integer({ min: 0, max: 1e6 }),
        fc.boolean(),
        (form, M, N, K, seed, acc) => gemmCase(form, 'simd', M, N, K, seed, acc).maxRelError <= GEMM_REL_TOL,
      ),
      { numRuns: 60, seed: 42 },
    );
  });

  it('spans more than one NC block when the scratch is small', () => {
    // 1 MiB of scratch leaves room for NC = 888 columns: N = 1500 takes two column blocks.
    const small = new Wasm({ scratchBytes: 1 << 20 });
    const [M, N, K] = [9, 1500, 300];
    const A = randomF32(M * K, 1);
    const B = randomF32(K * N, 2);
    const ref = new Float32Array(M * N);
    gemmRef('nn', ref, A, B, M, N, K);
    expect(compareArrays(gemmArrays(small, 'nn', A, B, M, N, K), ref).maxRelError).toBeLessThanOrEqual(GEMM_REL_TOL);
  });

  it('the round-off grows like sqrt(K), well inside the tolerance at K = 4096', () => {
    const r = gemmCase('tn', 'simd', 8, 8, 4096, 3);
    expect(r.maxRelError).toBeLessThanOrEqual(GEMM_REL_TOL);
    expect(r.maxRelError).toBeGreaterThan(0); // f32 vs the f64 reference: something is rounded
  });
});

describe('gemv and axpy', () => {
  it('gemv n and t match the reference on edge and random shapes', () => {
    const shapes = [[1, 1], [1, 7], [7, 1], [5, 9], [4, 8], [33, 130], [130, 33], [2, 3001], [3001, 2]];
    for (const form of ['n', 't'] as const) {
      for (const [M, K] of shapes) {
        for (const acc of [false, true]) {
          const A = randomF32(M * K, M + K);
          const nx = form === 'n' ? K : M;
          const ny = form === 'n' ? M : K;
          const X = randomF32(nx, 5);
          const Y0 = randomF32(ny, 6);
          const mark = w.arena.mark();
          const a = w.allocF32(A.length, A);
          const x = w.allocF32(nx, X);
          const y = w.allocF32(ny, Y0);
          gemv(w, form, y, a, x, M, K, acc);
          const ref = Y0.slice();
          gemvRef(form, ref, A, X, M, K, acc);
          expect(compareArrays(w.f32(y, ny), ref).maxRelError, `${form} ${M}x${K} acc=${acc}`).toBeLessThanOrEqual(GEMM_REL_TOL);
          w.arena.release(mark);
        }
      }
    }
  });

  it('axpy is within 2 round-offs of |y| + |alpha·x| per element, any sign', () => {
    for (const n of [1, 3, 4, 15, 16, 17, 1000]) {
      const X = randomF32(n, n);
      const Y0 = randomF32(n, n + 1);
      const alpha = -1.7;
      const mark = w.arena.mark();
      const x = w.allocF32(n, X);
      const y = w.allocF32(n, Y0);
      axpy(w, y, x, alpha, n);
      const ref = Y0.slice();
      axpyRef(ref, X, alpha, n);
      const out = w.f32(y, n);
      for (let i = 0; i < n; i++) {
        const bound = 2 * F32_UNIT_ROUNDOFF * (Math.abs(Y0[i]) + Math.abs(alpha * X[i]));
        expect(Math.abs(out[i] - (Y0[i] + alpha * X[i])), `n=${n} i=${i}`).toBeLessThanOrEqual(bound);
      }
      expect(compareArrays(out, ref).maxAbsError).toBeLessThanOrEqual(AXPY_REL_TOL * 4);
      w.arena.release(mark);
    }
  });
});

describe('dense facade: bad input names the argument', () => {
  const a = w.allocF32(64);
  const b = w.allocF32(64);
  const c = w.allocF32(64);
  const end = w.memory.buffer.byteLength;

  it('rejects zero, negative and fractional sizes', () => {
    expect(() => gemm(w, 'nn', c, a, b, 0, 4, 4)).toThrow(ValidationError);
    expect(() => gemm(w, 'nn', c, a, b, 0, 4, 4)).toThrow(/^gemm\.M: expected an integer >= 1, got 0$/);
    expect(() => gemm(w, 'nt', c, a, b, 4, -1, 4)).toThrow(/^gemm\.N: .* got -1$/);
    expect(() => gemm(w, 'tn', c, a, b, 4, 4, 2.5)).toThrow(/^gemm\.K:/);
    expect(() => gemv(w, 'n', c, a, b, 4, 0)).toThrow(/^gemv\.K:/);
    expect(() => axpy(w, c, a, 1, -3)).toThrow(/^axpy\.n:/);
    expect(() => axpy(w, c, a, NaN, 4)).toThrow(/^axpy\.alpha:/);
  });

  it('rejects unknown forms and variants', () => {
    expect(() => gemm(w, 'tt' as GemmForm, c, a, b, 4, 4, 4)).toThrow(/^gemm\.form: expected one of nn, nt, tn, got "tt"$/);
    expect(() => gemm(w, 'nn', c, a, b, 4, 4, 4, { variant: 'fast' as GemmVariant })).toThrow(/^gemm\.variant:/);
  });

  it('rejects pointer ranges outside the memory and misaligned pointers', () => {
    expect(() => gemm(w, 'nn', end - 16, a, b, 4, 4, 4)).toThrow(/^gemm\.c: range \[\d+, \d+\) lies outside the wasm memory/);
    expect(() => gemm(w, 'nn', c, -4, b, 4, 4, 4)).toThrow(/^gemm\.a:/);
    expect(() => gemm(w, 'nn', c, a, end, 4, 4, 4)).toThrow(/^gemm\.b:/);
    expect(() => gemm(w, 'nn', c + 2, a, b, 4, 4, 4)).toThrow(/^gemm\.c: pointer \d+ is not a 4-byte aligned/);
    // a pointer that is not a number is refused as such, not as misaligned (a string of an aligned offset passed %)
    expect(() => gemm(w, 'nn', String(c) as never, a, b, 4, 4, 4)).toThrow(new RegExp(`^gemm\\.c: expected a pointer \\(an integer byte offset\\), got "${c}"$`));
    expect(() => gemm(w, 'nn', c, undefined as never, b, 4, 4, 4)).toThrow(/^gemm\.a: expected a pointer \(an integer byte offset\), got undefined$/);
    expect(() => gemv(w, 't', c, a, end - 4, 4, 4)).toThrow(/^gemv\.x:/);
    expect(() => axpy(w, end - 8, a, 1, 4)).toThrow(/^axpy\.y:/);
  });

  it('rejects an output that overlaps an input', () => {
    expect(() => gemm(w, 'nn', a + 16, a, b, 4, 4, 4)).toThrow(/^gemm\.c: output range .* overlaps gemm\.a/);
  });

  it('rejects a scratch too small for the packed panels', () => {
    const tiny = new Wasm({ scratchBytes: 4096 });
    const p = tiny.allocF32(16);
    const q = tiny.allocF32(16);
    const r = tiny.allocF32(16);
    expect(() => gemm(tiny, 'nn', r, p, q, 4, 4, 4)).toThrow(/^gemm: the instance's scratch of 4096 bytes is below/);
    expect(() => gemm(tiny, 'nn', r, p, q, 4, 4, 4, { variant: 'naive' })).not.toThrow();
  });

  it('gemmArrays checks array lengths', () => {
    expect(() => gemmArrays(w, 'nn', new Float32Array(3), new Float32Array(4), 2, 2, 2)).toThrow(/^gemmArrays\.A\.length: expected M·K = 4, got 3$/);
  });
});

describe('Kernels: the three GEMM forms are the gradients of a feature-major layer', () => {
  it('dW = nt(Xt, dY), dXt = nn(W, dY), db = Σ_b dY match finite differences of the loss', async () => {
    const { Kernels } = await import('../../src/kernels/kernels.js');
    const { softmaxCrossEntropyRef } = await import('../../src/ref/nn.js');
    const [K, N, B] = [5, 3, 4]; // in features, classes, batch
    const Wv = randomF32(K * N, 21);
    const Xv = randomF32(K * B, 22);
    const bv = randomF32(N, 23);
    const labels = Int32Array.from([2, 0, 1, 2]);
    // loss(W, X, b) in f64 with the references: logits[N,B] = Wᵀ·Xt + b
    const loss = (Wd: Float64Array, Xd: Float64Array, bd: Float64Array): number => {
      const logits = new Float64Array(N * B);
      for (let n = 0; n < N; n++) for (let b = 0; b < B; b++) {
        let s = bd[n];
        for (let k = 0; k < K; k++) s += Wd[k * N + n] * Xd[k * B + b];
        logits[n * B + b] = s;
      }
      return softmaxCrossEntropyRef(null, logits, labels, N, B);
    };
    const k = Kernels.create({ scratchBytes: 1 << 20 });
    const w = k.w;
    const [W, X, bias] = [w.allocF32(K * N, Wv), w.allocF32(K * B, Xv), w.allocF32(N, bv)];
    const [Y, dY, dW, dX, db] = [w.allocF32(N * B), w.allocF32(N * B), w.allocF32(K * N), w.allocF32(K * B), w.allocF32(N)];
    const lab = w.allocI32(B, labels);
    k.gemmTN(Y, W, X, N, B, K);
    k.biasAdd(Y, bias, N, B);
    const l = k.softmaxCrossEntropy(dY, Y, lab, N, B);
    k.gemmNT(dW, X, dY, K, N, B);
    k.gemmNN(dX, W, dY, K, B, N);
    k.biasGrad(db, dY, N, B);
    const [Wd, Xd, bd] = [Float64Array.from(Wv), Float64Array.from(Xv), Float64Array.from(bv)];
    expect(l).toBeCloseTo(loss(Wd, Xd, bd), 5);
    const fd = (arr: Float64Array, i: number): number => {
      const h = 1e-6;
      const x0 = arr[i];
      arr[i] = x0 + h;
      const up = loss(Wd, Xd, bd);
      arr[i] = x0 - h;
      const dn = loss(Wd, Xd, bd);
      arr[i] = x0;
      return (up - dn) / (2 * h);
    };
    for (let i = 0; i < K * N; i++) expect(w.f32(dW, K * N)[i], `dW[${i}]`).toBeCloseTo(fd(Wd, i), 5);
    for (let i = 0; i < K * B; i++) expect(w.f32(dX, K * B)[i], `dX[${i}]`).toBeCloseTo(fd(Xd, i), 5);
    for (let i = 0; i < N; i++) expect(w.f32(db, N)[i], `db[${i}]`).toBeCloseTo(fd(bd, i), 5);
  });
});
