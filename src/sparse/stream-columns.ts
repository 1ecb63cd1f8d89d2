// The weight stream's COLUMN layout (output-major), part of the one owner of the format (stream.ts, which
// re-exports it): for each output column n = 0 .. N-1, c_n, then c_n pairs (row delta, value) with rows
// ascending, i.e. word for word the row layout of Wᵀ [N, K], N + 2·nnz words. The forward kernel reads it
// so that an output row accumulates in registers.
//
// Legend: K = input features (rows of W), N = output features (columns of W), nnz = non-zero weights.
import { checkShape, f32View, forEachEntry, type WeightStream } from './stream.js';

import { requireObject } from '../errors.js';
/** Words of a column-layout stream of a matrix with N columns holding `nnz` non-zeros. */
export function columnStreamWords(N: number, nnz: number): number {
  return N + 2 * nnz;
}

/** A column-layout skeleton and, for the i-th non-zero in ROW (stream) order, the word index of its value in it. */
export interface ColumnSkeleton {
  /** N + 2·nnz words: per column a count, then (row delta, value) pairs; value words 0. */
  words: Uint32Array;
  /** nnz word indices: valueAt[i] = where the i-th row-order value goes. */
  valueAt: Uint32Array;
}

/**
 * The column layout of the row-layout stream `words` of a K x N matrix (values left 0), with where each
 * row-order value lands. One pass to count the columns, one to place the entries (rows ascending per
 * column, because the row layout visits rows in order).
 */
export function columnSkeleton(words: Uint32Array, K: number, N: number): ColumnSkeleton {
  checkShape('columnSkeleton', K, N);
  const counts = new Uint32Array(N);
  let nnz = 0;
  forEachEntry(words, K, (_k, n) => {
    counts[n]++;
    nnz++;
  });
  const out = new Uint32Array(columnStreamWords(N, nnz));
  const next = new Uint32Array(N); // word index of column n's next pair
  const prevRow = new Uint32Array(N); // row of column n's last placed entry (0 before any)
  let at = 0;
  for (let n = 0; n < N; n++) {
    out[at] = counts[n];
    next[n] = at + 1;
    at += 1 + 2 * counts[n];
  }
  const valueAt = new Uint32Array(nnz);
  forEachEntry(words, K, (k, n, _at, i) => {
    const q = next[n];
    out[q] = k - prevRow[n]; // the first delta of a column is relative to row 0: prevRow starts at 0
    prevRow[n] = k;
    valueAt[i] = q + 1;
    next[n] = q + 2;
  });
  return { words: out, valueAt };
}

/** The column layout of a stream, as the row-layout stream of Wᵀ [N, K] (a WeightStream of shape N x K). */
export function transposeStream(s: WeightStream): WeightStream {
  requireObject('stream', s);
  const col = columnSkeleton(s.words, s.K, s.N);
  const vals = f32View(col.words);
  forEachEntry(s.words, s.K, (_k, _n, at, i) => {
    vals[col.valueAt[i]] = s.values[at];
  });
  return { K: s.N, N: s.K, nnz: s.nnz, words: col.words, values: vals };
}

/**
 * Writes a column-layout stream into `out` (a Float32Array view, e.g. of a wire block): the skeleton's
 * counts and deltas, with values[offset .. offset + nnz) (ROW order, as a master block holds them) at
 * their places. out has ≥ col.words.length words.
 */
export function fillColumnStream(col: ColumnSkeleton, values: ArrayLike<number>, offset: number, out: Float32Array): void {
  new Uint32Array(out.buffer, out.byteOffset, col.words.length).set(col.words);
  const idx = col.valueAt;
  for (let i = 0; i < idx.length; i++) out[idx[i]] = values[offset + i];
}
