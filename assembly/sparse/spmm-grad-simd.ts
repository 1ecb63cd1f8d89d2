// f32 sparse weight gradient at the non-zeros only, feature-major, WASM SIMD: for the i-th non-zero
// (k, n) of the stream, g[i] (+)= Σ_b Xt[k, b] · dYt[n, b]: a dot product over the batch. Four non-zeros
// of a row are done together so each Xt[k, :] vector is loaded once for four dYt rows.
//
// Legend: K = input features, N = output features, B = batch, nnz = non-zeros of W [K, N].
//   gPtr:  g [nnz] out, stream-aligned (the i-th value belongs to the i-th pair of the stream):
//          overwritten (accumulate = 0) or added to (accumulate = 1)
//   xPtr:  Xt [K, B] in (the layer's inputs saved from the forward pass)
//   dyPtr: dYt [N, B] in (gradient of the layer's outputs)
//   sPtr:  the weight stream of W (its values are not read, only its positions)

// @ts-ignore: decorator
@inline
function hsum(v: v128): f32 {
  const s = f32x4.add(v, v128.shuffle<f32>(v, v, 2, 3, 0, 1));
  return f32x4.extract_lane(s, 0) + f32x4.extract_lane(s, 1);
}

export function spmmGradSimd(gPtr: usize, xPtr: usize, dyPtr: usize, sPtr: usize, K: i32, N: i32, B: i32, accumulate: i32): void {
  assert(K > 0 && N > 0 && B > 0, "spmmGradSimd: sizes must be positive");
  const rowBytes = (<usize>B) << 2;
  const B4 = rowBytes & ~(<usize>15);
  const acc = accumulate != 0;
  let p = sPtr;
  let g = gPtr;
  let xRow = xPtr;
  for (let k = 0; k < K; k++) {
    const c = load<u32>(p);
    p += 4;
    let n: usize = 0;
    let j: u32 = 0;
    // Four non-zeros at a time: one Xt vector load feeds four products.
    for (; j + 4 <= c; j += 4) {
      n += <usize>load<u32>(p);
      const d0 = dyPtr + n * rowBytes;
      n += <usize>load<u32>(p, 8);
      const d1 = dyPtr + n * rowBytes;
      n += <usize>load<u32>(p, 16);
      const d2 = dyPtr + n * rowBytes;
      n += <usize>load<u32>(p, 24);
      const d3 = dyPtr + n * rowBytes;
      p += 32;
      let s0 = f32x4.splat(0), s1 = s0, s2 = s0, s3 = s0;
      let b: usize = 0;
      for (; b < B4; b += 16) {
        const x = v128.load(xRow + b);
        s0 = f32x4.add(s0, f32x4.mul(x, v128.load(d0 + b)));
        s1 = f32x4.add(s1, f32x4.mul(x, v128.load(d1 + b)));
        s2 = f32x4.add(s2, f32x4.mul(x, v128.load(d2 + b)));
        s3 = f32x4.add(s3, f32x4.mul(x, v128.load(d3 + b)));
      }
      let r0 = hsum(s0), r1 = hsum(s1), r2 = hsum(s2), r3 = hsum(s3);
      for (; b < rowBytes; b += 4) {
        const x = load<f32>(xRow + b);
        r0 += x * load<f32>(d0 + b);
        r1 += x * load<f32>(d1 + b);
        r2 += x * load<f32>(d2 + b);
        r3 += x * load<f32>(d3 + b);
      }
      if (acc) {
        r0 += load<f32>(g); r1 += load<f32>(g, 4); r2 += load<f32>(g, 8); r3 += load<f32>(g, 12);
      }
      store<f32>(g, r0); store<f32>(g, r1, 4); store<f32>(g, r2, 8); store<f32>(g, r3, 12);
      g += 16;
    }
    for (; j < c; j++) {
      n += <usize>load<u32>(p);
      p += 8;
      const d0 = dyPtr + n * rowBytes;
      let s0 = f32x4.splat(0);
      let b: usize = 0;
      for (; b < B4; b += 16) s0 = f32x4.add(s0, f32x4.mul(v128.load(xRow + b), v128.load(d0 + b)));
      let r0 = hsum(s0);
      for (; b < rowBytes; b += 4) r0 += load<f32>(xRow + b) * load<f32>(d0 + b);
      if (acc) r0 += load<f32>(g);
      store<f32>(g, r0);
      g += 4;
    }
    xRow += rowBytes;
  }
}
