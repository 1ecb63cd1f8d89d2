// Sparse kernels equal the dense WASM GEMMs applied to the same matrix with its zeros filled in, in the
// feature-major forms: forward Yt = tn(W, Xt), delta dXt = nn(W, dYt), gradient dW = nt(Xt, dYt) gathered
// at the stream's non-zeros (in stream order).
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { Wasm } from '../../src/wasm/module.js';
import { decodeStream, randomStream, streamPositions, type WeightStream } from '../../src/sparse/stream.js';
import { randomF32 } from '../../src/ref/rng.js';
import { SPMM_REL_TOL, sparseDelta, sparseForward, sparseGrad } from '../../src/kernels/sparse.js';
import { GEMM_REL_TOL, gemmArrays } from '../../src/kernels/dense.js';
import { compareArrays } from '../../src/kernels/compare.js';

/** Both sides carry their own round-off against the exact product: the bound is the sum of the two. */
const TOL = SPMM_REL_TOL + GEMM_REL_TOL;
const w = new Wasm();

function compareWithDense(s: WeightStream, B: number, seed: number): number {
  const { K, N } = s;
  const W = decodeStream(s);
  const Xt = randomF32(K * B, seed);
  const dYt = randomF32(N * B, seed + 1);
  const fwd = compareArrays(sparseForward(w, s, Xt, B), gemmArrays(w, 'tn', W, Xt, N, B, K));
  const scalar = compareArrays(sparseForward(w, s, Xt, B, 'scalar'), gemmArrays(w, 'tn', W, Xt, N, B, K));
  const delta = compareArrays(sparseDelta(w, s, dYt, B), gemmArrays(w, 'nn', W, dYt, K, B, N));
  const dW = gemmArrays(w, 'nt', Xt, dYt, K, N, B);
  const { rows, cols } = streamPositions(s);
  const gathered = Float32Array.from(rows, (k, i) => dW[k * N + cols[i]]);
  const grad = compareArrays(sparseGrad(w, s, Xt, dYt, B), gathered);
  return Math.max(fwd.maxRelError, scalar.maxRelError, delta.maxRelError, grad.maxRelError);
}

describe('sparse kernels equal the dense kernels on the zero-filled matrix', () => {
  const cases: Array<[string, number, number, number, number]> = [
    // name, K, N, B, sparsity
    ['fully_dense', 33, 29, 17, 0],
    ['half', 64, 48, 40, 0.5],
    ['sparse_0_9', 128, 96, 64, 0.9],
    ['sparse_0_99', 200, 150, 32, 0.99],
    ['all_zero', 12, 7, 5, 1],
    ['batch_1', 50, 60, 1, 0.7],
    ['very_wide', 4, 1500, 12, 0.9],
    ['very_tall', 1500, 4, 12, 0.9],
    ['bench_batch', 96, 96, 256, 0.9],
  ];
  for (const [name, K, N, B, sp] of cases) {
    it(`${name} (K=${K} N=${N} B=${B} sparsity=${sp})`, () => {
      expect(compareWithDense(randomStream(K, N, sp, K + N), B, 3)).toBeLessThanOrEqual(TOL);
    });
  }

  it('random shapes, sparsities and seeds (property)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 40 }), fc.integer({ min: 1, max: 40 }), fc.integer({ min: 1, max: 50 }),
        fc.double({ min: 0, max: 1, noNaN: true }), fc.nat(1000),
        (K, N, B, sp, seed) => {
          expect(compareWithDense(randomStream(K, N, sp, seed), B, seed)).toBeLessThanOrEqual(TOL);
        },
      ),
      { numRuns: 40 },
    );
  });
});
