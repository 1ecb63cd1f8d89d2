// f32 sparse forward, feature-major, one AXPY over the batch per non-zero weight, WASM SIMD (f32x4).
// The weight stream is read once, sequentially. Four non-zeros of a row are applied together so each
// Xt[k, :] vector is loaded once for four AXPYs; the batch loop steps 16 floats (4 vectors) at a time.
// (Measured here: the loop is bound by the read-modify-write of Yt rows, one store per 4 multiply-adds;
// 4-at-a-time beat 1-at-a-time by ~15%, batch tiling and x-in-registers variants were slower.)
//
// Legend: K = input features, N = output features, B = batch, nnz = non-zeros of W [K, N].
//   xPtr: Xt [K, B]   activations in, feature-major (row k = feature k for all B samples)
//   yPtr: Yt [N, B]   activations out: Yt = Wᵀ·Xt (accumulate = 0) or Yt += Wᵀ·Xt (accumulate = 1)
//   sPtr: the weight stream of W (K + 2·nnz words: per row k a count c_k, then c_k (column delta u32,
//         value f32) pairs; see src/sparse/stream.ts)
// For the i-th non-zero w = W[k, n]: Yt[n, :] += w · Xt[k, :]. Indices are trusted (the host validates).

// Yt row chunk of 16 floats at y += w · (x0 x1 x2 x3).
// @ts-ignore: decorator
@inline
function axpy16(y: usize, wv: v128, x0: v128, x1: v128, x2: v128, x3: v128): void {
  v128.store(y, f32x4.add(v128.load(y), f32x4.mul(wv, x0)));
  v128.store(y, f32x4.add(v128.load(y, 16), f32x4.mul(wv, x1)), 16);
  v128.store(y, f32x4.add(v128.load(y, 32), f32x4.mul(wv, x2)), 32);
  v128.store(y, f32x4.add(v128.load(y, 48), f32x4.mul(wv, x3)), 48);
}

// The batch tail past the 16-float steps, [b16, rowBytes) in bytes: 4-float steps, then single floats.
// @ts-ignore: decorator
@inline
function axpyTail(yRow: usize, xRow: usize, w: f32, b16: usize, b4: usize, rowBytes: usize): void {
  const wv = f32x4.splat(w);
  let b = b16;
  for (; b < b4; b += 16) v128.store(yRow + b, f32x4.add(v128.load(yRow + b), f32x4.mul(wv, v128.load(xRow + b))));
  for (; b < rowBytes; b += 4) store<f32>(yRow + b, load<f32>(yRow + b) + w * load<f32>(xRow + b));
}

export function spmmFwdAxpySimd(yPtr: usize, xPtr: usize, sPtr: usize, K: i32, N: i32, B: i32, accumulate: i32): void {
  assert(K > 0 && N > 0 && B > 0, "spmmFwdAxpySimd: sizes must be positive");
  const rowBytes = (<usize>B) << 2;
  if (accumulate == 0) memory.fill(yPtr, 0, <usize>N * rowBytes);
  const b16 = rowBytes & ~(<usize>63); // bytes covered by 16-float steps
  const b4 = rowBytes & ~(<usize>15); // ... and by 4-float steps
  const tail = b16 != rowBytes;
  let p = sPtr;
  let xRow = xPtr;
  for (let k = 0; k < K; k++) {
    const c = load<u32>(p);
    p += 4;
    const end = p + ((<usize>c) << 3);
    let yRow = yPtr; // Yt row of the current column (the deltas walk it forward)
    // Four non-zeros at a time.
    while (p + 32 <= end) {
      const ya = yRow + (<usize>load<u32>(p)) * rowBytes;
      const yb = ya + (<usize>load<u32>(p, 8)) * rowBytes;
      const yc = yb + (<usize>load<u32>(p, 16)) * rowBytes;
      const yd = yc + (<usize>load<u32>(p, 24)) * rowBytes;
      const fa = load<f32>(p, 4), fb = load<f32>(p, 12), fc = load<f32>(p, 20), fd = load<f32>(p, 28);
      const wa = f32x4.splat(fa), wb = f32x4.splat(fb), wc = f32x4.splat(fc), wd = f32x4.splat(fd);
      yRow = yd;
      p += 32;
      for (let b: usize = 0; b < b16; b += 64) {
        const x = xRow + b;
        const x0 = v128.load(x), x1 = v128.load(x, 16), x2 = v128.load(x, 32), x3 = v128.load(x, 48);
        axpy16(ya + b, wa, x0, x1, x2, x3);
        axpy16(yb + b, wb, x0, x1, x2, x3);
        axpy16(yc + b, wc, x0, x1, x2, x3);
        axpy16(yd + b, wd, x0, x1, x2, x3);
      }
      if (tail) {
        axpyTail(ya, xRow, fa, b16, b4, rowBytes);
        axpyTail(yb, xRow, fb, b16, b4, rowBytes);
        axpyTail(yc, xRow, fc, b16, b4, rowBytes);
        axpyTail(yd, xRow, fd, b16, b4, rowBytes);
      }
    }
    // The row's last 0-3 non-zeros, one at a time.
    while (p < end) {
      yRow += (<usize>load<u32>(p)) * rowBytes;
      const w = load<f32>(p, 4);
      const wv = f32x4.splat(w);
      p += 8;
      for (let b: usize = 0; b < b16; b += 64) {
        const x = xRow + b;
        axpy16(yRow + b, wv, v128.load(x), v128.load(x, 16), v128.load(x, 32), v128.load(x, 48));
      }
      if (tail) axpyTail(yRow, xRow, w, b16, b4, rowBytes);
    }
    xRow += rowBytes;
  }
}
