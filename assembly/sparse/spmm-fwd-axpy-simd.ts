// f32 sparse forward, feature-major, one AXPY over the batch per non-zero weight, WASM SIMD (f32x4),
// the batch loop unrolled by 4 vectors (16 floats). The weight stream is read once, sequentially.
//
// Legend: K = input features, N = output features, B = batch, nnz = non-zeros of W [K, N].
//   xPtr: Xt [K, B]   activations in, feature-major (row k = feature k for all B samples)
//   yPtr: Yt [N, B]   activations out: Yt = Wᵀ·Xt (accumulate = 0) or Yt += Wᵀ·Xt (accumulate = 1)
//   sPtr: the weight stream of W (K + 2·nnz words: per row k a count c_k, then c_k (column delta u32,
//         value f32) pairs; see src/sparse/stream.ts)
// For the i-th non-zero w = W[k, n]: Yt[n, :] += w · Xt[k, :]. Indices are trusted (the host validates).

// @ts-ignore: decorator
@inline
function axpyRow(yRow: usize, xRow: usize, wv: v128, w: f32, B16: usize, B4: usize, B: usize): void {
  let b: usize = 0;
  // 16 floats a step: 4 independent load-mul-add-store chains.
  for (; b < B16; b += 64) {
    const y = yRow + b;
    const x = xRow + b;
    v128.store(y, f32x4.add(v128.load(y), f32x4.mul(wv, v128.load(x))));
    v128.store(y, f32x4.add(v128.load(y, 16), f32x4.mul(wv, v128.load(x, 16))), 16);
    v128.store(y, f32x4.add(v128.load(y, 32), f32x4.mul(wv, v128.load(x, 32))), 32);
    v128.store(y, f32x4.add(v128.load(y, 48), f32x4.mul(wv, v128.load(x, 48))), 48);
  }
  for (; b < B4; b += 16) {
    const y = yRow + b;
    v128.store(y, f32x4.add(v128.load(y), f32x4.mul(wv, v128.load(xRow + b))));
  }
  for (; b < B; b += 4) {
    const y = yRow + b;
    store<f32>(y, load<f32>(y) + w * load<f32>(xRow + b));
  }
}

export function spmmFwdAxpySimd(yPtr: usize, xPtr: usize, sPtr: usize, K: i32, N: i32, B: i32, accumulate: i32): void {
  assert(K > 0 && N > 0 && B > 0, "spmmFwdAxpySimd: sizes must be positive");
  const rowBytes = (<usize>B) << 2;
  if (accumulate == 0) memory.fill(yPtr, 0, <usize>N * rowBytes);
  // Byte bounds of the batch loop: 16-float steps, then 4-float steps, then single floats.
  const Bb = rowBytes;
  const B16 = Bb & ~(<usize>63);
  const B4 = Bb & ~(<usize>15);
  let p = sPtr;
  let xRow = xPtr;
  for (let k = 0; k < K; k++) {
    const c = load<u32>(p);
    p += 4;
    const end = p + ((<usize>c) << 3);
    let yRow = yPtr;
    while (p < end) {
      yRow += (<usize>load<u32>(p)) * rowBytes;
      const w = load<f32>(p, 4);
      p += 8;
      axpyRow(yRow, xRow, f32x4.splat(w), w, B16, B4, Bb);
    }
    xRow += rowBytes;
  }
}
