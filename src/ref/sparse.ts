// Plain-TS references for the sparse kernels (assembly/sparse/): the clean, obviously-correct loops the
// fast WASM variants are tested against. They read the weight stream through src/sparse/stream.ts's cursor.
//
// Legend: K = input features, N = output features, B = batch, nnz = non-zeros of W [K, N].
// Activations are feature-major: Xt [K, B], Yt [N, B], dXt [K, B], dYt [N, B] (row = one feature, all samples).
// `words` is the stream: per row k a count c_k, then c_k (column delta u32, value f32 bits) pairs.
import { StreamReader } from '../sparse/stream.js';

/** Yt [N, B] (+)= Wᵀ · Xt [K, B]: for each non-zero w = W[k, n], Yt[n, :] += w · Xt[k, :]. */
export function spmmForwardRef(
  Yt: Float32Array, Xt: Float32Array, words: Uint32Array, K: number, N: number, B: number, accumulate = false,
): void {
  if (!accumulate) Yt.fill(0, 0, N * B);
  const r = new StreamReader(words);
  for (let k = 0; k < K; k++) {
    for (let c = r.row(); c > 0; c--) {
      const n = r.next();
      const w = r.value();
      for (let b = 0; b < B; b++) Yt[n * B + b] += w * Xt[k * B + b];
    }
  }
}

/**
 * Yt [N, B] (+)= Wᵀ · Xt [K, B] from the COLUMN layout of W (`colWords`: per output column n a count, then
 * (row delta, value) pairs, rows ascending): Yt[n, :] = Σ over column n's non-zeros w = W[k, n] of w · Xt[k, :].
 */
export function spmmForwardColRef(
  Yt: Float32Array, Xt: Float32Array, colWords: Uint32Array, K: number, N: number, B: number, accumulate = false,
): void {
  if (!accumulate) Yt.fill(0, 0, N * B);
  const r = new StreamReader(colWords);
  for (let n = 0; n < N; n++) {
    for (let c = r.row(); c > 0; c--) {
      const k = r.next();
      const w = r.value();
      for (let b = 0; b < B; b++) Yt[n * B + b] += w * Xt[k * B + b];
    }
  }
}

/** dXt [K, B] (+)= W · dYt [N, B]: dXt[k, :] = Σ over row k's non-zeros w = W[k, n] of w · dYt[n, :]. */
export function spmmDeltaRef(
  dXt: Float32Array, dYt: Float32Array, words: Uint32Array, K: number, N: number, B: number, accumulate = false,
): void {
  if (!accumulate) dXt.fill(0, 0, K * B);
  const r = new StreamReader(words);
  for (let k = 0; k < K; k++) {
    for (let c = r.row(); c > 0; c--) {
      const n = r.next();
      const w = r.value();
      for (let b = 0; b < B; b++) dXt[k * B + b] += w * dYt[n * B + b];
    }
  }
}

/** g [nnz] (+)= for the i-th non-zero (k, n) in stream order, Σ_b Xt[k, b] · dYt[n, b]. */
export function spmmGradRef(
  g: Float32Array, Xt: Float32Array, dYt: Float32Array, words: Uint32Array, K: number, N: number, B: number, accumulate = false,
): void {
  const r = new StreamReader(words);
  let i = 0;
  for (let k = 0; k < K; k++) {
    for (let c = r.row(); c > 0; c--, i++) {
      const n = r.next();
      let s = 0;
      for (let b = 0; b < B; b++) s += Xt[k * B + b] * dYt[n * B + b];
      g[i] = accumulate ? g[i] + s : s;
    }
  }
}
