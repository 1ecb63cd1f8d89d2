// The mesh computes real numbers: for every pass, random shapes, meshes (larger than the matrix too),
// sparsities and seeds give the reference kernels' result (src/ref/sparse.ts) within the f32 summation
// bound (errorBoundRatio <= 1: |mesh - ref| <= 2·(n + 2)·2^-24·Σ|terms| per element), and named edge cases.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { runFabric, type FabricRunOptions } from '../../src/fabric/run.js';
import { gemmRef } from '../../src/ref/dense.js';
import { decodeStream, randomStream, randomValues } from '../../src/sparse/stream.js';

const passes = ['forward', 'delta', 'gradient'] as const;

function check(o: FabricRunOptions) {
  const run = runFabric(o);
  expect(run.result.errorBoundRatio, JSON.stringify(o)).toBeLessThanOrEqual(1);
  return run;
}

describe('fabric: real numbers', () => {
  for (const pass of passes) {
    it(`${pass}: random shapes, meshes, sparsities and seeds match the reference`, () => {
      fc.assert(
        fc.property(
          fc.record({
            rows: fc.integer({ min: 1, max: 7 }),
            cols: fc.integer({ min: 1, max: 9 }),
            batch: fc.integer({ min: 1, max: 29 }),
            in: fc.integer({ min: 1, max: 23 }),
            out: fc.integer({ min: 1, max: 23 }),
            sparsity: fc.oneof(fc.constant(0), fc.double({ min: 0, max: 1, noNaN: true })),
            seed: fc.integer({ min: 0, max: 1000 }),
          }),
          (o) => {
            const { result } = check({ ...o, pass });
            expect(result.fmacs).toBe(result.weightsStreamed * o.batch);
            expect(result.weightsStreamed + result.zeroWeightsSkipped).toBe(o.in * o.out);
          },
        ),
        { numRuns: 40, seed: 5 },
      );
    });
  }

  it('forward equals a dense GEMM (tn form) of the decoded weights', () => {
    const [B, K, N] = [13, 17, 11];
    const ws = randomStream(K, N, 0.3, 9);
    const xt = randomValues(K * B, 4);
    const { output } = check({ rows: 3, cols: 4, batch: B, in: K, out: N, weights: ws, xt });
    const y = new Float32Array(N * B);
    gemmRef('tn', y, decodeStream(ws), xt, N, B, K);
    for (let i = 0; i < y.length; i++) expect(Math.abs(output[i] - y[i])).toBeLessThan(1e-5);
  });

  const edges: Array<[string, Partial<FabricRunOptions>]> = [
    ['mesh_1x1', { rows: 1, cols: 1, batch: 7, in: 5, out: 3 }],
    ['one_row', { rows: 1, cols: 6, batch: 9, in: 14, out: 10 }],
    ['one_col', { rows: 6, cols: 1, batch: 9, in: 14, out: 10 }],
    ['mesh_gt_matrix', { rows: 12, cols: 20, batch: 5, in: 3, out: 4 }],
    ['k_lt_cols_lt_n', { rows: 3, cols: 8, batch: 6, in: 3, out: 13 }],
    ['n_lt_cols_lt_k', { rows: 3, cols: 8, batch: 6, in: 13, out: 3 }],
    ['uneven_everything', { rows: 5, cols: 7, batch: 23, in: 31, out: 29 }],
    ['batch_1', { rows: 4, cols: 4, batch: 1, in: 9, out: 9 }],
    ['all_zero_weights', { rows: 3, cols: 3, batch: 8, in: 6, out: 6, sparsity: 1 }],
    ['one_nonzero', { rows: 3, cols: 3, batch: 8, in: 6, out: 6, sparsity: 35 / 36 }],
  ];
  for (const [name, o] of edges) {
    it(`edge case ${name}: every pass`, () => {
      for (const pass of passes) {
        const { result, output } = check({ seed: 2, ...o, pass } as FabricRunOptions);
        if (o.sparsity === 1) {
          expect(result.fmacs).toBe(0);
          expect(output.every((v) => v === 0)).toBe(true);
        }
      }
    });
  }

  it('is deterministic: the same inputs give the same cycles and bits', () => {
    const o = { rows: 4, cols: 5, batch: 19, in: 21, out: 17, sparsity: 0.6, seed: 8, pass: 'delta' as const };
    const a = runFabric(o);
    const b = runFabric(o);
    expect(b.result.cycles).toBe(a.result.cycles);
    expect(Array.from(b.output)).toEqual(Array.from(a.output));
    expect(Array.from(b.busy)).toEqual(Array.from(a.busy));
  });

  it('accounts every core-cycle: streaming + computing + reducing + waiting = R·C·cycles', () => {
    const { result: r } = runFabric({ rows: 5, cols: 6, batch: 20, in: 30, out: 12, sparsity: 0.4, seed: 1 });
    const b = r.breakdownCoreCycles;
    expect(b.streaming + b.computing + b.reducing + b.waiting).toBe(r.rows * r.cols * r.cycles);
    expect(b.waiting).toBeGreaterThanOrEqual(0);
    expect(r.coreUtilization).toBeCloseTo(r.breakdown.computing, 12);
    expect(r.linkUtilization).toBeGreaterThan(0);
    expect(r.linkUtilization).toBeLessThanOrEqual(1);
  });

  it('rejects bad input naming the field', () => {
    expect(() => runFabric({ rows: 0, cols: 2, batch: 2, in: 2, out: 2 })).toThrow(/rows/);
    expect(() => runFabric({ rows: 2, cols: 2, batch: 2, in: 2, out: 2, sparsity: 1.5 })).toThrow(/sparsity/);
    expect(() => runFabric({ rows: 2, cols: 2, batch: 2, in: 2, out: 2, pass: 'sideways' as never })).toThrow(/pass/);
    expect(() => runFabric({ rows: 2, cols: 2, batch: 2, in: 2, out: 2, machine: { routerQueueWavelets: 3 } })).toThrow(/routerQueueWavelets/);
  });
});
