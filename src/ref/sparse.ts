// Plain-TS references for the sparse kernels (assembly/sparse/): the clean, obviously-correct loops the
// fast WASM variants are tested against. They walk the weight stream (src/sparse/stream.ts) directly.
//
// Legend: K = input features, N = output features, B = batch, nnz = non-zeros of W [K, N].
// Activations are feature-major: Xt [K, B], Yt [N, B], dXt [K, B], dYt [N, B] (row = one feature, all samples).
// `words` is the stream: per row k a count c_k, then c_k (column delta u32, value f32 bits) pairs.

function valuesOf(words: Uint32Array): Float32Array {
  return new Float32Array(words.buffer, words.byteOffset, words.length);
}

/** Yt [N, B] (+)= Wᵀ · Xt [K, B]: for each non-zero w = W[k, n], Yt[n, :] += w · Xt[k, :]. */
export function spmmForwardRef(
  Yt: Float32Array, Xt: Float32Array, words: Uint32Array, K: number, N: number, B: number, accumulate = false,
): void {
  const vals = valuesOf(words);
  if (!accumulate) Yt.fill(0, 0, N * B);
  let p = 0;
  for (let k = 0; k < K; k++) {
    const c = words[p++];
    let n = 0;
    for (let j = 0; j < c; j++, p += 2) {
      n += words[p];
      const w = vals[p + 1];
      for (let b = 0; b < B; b++) Yt[n * B + b] += w * Xt[k * B + b];
    }
  }
}

/** dXt [K, B] (+)= W · dYt [N, B]: dXt[k, :] = Σ over row k's non-zeros w = W[k, n] of w · dYt[n, :]. */
export function spmmDeltaRef(
  dXt: Float32Array, dYt: Float32Array, words: Uint32Array, K: number, N: number, B: number, accumulate = false,
): void {
  const vals = valuesOf(words);
  if (!accumulate) dXt.fill(0, 0, K * B);
  let p = 0;
  for (let k = 0; k < K; k++) {
    const c = words[p++];
    let n = 0;
    for (let j = 0; j < c; j++, p += 2) {
      n += words[p];
      const w = vals[p + 1];
      for (let b = 0; b < B; b++) dXt[k * B + b] += w * dYt[n * B + b];
    }
  }
}

/** g [nnz] (+)= for the i-th non-zero (k, n) in stream order, Σ_b Xt[k, b] · dYt[n, b]. */
export function spmmGradRef(
  g: Float32Array, Xt: Float32Array, dYt: Float32Array, words: Uint32Array, K: number, N: number, B: number, accumulate = false,
): void {
  let p = 0;
  let i = 0;
  for (let k = 0; k < K; k++) {
    const c = words[p++];
    let n = 0;
    for (let j = 0; j < c; j++, p += 2, i++) {
      n += words[p];
      let s = 0;
      for (let b = 0; b < B; b++) s += Xt[k * B + b] * dYt[n * B + b];
      g[i] = accumulate ? g[i] + s : s;
    }
  }
}
