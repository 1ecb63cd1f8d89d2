// The mesh edge: turns a layer's weight stream (src/sparse/stream.ts, K-major, non-zeros only) into the
// per-column streams each pass feeds in at the north edge. Zeros never appear (the stream has none).
//
// Legend: K, N = W's rows (input features) and columns (output features); Cu = used columns;
// [k0, k1) / [n0, n1) = a column's K / N slice; nnz_c = non-zeros that meet column c's slice.
// A column stream has the project's stream format over the column's sub-matrix, output-major:
//   forward  (outputs n over Wᵀ): per n: count, then (delta of local k, value) pairs  -> N + 2·nnz_c words
//   delta    (outputs k over W):  per k: count, then (delta of local n, value) pairs  -> K + 2·nnz_c words
//   gradient (rows k over W):     per k: count, then deltas of local n (no values)   -> K + nnz_c words
import { StreamReader, StreamWriter, forEachEntry, type WeightStream } from '../sparse/stream.js';
import { heldWeights, isLayerWeights, type LayerWeights } from './layer-weights.js';
import type { FabricPass } from './mapping.js';

export interface ColumnStreams {
  /** One stream per used column. */
  words: Uint32Array[];
  /** Non-zeros per used column. */
  nnz: Uint32Array;
  /** Gradient pass: for each column, the global stream index of its i-th non-zero. */
  order?: Uint32Array[];
}

/** Which column owns each of `n` features given block starts. */
function ownerTable(n: number, starts: Uint32Array): Uint32Array {
  const t = new Uint32Array(n);
  for (let c = 0; c + 1 < starts.length; c++) t.fill(c, starts[c], starts[c + 1]);
  return t;
}

/** Per-column streams for `pass`; kStarts / nStarts are the column blocks of K and N (the weights read once or twice, in row order). */
export function columnStreams(weights: WeightStream | LayerWeights, pass: FabricPass, kStarts: Uint32Array, nStarts: Uint32Array, progress?: (fraction: number) => void): ColumnStreams {
  const lw = isLayerWeights(weights) ? weights : heldWeights(weights);
  return pass === 'forward' ? forwardStreams(lw, kStarts, progress) : rowStreams(lw, nStarts, pass === 'gradient', progress);
}

/**
 * Forward: W transposed, split by K slices, one column at a time: the column's rows [k0, k1) are read
 * twice (count per output n, then place), so the work is O(N + nnz_c) per column and no whole-matrix
 * transpose is held.
 */
function forwardStreams(lw: LayerWeights, kStarts: Uint32Array, progress?: (fraction: number) => void): ColumnStreams {
  const { N } = lw;
  const Cu = kStarts.length - 1;
  let widest = 0;
  for (let c = 0; c < Cu; c++) widest = Math.max(widest, kStarts[c + 1] - kStarts[c]);
  const read = lw.rows(widest);
  if (kStarts[0] !== 0) read(kStarts[0]);
  const ptr = new Uint32Array(N + 1);
  const perCol = new Uint32Array(Cu);
  let locK = new Uint32Array(0);
  let val = new Float32Array(0);
  const out: Uint32Array[] = [];
  for (let col = 0; col < Cu; col++) {
    if ((col & 15) === 0) progress?.(col / Cu);
    const k0 = kStarts[col];
    const k1 = kStarts[col + 1];
    const block = read(k1).words;
    // ptr[n + 1] = entries of output n in this block, then prefix sums: n's entries at ptr[n] ..
    ptr.fill(0);
    let r = new StreamReader(block);
    for (let k = k0; k < k1; k++) for (let c = r.row(); c > 0; c--) ptr[r.next() + 1]++;
    for (let n = 0; n < N; n++) ptr[n + 1] += ptr[n];
    const nnz = ptr[N];
    perCol[col] = nnz;
    if (locK.length < nnz) [locK, val] = [new Uint32Array(nnz), new Float32Array(nnz)];
    r = new StreamReader(block);
    for (let k = k0; k < k1; k++) {
      for (let c = r.row(); c > 0; c--) {
        const i = ptr[r.next()]++; // k ascends, so each output's entries stay in k order
        locK[i] = k - k0;
        val[i] = r.value();
      }
    }
    // ptr[n] is now the end of n's entries (the start of n + 1's)
    const w = new StreamWriter(N, nnz);
    let i = 0;
    for (let n = 0; n < N; n++) {
      w.row();
      for (const e = ptr[n]; i < e; i++) w.push(locK[i], val[i]);
    }
    out.push(w.finish());
  }
  return { words: out, nnz: perCol };
}

/** Delta (with values) and gradient (positions only, plus the global order): W split by N slices. */
function rowStreams(lw: LayerWeights, nStarts: Uint32Array, positionsOnly: boolean, progress?: (fraction: number) => void): ColumnStreams {
  const { K, N } = lw;
  const Cu = nStarts.length - 1;
  const nOwner = ownerTable(N, nStarts);
  const perCol = new Uint32Array(Cu);
  const step = lw.chunkRows();
  const counting = lw.rows(step);
  for (let k = 0; k < K; k += step) {
    const sub = counting(Math.min(K, k + step));
    forEachEntry(sub.words, sub.K, (_k, n) => {
      perCol[nOwner[n]]++;
    });
  }
  const writers = Array.from(perCol, (z) => new StreamWriter(K, z, !positionsOnly));
  const order = positionsOnly ? Array.from(perCol, (z) => new Uint32Array(z)) : undefined;
  const oq = new Uint32Array(Cu);
  // every column's stream has all K rows (empty ones too), so rows open in step with the weight stream
  const read = lw.rows(step);
  let r = new StreamReader(new Uint32Array(0));
  let gi = 0;
  for (let k = 0; k < K; k++) {
    if (k % step === 0) r = new StreamReader(read(Math.min(K, k + step)).words);
    if ((k & 63) === 0) progress?.(k / K);
    for (const w of writers) w.row();
    for (let c = r.row(); c > 0; c--, gi++) {
      const n = r.next();
      const col = nOwner[n];
      writers[col].push(n - nStarts[col], r.value());
      if (order) order[col][oq[col]++] = gi;
    }
  }
  return { words: writers.map((w) => w.finish()), nnz: perCol, order };
}
