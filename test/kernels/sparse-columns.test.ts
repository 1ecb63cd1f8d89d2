// The output-major sparse forward (assembly/sparse/spmm-fwd-col-simd.ts, from the column layout of
// src/sparse/stream.ts): bit for bit the AXPY forward's result, and its reference bit for bit the AXPY one's (each output summed over rows ascending, from
// 0 or from Yt), with and without scratch to pack batch tiles into, on shapes that cross every chunk width
// (24, 16, 4, 1 floats) and several batch tiles; and the facade's refusals.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { Wasm } from '../../src/wasm/module.js';
import { randomStream } from '../../src/sparse/stream.js';
import { randomF32 } from '../../src/ref/rng.js';
import { spmmForwardColRef, spmmForwardRef } from '../../src/ref/sparse.js';
import { transposeStream } from '../../src/sparse/stream.js';
import { SPMM_REL_TOL, putColumnStream, putStream, spmmForward, spmmForwardColumns, spmmForwardColumnsScratchBytes } from '../../src/kernels/sparse.js';
import { compareArrays } from '../../src/kernels/compare.js';

const bitsOf = (a: Float32Array): number[] => Array.from(new Uint32Array(a.buffer, a.byteOffset, a.length));

/** Runs both forwards (and both references) on one case; returns [col, axpy, colRef, rowRef] outputs. */
function run(w: Wasm, K: number, N: number, B: number, sparsity: number, seed: number, accumulate: boolean): Float32Array[] {
  const s = randomStream(K, N, sparsity, seed);
  const mark = w.arena.mark();
  try {
    const Xt = randomF32(K * B, seed + 1);
    const Y0 = randomF32(N * B, seed + 2);
    const x = w.allocF32(K * B, Xt);
    const yc = w.allocF32(N * B, Y0);
    const ya = w.allocF32(N * B, Y0);
    spmmForwardColumns(w, yc, x, putColumnStream(w, s), B, { accumulate });
    spmmForward(w, ya, x, putStream(w, s), B, { accumulate });
    const rc = Y0.slice();
    const ra = Y0.slice();
    spmmForwardColRef(rc, Xt, transposeStream(s).words, K, N, B, accumulate);
    spmmForwardRef(ra, Xt, s.words, K, N, B, accumulate);
    return [w.f32(yc, N * B).slice(), w.f32(ya, N * B).slice(), rc, ra];
  } finally {
    w.arena.release(mark);
  }
}

describe('output-major sparse forward', () => {
  const withScratch = new Wasm({ scratchBytes: 1 << 20 });
  const noScratch = new Wasm({ scratchBytes: 0 });
  const tiny = new Wasm({ scratchBytes: 4096 }); // too small for K x 96 bytes at K > 42: gathers in place

  for (const [name, w] of [['packed tiles', withScratch], ['no scratch', noScratch], ['scratch too small', tiny]] as const) {
    it(`${name}: bit for bit the AXPY forward and both references, overwrite and accumulate`, () => {
      // B: 1 (scalar only), 7, 16, 24, 40 (24 + 16), 45, 256 (several tiles at K = 1100), 97
      for (const [K, N, B, sp] of [[5, 4, 1, 0.5], [9, 7, 7, 0.3], [30, 20, 16, 0.8], [12, 33, 24, 0.6], [64, 8, 40, 0.9], [17, 13, 45, 0], [1100, 9, 256, 0.95], [50, 50, 97, 0.99]] as const) {
        for (const acc of [false, true]) {
          const [col, axpy, rc, ra] = run(w, K, N, B, sp, K + N + B, acc);
          const at = `K=${K} N=${N} B=${B} sparsity=${sp} accumulate=${acc}`;
          expect(bitsOf(col), at).toEqual(bitsOf(axpy));
          expect(bitsOf(rc), at).toEqual(bitsOf(ra));
          expect(compareArrays(col, rc).maxRelError, at).toBeLessThanOrEqual(SPMM_REL_TOL); // the references round each product in f64
        }
      }
    });
  }

  it('random shapes (property): bit for bit the AXPY forward', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 300 }), fc.integer({ min: 1, max: 40 }), fc.integer({ min: 1, max: 130 }),
        fc.double({ min: 0, max: 1, noNaN: true }), fc.nat(1000), fc.boolean(),
        (K, N, B, sp, seed, acc) => {
          const [col, axpy] = run(withScratch, K, N, B, sp, seed, acc);
          expect(bitsOf(col)).toEqual(bitsOf(axpy));
        },
      ),
      { numRuns: 60 },
    );
  });

  it('asks for K x a tile of whole 24-float chunks (or the whole row) of scratch', () => {
    expect(spmmForwardColumnsScratchBytes(withScratch, 1024, 256)).toBe(1024 * 192);
    expect(spmmForwardColumnsScratchBytes(withScratch, 10, 5)).toBe(10 * 20);
    expect(spmmForwardColumnsScratchBytes(withScratch, 100000, 256)).toBe(100000 * 96);
  });

  it('refuses a bad stream or sizes by name', () => {
    const w = withScratch;
    const s = randomStream(6, 5, 0.5, 3);
    const mark = w.arena.mark();
    const sr = putColumnStream(w, s);
    const x = w.allocF32(6 * 4);
    const y = w.allocF32(5 * 4);
    expect(() => spmmForwardColumns(w, y, x, sr, 0)).toThrow(/^spmmForwardColumns\.B: expected an integer >= 1, got 0/);
    expect(() => spmmForwardColumns(w, x, x, sr, 4)).toThrow(/^spmmForwardColumns\.y: output range .* overlaps spmmForwardColumns\.x/);
    w.u32(sr.ptr + 4, 1)[0] = 6; // the first pair's row delta of column 0 → row 6 of a 6-row matrix
    expect(() => spmmForwardColumns(w, y, x, sr, 4)).toThrow(/^spmmForwardColumns\.stream\[1\] \(row 0, entry 0, column delta\): expected a column < N = 6/);
    w.arena.release(mark);
  });
});
