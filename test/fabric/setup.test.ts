// The fabric run's set-up: the one-pass seeded weights equal randomStream bit for bit, the per-column
// forward streams equal a plain transpose, the check modes (full, sampled, off, auto) find a wrong
// output where they look, and the memory estimate refuses a run past a limit before allocating.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { checkOutput, resolveCheck, FULL_CHECK_FMACS } from '../../src/fabric/check.js';
import { fabricMachine } from '../../src/fabric/defaults.js';
import { mapLayer, blockStarts } from '../../src/fabric/mapping.js';
import { fabricMemory } from '../../src/fabric/memory.js';
import { runFabric, runFabricAsync } from '../../src/fabric/run.js';
import { columnStreams } from '../../src/fabric/streams.js';
import { fillSeededValues, seededLayerStream, seededValues } from '../../src/fabric/weights.js';
import { seededLayerStreamFast } from '../../src/fabric/seeded-weights.js';
import { heldWeights } from '../../src/fabric/layer-weights.js';
import { CapacityError } from '../../src/errors.js';
import { Wasm } from '../../src/wasm/module.js';
import { decodeStream, encodeStream, randomStream, randomValues } from '../../src/sparse/stream.js';

describe('fabric options', () => {
  it('refuse a misspelt field, of the run or of its machine, on this thread or on threads', async () => {
    const o = { rows: 4, cols: 4, batch: 8, in: 16, out: 16 };
    expect(() => runFabric({ ...o, sparsty: 0.5 } as never)).toThrow(/^sparsty: unknown field for a fabric run \(expected one of rows, cols, /);
    await expect(runFabricAsync({ ...o, threds: 2 } as never)).rejects.toThrow(/^threds: unknown field for a fabric run/);
    expect(() => runFabric({ ...o, machine: 'x' } as never)).toThrow(/^machine: expected an object, got a string/);
    expect(() => runFabric({ ...o, machine: { fmacPerCycle: 8 } } as never)).toThrow(/^machine\.fmacPerCycle: unknown field for the fabric's machine \(expected one of /);
  });
});

describe('fabric set-up', () => {
  it('seededLayerStream equals randomStream (words and values, bit for bit)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 40 }), fc.integer({ min: 1, max: 40 }),
        fc.oneof(fc.constant(0), fc.constant(1), fc.double({ min: 0, max: 1, noNaN: true })), fc.integer({ min: 0, max: 2 ** 31 }),
        (K, N, s, seed) => {
          const a = randomStream(K, N, s, seed);
          const b = seededLayerStream(K, N, s, seed);
          expect(b.nnz).toBe(a.nnz);
          expect(b.words).toEqual(a.words);
        },
      ),
      { numRuns: 100, seed: 3 },
    );
  });

  it("the module's seeded weights (seededLayerStreamFast) are seededLayerStream's, bit for bit, with its progress", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 200 }), fc.integer({ min: 1, max: 90 }),
        fc.oneof(fc.constant(0), fc.constant(1), fc.constant(0.9), fc.constant(0.999), fc.double({ min: 0, max: 1, noNaN: true })), fc.integer({ min: 0, max: 2 ** 32 - 1 }),
        (K, N, s, seed) => {
          const a = seededLayerStream(K, N, s, seed);
          const seen: number[] = [];
          const b = seededLayerStreamFast(K, N, s, seed, (d, t) => seen.push(d / t));
          expect([b.K, b.N, b.nnz]).toEqual([a.K, a.N, a.nnz]);
          expect(b.words).toEqual(a.words); // counts, deltas and the values' f32 bits
          expect(seen[seen.length - 1]).toBe(1);
          expect(seen.every((f, i) => i === 0 || f >= seen[i - 1])).toBe(true);
        },
      ),
      { numRuns: 100, seed: 17 },
    );
    // a few million positions, rows not a multiple of the module's 64 a call
    expect(seededLayerStreamFast(1001, 3001, 0.95, 7).words).toEqual(seededLayerStream(1001, 3001, 0.95, 7).words);
  });

  it('seededValues / fillSeededValues equal randomValues, from any first index (past 2^32 too)', () => {
    const a = randomValues(5000, 77);
    expect(seededValues(5000, 77)).toEqual(a);
    const seg = new Float32Array(100);
    fillSeededValues(seg, 77, 4321);
    expect(seg).toEqual(a.subarray(4321, 4421));
    const far = new Float32Array(3);
    const farther = new Float32Array(1);
    fillSeededValues(far, 9, 2 ** 32 + 5);
    fillSeededValues(farther, 9, 2 ** 32 + 7);
    expect(farther[0]).toBe(far[2]);
  });

  it("the module's SIMD fill (fabricFillSeeded) writes fillSeededValues' bits, on every lane, tail and first index", () => {
    const w = new Wasm();
    const fill = (w.exports as unknown as { fabricFillSeeded(p: number, n: number, seed: number, firstLow: number): void }).fabricFillSeeded;
    const ptr = w.allocF32(5001);
    const same = (n: number, seed: number, first: number) => {
      const want = new Float32Array(n);
      fillSeededValues(want, seed, first);
      w.f32(ptr, 5001).fill(NaN);
      fill(ptr, n, seed >>> 0, first % 2 ** 32);
      expect(new Uint32Array(w.f32(ptr, n).slice().buffer), `n ${n} seed ${seed} first ${first}`).toEqual(new Uint32Array(want.buffer));
      expect(Number.isNaN(w.f32(ptr, 5001)[n]), 'nothing written past n').toBe(true);
    };
    same(5000, 77, 0);
    same(4999, 0xdeadbeef, 4321);
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 67 }), fc.integer({ min: 0, max: 2 ** 32 - 1 }), fc.integer({ min: 0, max: 2 ** 45 }), (n, seed, first) => same(n, seed, first)),
      { numRuns: 200, seed: 5 },
    );
  });

  it('forward column streams: column c holds Wᵀ restricted to its K slice (against a dense transpose)', () => {
    for (const [K, N, C, s] of [[13, 7, 4, 0.5], [40, 33, 6, 0.9], [5, 9, 5, 0], [9, 3, 2, 1]] as const) {
      const ws = randomStream(K, N, s, 7);
      const W = decodeStream(ws);
      const ks = blockStarts(K, C);
      const cs = columnStreams(ws, 'forward', ks, blockStarts(N, C));
      for (let c = 0; c < C; c++) {
        // the expected stream: rows n of Wᵀ[n, k0..k1)
        const kc = ks[c + 1] - ks[c];
        const Wt = new Float32Array(N * kc);
        for (let n = 0; n < N; n++) for (let k = 0; k < kc; k++) Wt[n * kc + k] = W[(ks[c] + k) * N + n];
        const mask = Uint8Array.from({ length: N * kc }, (_, i) => (Wt[i] !== 0 ? 1 : 0));
        expect(cs.words[c]).toEqual(encodeStream(Wt, N, kc, mask).words);
      }
    }
  });

  it('auto checks in full up to FULL_CHECK_FMACS reference multiply-adds, sampled above; bad modes are named', () => {
    expect(resolveCheck(undefined, FULL_CHECK_FMACS / 64, 64)).toBe('full');
    expect(resolveCheck('auto', FULL_CHECK_FMACS / 64 + 1, 64)).toBe('sampled');
    expect(resolveCheck('off', 1e12, 1)).toBe('off');
    expect(() => resolveCheck('some' as never, 1, 1)).toThrow(/check.*some/);
  });

  for (const pass of ['forward', 'delta', 'gradient'] as const) {
    it(`${pass}: sampled and full checks pass the mesh's output and catch a wrong value they cover`, () => {
      const o = { rows: 4, cols: 5, batch: 40, in: 100, out: 90, sparsity: 0.5, seed: 2, pass };
      const full = runFabric({ ...o, check: 'full' });
      const sampled = runFabric({ ...o, check: 'sampled' });
      const off = runFabric({ ...o, check: 'off' });
      expect(full.result.check).toBe('full');
      expect(full.result.checkedOutputs).toBe(full.output.length);
      expect(sampled.result.errorBoundRatio).toBeLessThanOrEqual(1);
      expect(sampled.result.checkedOutputs).toBeGreaterThan(0);
      expect(sampled.result.checkedOutputs).toBeLessThan(full.output.length);
      expect(off.result.maxAbsError).toBeNaN();
      expect(off.result.cycles).toBe(full.result.cycles);
      expect(off.output).toEqual(full.output);
      // a wrong value at index 0 (sampled: batch column 0 / weight row 0 are always covered)
      const ws = randomStream(o.in, o.out, o.sparsity, o.seed);
      const xt = randomValues(o.in * o.batch, o.seed + 101);
      const dyt = randomValues(o.out * o.batch, o.seed + 202);
      const bad = full.output.slice();
      bad[0] += 0.5;
      for (const mode of ['full', 'sampled'] as const) {
        const r = checkOutput(mode, { pass, weights: heldWeights(ws), B: o.batch, xt, dyt, splitTerms: 5 }, bad);
        expect(r.errorBoundRatio, mode).toBeGreaterThan(1);
      }
      // a NaN in a covered output other than the last fails too (a later finite error replaced it as the maximum)
      const nan = full.output.slice();
      nan[0] = NaN;
      for (const mode of ['full', 'sampled'] as const) {
        const r = checkOutput(mode, { pass, weights: heldWeights(ws), B: o.batch, xt, dyt, splitTerms: 5 }, nan);
        expect([r.maxAbsError, r.errorBoundRatio], mode).toEqual([NaN, NaN]);
        expect(r.errorBoundRatio <= 1, mode).toBe(false); // what run.ts and the CLI test
      }
    });
  }

  it('memory: a run past the limit is refused before allocating, naming the mesh and the bytes', () => {
    const o = { rows: 32, cols: 32, batch: 64, in: 256, out: 256 };
    const m = fabricMemory(mapLayer({ B: 64, K: 256, N: 256 }, { rows: 32, cols: 32 }, 'forward', fabricMachine()), fabricMachine(), 256 * 256, 'full');
    expect(m.stateBytesPerCore).toBeGreaterThan(100);
    expect(m.stateBytesPerCore).toBeLessThan(1024);
    expect(() => runFabric({ ...o, memoryLimitBytes: m.totalBytes - 1 })).toThrow(CapacityError);
    expect(() => runFabric({ ...o, memoryLimitBytes: m.totalBytes - 1 })).toThrow(/32x32 mesh.*needs about \d+ bytes.*over the \d+ bytes/);
    // it advises --check off only where the check takes memory (and says how much)
    expect(() => runFabric({ ...o, memoryLimitBytes: m.totalBytes - 1 })).toThrow(new RegExp(`, or --check off \\(${(m.checkBytes / 1e9).toFixed(2)} GB of it\\)$`));
    const off = fabricMemory(mapLayer({ B: 64, K: 256, N: 256 }, { rows: 32, cols: 32 }, 'forward', fabricMachine()), fabricMachine(), 256 * 256, 'off');
    expect(off.checkBytes).toBe(0);
    expect(() => runFabric({ ...o, check: 'off', memoryLimitBytes: off.totalBytes - 1 })).toThrow(/use a smaller layer or mesh$/);
    // the caller's limit is named as such, and a limit that is no number is refused (NaN and 'abc' were no limit)
    expect(() => runFabric({ ...o, memoryLimitBytes: m.totalBytes - 1 })).toThrow(/over the \d+ bytes \([\d.]+ GB\) of memoryLimitBytes: /);
    for (const bad of [NaN, -1, 'abc']) expect(() => runFabric({ ...o, memoryLimitBytes: bad as number })).toThrow(/^memoryLimitBytes: expected a number of bytes >= 0 \(Infinity: no limit\), got /);
    const r = runFabric({ ...o, memoryLimitBytes: m.totalBytes }).result;
    expect(runFabric({ ...o, memoryLimitBytes: Infinity }).result.cycles).toBe(r.cycles); // no limit
    // the estimate of the simulator's memory is what it allocated (within the 64 KiB page rounding)
    expect(Math.abs(r.memoryBytes - r.memoryEstimate.wasmBytes)).toBeLessThan(65536);
  });

  it('memory: the full WSE-2 mesh (1000 x 850) stays under 4 GB on the bench wafer layer', () => {
    const m = fabricMachine();
    const map = mapLayer({ B: 1000, K: 1700, N: 850 }, { rows: 1000, cols: 850 }, 'forward', m);
    const mem = fabricMemory(map, m, Math.round(0.1 * 1700 * 850), 'full');
    expect(mem.totalBytes).toBeLessThan(4e9);
    expect(mem.stateBytesPerCore * 850_000).toBeLessThan(1e9);
  });
});
