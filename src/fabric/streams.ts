// The mesh edge: turns a layer's weight stream (src/sparse/stream.ts, K-major, non-zeros only) into the
// per-column streams each pass feeds in at the north edge. Zeros never appear (the stream has none).
//
// Legend: K, N = W's rows (input features) and columns (output features); Cu = used columns;
// [k0, k1) / [n0, n1) = a column's K / N slice; nnz_c = non-zeros that meet column c's slice.
// A column stream has the project's stream format over the column's sub-matrix, output-major:
//   forward  (outputs n over Wᵀ): per n: count, then (delta of local k, value) pairs  -> N + 2·nnz_c words
//   delta    (outputs k over W):  per k: count, then (delta of local n, value) pairs  -> K + 2·nnz_c words
//   gradient (rows k over W):     per k: count, then deltas of local n (no values)   -> K + nnz_c words
import type { WeightStream } from '../sparse/stream.js';
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

/** Per-column streams for `pass`; kStarts / nStarts are the column blocks of K and N. */
export function columnStreams(ws: WeightStream, pass: FabricPass, kStarts: Uint32Array, nStarts: Uint32Array): ColumnStreams {
  return pass === 'forward' ? forwardStreams(ws, kStarts) : rowStreams(ws, nStarts, pass === 'gradient');
}

/** Forward: W transposed (CSC), split by K slices. */
function forwardStreams(ws: WeightStream, kStarts: Uint32Array): ColumnStreams {
  const { K, N, nnz, words, values } = ws;
  const Cu = kStarts.length - 1;
  const colPtr = new Uint32Array(N + 1);
  let p = 0;
  for (let k = 0; k < K; k++) {
    const c = words[p++];
    let n = 0;
    for (let j = 0; j < c; j++, p += 2) {
      n += words[p];
      colPtr[n + 1]++;
    }
  }
  for (let n = 0; n < N; n++) colPtr[n + 1] += colPtr[n];
  const fill = colPtr.slice(0, N);
  const rowOf = new Uint32Array(nnz);
  const valOf = new Float32Array(nnz);
  const perCol = new Uint32Array(Cu);
  const kOwner = ownerTable(K, kStarts);
  p = 0;
  for (let k = 0; k < K; k++) {
    const c = words[p++];
    let n = 0;
    for (let j = 0; j < c; j++, p += 2) {
      n += words[p];
      const at = fill[n]++;
      rowOf[at] = k;
      valOf[at] = values[p + 1];
      perCol[kOwner[k]]++;
    }
  }
  const out: Uint32Array[] = [];
  const cur = colPtr.slice(0, N);
  for (let col = 0; col < Cu; col++) {
    const k1 = kStarts[col + 1];
    const k0 = kStarts[col];
    const w = new Uint32Array(N + 2 * perCol[col]);
    const f = new Float32Array(w.buffer);
    let q = 0;
    for (let n = 0; n < N; n++) {
      const countAt = q++;
      let prev = 0;
      let i = cur[n];
      const e = colPtr[n + 1];
      for (; i < e && rowOf[i] < k1; i++) {
        const kl = rowOf[i] - k0;
        w[q] = kl - prev;
        f[q + 1] = valOf[i];
        q += 2;
        prev = kl;
      }
      w[countAt] = i - cur[n];
      cur[n] = i;
    }
    out.push(w);
  }
  return { words: out, nnz: perCol };
}

/** Delta (with values) and gradient (positions only, plus the global order): W split by N slices. */
function rowStreams(ws: WeightStream, nStarts: Uint32Array, positionsOnly: boolean): ColumnStreams {
  const { K, N, words, values } = ws;
  const Cu = nStarts.length - 1;
  const nOwner = ownerTable(N, nStarts);
  const perCol = new Uint32Array(Cu);
  let p = 0;
  for (let k = 0; k < K; k++) {
    const c = words[p++];
    let n = 0;
    for (let j = 0; j < c; j++, p += 2) {
      n += words[p];
      perCol[nOwner[n]]++;
    }
  }
  const per = positionsOnly ? 1 : 2;
  const out = Array.from(perCol, (z) => new Uint32Array(K + per * z));
  const outF = out.map((w) => new Float32Array(w.buffer));
  const order = positionsOnly ? Array.from(perCol, (z) => new Uint32Array(z)) : undefined;
  const q = new Uint32Array(Cu);
  const oq = new Uint32Array(Cu);
  const countAt = new Uint32Array(Cu);
  const prev = new Uint32Array(Cu);
  p = 0;
  let gi = 0;
  for (let k = 0; k < K; k++) {
    for (let col = 0; col < Cu; col++) {
      countAt[col] = q[col]++;
      prev[col] = 0;
    }
    const c = words[p++];
    let n = 0;
    for (let j = 0; j < c; j++, p += 2, gi++) {
      n += words[p];
      const col = nOwner[n];
      const nl = n - nStarts[col];
      const w = out[col];
      w[q[col]] = nl - prev[col];
      if (!positionsOnly) outF[col][q[col] + 1] = values[p + 1];
      q[col] += per;
      prev[col] = nl;
      w[countAt[col]]++;
      if (order) order[col][oq[col]++] = gi;
    }
  }
  return { words: out, nnz: perCol, order };
}
