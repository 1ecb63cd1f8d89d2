// The weight stream format (src/sparse/stream.ts): encode/decode round trips, the worked example of
// docs/sparse.md word for word, exact-count seeded masks, and validation errors that name row and position.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  decodeStream, encodeStream, forEachNonZero, maskZeros, randomMask, randomStream, rowCounts, streamBytes,
  rowOffsets, rowRange, setValues, streamMask, streamPositions, streamValues, validateStream, withValues, wrapStream,
} from '../../src/sparse/stream.js';
import { ValidationError } from '../../src/errors.js';

const f32bits = (v: number): number => new Uint32Array(new Float32Array([v]).buffer)[0];

describe('weight stream format', () => {
  it('encodes the worked example of docs/sparse.md word for word', () => {
    // W [3, 4]: row 0 has columns 1 and 3, row 1 is empty, row 2 has column 0 and 2.
    const W = new Float32Array([0, 0.5, 0, -2, 0, 0, 0, 0, 1.5, 0, 3, 0]);
    const s = encodeStream(W, 3, 4);
    expect(s.nnz).toBe(4);
    expect(Array.from(s.words)).toEqual([2, 1, f32bits(0.5), 2, f32bits(-2), 0, 2, 0, f32bits(1.5), 2, f32bits(3)]);
    expect(s.words.length).toBe(3 + 2 * 4);
    expect(streamBytes(3, 4)).toBe(44);
    expect(Array.from(rowCounts(s))).toEqual([2, 0, 2]);
    expect(Array.from(decodeStream(s))).toEqual(Array.from(W));
    const { rows, cols } = streamPositions(s);
    expect(Array.from(rows)).toEqual([0, 0, 2, 2]);
    expect(Array.from(cols)).toEqual([1, 3, 0, 2]);
    expect(Array.from(streamValues(s))).toEqual([0.5, -2, 1.5, 3]);
  });

  it('the mask decides the positions: masked-out weights are dropped, a kept 0 keeps its slot', () => {
    const W = new Float32Array([1, 2, 0, 4]);
    const s = encodeStream(W, 2, 2, new Uint8Array([1, 0, 1, 1]));
    expect(s.nnz).toBe(3); // 2 is masked out; the kept 0 at (1, 0) stays
    expect(Array.from(streamPositions(s).cols)).toEqual([0, 0, 1]);
    expect(Array.from(decodeStream(s))).toEqual([1, 0, 0, 4]);
    expect(Array.from(streamMask(s))).toEqual([1, 0, 1, 1]);
    // Without a mask the non-zeros of W are the positions.
    expect(encodeStream(W, 2, 2).nnz).toBe(3);
    expect(Array.from(streamPositions(encodeStream(W, 2, 2)).cols)).toEqual([0, 1, 1]);
  });

  it('round-trips random matrices and masks (property)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 40 }), fc.integer({ min: 1, max: 40 }), fc.double({ min: 0, max: 1, noNaN: true }), fc.nat(), (K, N, sp, seed) => {
        const s = randomStream(K, N, sp, seed);
        expect(s.words.length).toBe(K + 2 * s.nnz);
        expect(s.nnz).toBe(K * N - maskZeros(K, N, sp));
        expect(validateStream(s.words, K, N)).toBe(s.nnz);
        const W = decodeStream(s);
        const again = encodeStream(W, K, N);
        expect(Array.from(again.words)).toEqual(Array.from(s.words));
        expect(Array.from(streamMask(s)).reduce((a, b) => a + b, 0)).toBe(s.nnz);
        let i = 0;
        forEachNonZero(s, (k, n, v, j) => {
          expect(j).toBe(i++);
          expect(W[k * N + n]).toBe(v);
          expect(v).not.toBe(0); // random values are never exactly 0
        });
        expect(wrapStream(s.words, K, N).nnz).toBe(s.nnz);
      }),
      { numRuns: 60 },
    );
  });

  it('with a mask, the stream holds exactly the positions of the mask whatever the values (property)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 30 }), fc.integer({ min: 1, max: 30 }), fc.double({ min: 0, max: 1, noNaN: true }), fc.nat(), (K, N, sp, seed) => {
        const mask = randomMask(K, N, sp, seed);
        const W = new Float32Array(K * N).map((_, i) => (i % 3 === 0 ? 0 : i + 0.5)); // some kept values are 0
        const s = encodeStream(W, K, N, mask);
        expect(Array.from(streamMask(s))).toEqual(Array.from(mask));
        expect(Array.from(decodeStream(s))).toEqual(Array.from(W.map((v, i) => (mask[i] ? v : 0))));
      }),
      { numRuns: 40 },
    );
  });

  it('seeded masks have exactly round(s·K·N) zeros, are reproducible, and spread uniformly', () => {
    for (const [K, N, s] of [[7, 9, 0.5], [1, 1, 0], [1, 1, 1], [100, 100, 0.99], [33, 17, 0.333]] as const) {
      const m = randomMask(K, N, s, 42);
      const zeros = m.length - m.reduce((a, b) => a + b, 0);
      expect(zeros).toBe(Math.round(s * K * N));
      expect(Array.from(randomMask(K, N, s, 42))).toEqual(Array.from(m));
    }
    expect(Array.from(randomMask(20, 20, 0.5, 1))).not.toEqual(Array.from(randomMask(20, 20, 0.5, 2)));
    // Uniform: over many seeds each position of a 4x4 mask at sparsity 0.75 is kept about 1/4 of the time.
    const hits = new Array<number>(16).fill(0);
    const trials = 4000;
    for (let seed = 0; seed < trials; seed++) randomMask(4, 4, 0.75, seed).forEach((v, i) => (hits[i] += v));
    for (const h of hits) expect(Math.abs(h / trials - 0.25)).toBeLessThan(0.035); // ~5 standard deviations
  });

  it('rowRange is a zero-copy stream of consecutive rows; rowOffsets locate each row', () => {
    const s = randomStream(12, 9, 0.6, 8);
    const W = decodeStream(s);
    const off = rowOffsets(s);
    expect(off[0]).toBe(0);
    expect(off[12]).toBe(s.words.length);
    for (const [k0, k1] of [[0, 12], [0, 1], [3, 7], [11, 12]]) {
      const r = rowRange(s, k0, k1);
      expect(r.words.buffer).toBe(s.words.buffer);
      expect(validateStream(r.words, k1 - k0, 9)).toBe(r.nnz);
      expect(Array.from(decodeStream(r))).toEqual(Array.from(W.subarray(k0 * 9, k1 * 9)));
    }
    expect(() => rowRange(s, 5, 5)).toThrow(/^rowRange\.k1: expected an integer in \[6, 12\], got 5/);
    expect(() => rowRange(s, -1, 2)).toThrow(/^rowRange\.k0:/);
  });

  it('withValues replaces the values in stream order and keeps the positions', () => {
    const s = randomStream(5, 6, 0.5, 3);
    const v = new Float32Array(s.nnz).map((_, i) => i + 1);
    const t = withValues(s, v);
    expect(Array.from(streamValues(t))).toEqual(Array.from(v));
    expect(Array.from(streamPositions(t).cols)).toEqual(Array.from(streamPositions(s).cols));
    expect(() => withValues(s, new Float32Array(s.nnz + 1))).toThrow(/withValues\.values\.length: expected nnz/);
    setValues(s, v);
    expect(Array.from(s.words)).toEqual(Array.from(t.words));
    expect(() => setValues(s, [1])).toThrow(/setValues\.values\.length: expected nnz/);
  });
});

describe('weight stream validation', () => {
  const good = encodeStream(new Float32Array([0, 0.5, 0, -2, 0, 0, 0, 0, 1.5, 0, 3, 0]), 3, 4).words;
  const bad = (edit: (w: Uint32Array) => Uint32Array): Uint32Array => edit(good.slice());

  it('accepts the good stream', () => {
    expect(validateStream(good, 3, 4)).toBe(4);
  });

  it('a column that leaves the matrix names row, entry and word', () => {
    const w = bad((x) => ((x[3] = 3), x)); // row 0, entry 1: 1 + 3 = column 4 >= N
    expect(() => validateStream(w, 3, 4)).toThrow(ValidationError);
    expect(() => validateStream(w, 3, 4)).toThrow('stream[3] (row 0, entry 1, column delta): expected a column < N = 4, the delta leads to column 4, got 3');
    const first = bad((x) => ((x[7] = 9), x)); // row 2's first delta 9
    expect(() => validateStream(first, 3, 4)).toThrow(/^stream\[7\] \(row 2, entry 0, column delta\)/);
  });

  it('a repeated column, a count past the end, a count > N and leftover words are refused', () => {
    expect(() => validateStream(bad((x) => ((x[3] = 0), x)), 3, 4)).toThrow(/row 0, entry 1.*strictly increase; column 1 repeats/);
    expect(() => validateStream(bad((x) => ((x[6] = 3), x)), 3, 4)).toThrow(/^stream\[6\] \(row 2 count\): expected a count whose 3 pairs fit in the 4 words left, got 3/);
    expect(() => validateStream(bad((x) => ((x[0] = 7), x)), 3, 4)).toThrow(/^stream\[0\] \(row 0 count\): expected a count <= N = 4, got 7/);
    const longer = new Uint32Array(good.length + 1);
    longer.set(good);
    expect(() => validateStream(longer, 3, 4)).toThrow(/^stream\.length: expected 11 words/);
    expect(() => validateStream(good.subarray(0, 5), 3, 4)).toThrow(/row 0 count|row 1 count|row 2 count/);
    expect(() => validateStream(good, 0, 4)).toThrow(/^stream\.K: expected an integer >= 1, got 0/);
    expect(() => validateStream(good, 3, -1)).toThrow(/^stream\.N:/);
  });

  it('encode and mask inputs are checked', () => {
    expect(() => encodeStream(new Float32Array(5), 2, 3)).toThrow(/encodeStream\.W\.length: expected K·N = 6, got 5/);
    expect(() => encodeStream(new Float32Array(6), 2, 3, new Uint8Array(2))).toThrow(/encodeStream\.mask\.length/);
    expect(() => randomMask(2, 2, 1.5, 0)).toThrow(/randomMask\.sparsity/);
    expect(() => randomMask(2, 2, NaN, 0)).toThrow(/randomMask\.sparsity/);
  });
});
