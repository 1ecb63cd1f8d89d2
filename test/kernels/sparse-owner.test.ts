// The one owner of the weight-stream format (src/sparse/stream.ts): skeleton → fill → read round trips,
// the row and entry walkers, the cursor and the writer, each against a plain reference written here
// straight from the format's definition (docs/sparse.md), on edge shapes by name.
import { describe, expect, it } from 'vitest';
import {
  StreamReader, StreamWriter, columnSkeleton, columnStreamWords, encodeSkeleton, encodeStream, fillColumnStream, fillStream,
  forEachEntry, forEachRow, randomMask, randomValues, setValues, streamValues, transposeStream, validateStream, valueWordIndex,
  type WeightStream,
} from '../../src/sparse/stream.js';
import { structureFromMask } from '../../src/model/compile.js';

const bits = (v: number): number => new Uint32Array(new Float32Array([v]).buffer)[0];

/** The format by definition: per row, the count, then (column − previous column, value bits) per kept entry. */
function referenceWords(mask: ArrayLike<number>, values: ArrayLike<number>, K: number, N: number): number[] {
  const out: number[] = [];
  let i = 0;
  for (let k = 0; k < K; k++) {
    const cols: number[] = [];
    for (let n = 0; n < N; n++) if (mask[k * N + n]) cols.push(n);
    out.push(cols.length);
    cols.forEach((n, j) => out.push(n - (j === 0 ? 0 : cols[j - 1]), bits(values[i++])));
  }
  return out;
}

/**
 * The column layout by definition: per output column n, the count, then (row − previous row, value bits) per
 * kept entry, rows ascending; `values` are in ROW order (the i-th kept entry scanning rows, then columns).
 */
function referenceColumnWords(mask: ArrayLike<number>, values: ArrayLike<number>, K: number, N: number): number[] {
  const valueOf = new Map<number, number>();
  let i = 0;
  for (let p = 0; p < K * N; p++) if (mask[p]) valueOf.set(p, values[i++]);
  const out: number[] = [];
  for (let n = 0; n < N; n++) {
    const rows: number[] = [];
    for (let k = 0; k < K; k++) if (mask[k * N + n]) rows.push(k);
    out.push(rows.length);
    rows.forEach((k, j) => out.push(k - (j === 0 ? 0 : rows[j - 1]), bits(valueOf.get(k * N + n)!)));
  }
  return out;
}

/** Named edge shapes: [name, K, N, mask]. */
function shapes(): Array<[string, number, number, Uint8Array]> {
  const emptyRows = new Uint8Array(5 * 4);
  emptyRows.set([0, 1, 0, 1], 4); // rows 0, 2, 3, 4 empty
  const lastOnly = new Uint8Array(3 * 7);
  lastOnly[3 * 7 - 1] = 1;
  return [
    ['empty_rows', 5, 4, emptyRows],
    ['one_column', 6, 1, Uint8Array.from([1, 0, 1, 1, 0, 1])],
    ['one_row', 1, 9, Uint8Array.from([0, 1, 1, 0, 0, 0, 1, 0, 1])],
    ['all_kept', 4, 5, new Uint8Array(20).fill(1)],
    ['none_kept', 3, 3, new Uint8Array(9)],
    ['last_entry_only', 3, 7, lastOnly],
    ['one_by_one', 1, 1, Uint8Array.from([1])],
    ['random_90pc', 17, 23, randomMask(17, 23, 0.9, 5)],
    ['random_30pc', 16, 16, randomMask(16, 16, 0.3, 6)],
  ];
}

describe('the weight stream has one owner: skeleton, fill, read', () => {
  for (const [name, K, N, mask] of shapes()) {
    it(`${name}: encodeSkeleton → fillStream → streamValues equals the reference (K=${K}, N=${N})`, () => {
      const nnz = mask.reduce((s, m) => s + m, 0);
      const values = randomValues(nnz, K * 31 + N);
      const skel = encodeSkeleton(mask, K, N);
      expect(skel.nnz).toBe(nnz);
      expect(Array.from(skel.words)).toEqual(referenceWords(mask, new Float32Array(nnz), K, N));
      // fill from a master block at an offset, into a wire view at an offset (as packWire does)
      const master = new Float32Array(3 + nnz);
      master.set(values, 3);
      const wire = new Float32Array(2 + skel.words.length + 1);
      fillStream(skel.words, master, 3, wire.subarray(2, 2 + skel.words.length));
      const filled = new Uint32Array(wire.buffer, 8, skel.words.length);
      expect(Array.from(filled)).toEqual(referenceWords(mask, values, K, N));
      expect(wire[0]).toBe(0);
      expect(wire[wire.length - 1]).toBe(0);
      const s: WeightStream = { K, N, nnz, words: filled, values: new Float32Array(wire.buffer, 8, filled.length) };
      expect(Array.from(streamValues(s))).toEqual(Array.from(values));
      // the same stream from W and the mask, and from setValues on the skeleton
      const W = new Float32Array(K * N);
      let i = 0;
      for (let p = 0; p < K * N; p++) if (mask[p]) W[p] = values[i++];
      expect(Array.from(encodeStream(W, K, N, mask).words)).toEqual(Array.from(filled));
      setValues(skel, values);
      expect(Array.from(skel.words)).toEqual(Array.from(filled));
      // value word index: each value sits where the index says
      const idx = valueWordIndex(filled, nnz);
      expect(Array.from(idx, (p) => filled[p])).toEqual(Array.from(values, bits));
    });

    it(`${name}: the column layout (columnSkeleton → fillColumnStream, transposeStream) equals the reference`, () => {
      const nnz = mask.reduce((s, m) => s + m, 0);
      const values = randomValues(nnz, K * 17 + N);
      const skel = encodeSkeleton(mask, K, N);
      const col = columnSkeleton(skel.words, K, N);
      expect(col.words.length).toBe(columnStreamWords(N, nnz));
      expect(Array.from(col.words)).toEqual(referenceColumnWords(mask, new Float32Array(nnz), K, N));
      // fill from a master block (row order) at an offset, into a wire view at an offset (as MemoryX does)
      const master = new Float32Array(5 + nnz);
      master.set(values, 5);
      const wire = new Float32Array(1 + col.words.length + 1);
      fillColumnStream(col, master, 5, wire.subarray(1, 1 + col.words.length));
      const filled = new Uint32Array(wire.buffer, 4, col.words.length);
      expect(Array.from(filled)).toEqual(referenceColumnWords(mask, values, K, N));
      expect([wire[0], wire[wire.length - 1]]).toEqual([0, 0]);
      // it is the row layout of Wᵀ: validates as an N x K stream, and transposeStream gives the same words
      expect(validateStream(filled, N, K)).toBe(nnz);
      const W = new Float32Array(K * N);
      let i = 0;
      for (let p = 0; p < K * N; p++) if (mask[p]) W[p] = values[i++];
      const t = transposeStream(encodeStream(W, K, N, mask));
      expect([t.K, t.N, t.nnz]).toEqual([N, K, nnz]);
      expect(Array.from(t.words)).toEqual(Array.from(filled));
      const Wt = new Float32Array(N * K);
      for (let k = 0; k < K; k++) for (let n = 0; n < N; n++) Wt[n * K + k] = W[k * N + n];
      expect(Array.from(encodeStream(Wt, N, K, Uint8Array.from(Wt, (_v, q) => mask[(q % K) * N + Math.floor(q / K)])).words)).toEqual(Array.from(filled));
    });

    it(`${name}: forEachRow, forEachEntry and StreamReader visit what the reference holds`, () => {
      const nnz = mask.reduce((s, m) => s + m, 0);
      const values = randomValues(nnz, 99);
      const words = Uint32Array.from(referenceWords(mask, values, K, N));
      const f32 = new Float32Array(words.buffer);
      const counts: number[] = [];
      const end = forEachRow(words, K, (k, c, at) => {
        expect(k).toBe(counts.length);
        expect(words[at]).toBe(c);
        counts.push(c);
      });
      expect(end).toBe(words.length);
      const expCounts = Array.from({ length: K }, (_, k) => mask.slice(k * N, (k + 1) * N).reduce((s, m) => s + m, 0));
      expect(counts).toEqual(expCounts);
      const seen: Array<[number, number, number]> = [];
      forEachEntry(words, K, (k, n, at, j) => {
        expect(j).toBe(seen.length);
        seen.push([k, n, f32[at]]);
      });
      const expected: Array<[number, number, number]> = [];
      let i = 0;
      for (let k = 0; k < K; k++) for (let n = 0; n < N; n++) if (mask[k * N + n]) expected.push([k, n, values[i++]]);
      expect(seen).toEqual(expected);
      const r = new StreamReader(words);
      const viaReader: Array<[number, number, number]> = [];
      for (let k = 0; k < K; k++) for (let c = r.row(); c > 0; c--) viaReader.push([k, r.next(), r.value()]);
      expect(viaReader).toEqual(expected);
    });
  }

  it('StreamWriter writes value streams and positions-only streams; finish() refuses a short write', () => {
    const w = new StreamWriter(3, 3);
    w.row(); w.push(1, 0.5); w.push(3, -2);
    w.row();
    w.row(); w.push(0, 1.5);
    expect(Array.from(w.finish())).toEqual([2, 1, bits(0.5), 2, bits(-2), 0, 1, 0, bits(1.5)]);
    const p = new StreamWriter(3, 3, false);
    p.row(); p.push(1); p.push(3);
    p.row();
    p.row(); p.push(0);
    expect(Array.from(p.finish())).toEqual([2, 1, 2, 0, 1, 0]);
    const short = new StreamWriter(2, 1);
    short.row();
    expect(() => short.finish()).toThrow(/wrote 1 of 2 rows/);
  });

  it('structureFromMask (model/compile.ts) is the owner\'s skeleton with its positions', () => {
    const [K, N] = [9, 7];
    const mask = randomMask(K, N, 0.6, 11);
    const st = structureFromMask(mask, K, N);
    expect(Array.from(st.template)).toEqual(referenceWords(mask, new Float32Array(st.nnz), K, N));
    const rows: number[] = [];
    const cols: number[] = [];
    for (let k = 0; k < K; k++) for (let n = 0; n < N; n++) if (mask[k * N + n]) { rows.push(k); cols.push(n); }
    expect(Array.from(st.rows)).toEqual(rows);
    expect(Array.from(st.cols)).toEqual(cols);
    expect(() => structureFromMask(new Uint8Array(K * N), K, N, 'layers[0].sparsity')).toThrow(/layers\[0\]\.sparsity/);
  });
});
