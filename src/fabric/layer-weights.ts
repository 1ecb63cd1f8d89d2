// A layer's weights as a fabric run reads them: in row order, whole or by rows. The column streams
// (streams.ts) and the check (check.ts) each read them once, in ascending rows, so a layer need not be held
// whole: yours (a WeightStream) is read through views; a seeded one is made by the module
// (seeded-weights.ts) once and held where its stream fits one WebAssembly memory, and made again by rows on
// each read past that (a dense GPT-3 MLP layer: 604 M weights, a 4.8 GB stream, a few seconds a read).
//
// Legend: K, N = W's rows (input features) and columns; a row range [k0, k1) is itself a stream of
// k1 − k0 rows (its count words and (delta, value) pairs, as src/sparse/stream.ts writes them).
import { f32View, rowOffsets, type WeightStream } from '../sparse/stream.js';

/** Rows [k, k1) of the layer, k the previous call's k1 (from 0); the words are valid until the next call. */
export type RowReader = (k1: number) => WeightStream;

export interface LayerWeights {
  readonly K: number;
  readonly N: number;
  readonly nnz: number;
  /** The whole stream where it is held (made on the first call); null where it is read by rows only. */
  whole(): WeightStream | null;
  /** A reader of successive row ranges, each at most `maxRows` rows. */
  rows(maxRows: number): RowReader;
  /** Rows a reader should ask for at a time where the caller may choose (K when held: one range, no copy). */
  chunkRows(): number;
}

/** Words a row-range reader of a layer not held may make at a time (64 MB). */
export const ROW_CHUNK_WORDS = 2 ** 24;

/** Is it a LayerWeights (not a plain WeightStream)? */
export function isLayerWeights(w: WeightStream | LayerWeights): w is LayerWeights {
  return typeof (w as LayerWeights).rows === 'function';
}

/** Your weights, read through views of the stream (no copy). */
export function heldWeights(ws: WeightStream): LayerWeights {
  let off: Uint32Array | null = null;
  return {
    K: ws.K, N: ws.N, nnz: ws.nnz,
    whole: () => ws,
    chunkRows: () => ws.K,
    rows: () => {
      const o = (off ??= rowOffsets(ws));
      let k = 0;
      // not rowRange: a reader may be asked for no rows (a column with no input features), which rowRange refuses
      return (k1) => {
        const words = ws.words.subarray(o[k], o[k1]);
        const sub = { K: k1 - k, N: ws.N, nnz: (o[k1] - o[k] - (k1 - k)) / 2, words, values: f32View(words) };
        k = k1;
        return sub;
      };
    },
  };
}

/** Rows that fit ROW_CHUNK_WORDS at most (one at least) of a layer of N columns. */
export function rowsPerChunk(N: number): number {
  return Math.max(1, Math.floor(ROW_CHUNK_WORDS / (1 + 2 * N)));
}
