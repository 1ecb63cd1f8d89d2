// f32 sparse delta (backward to the inputs), feature-major, from the same weight stream as the forward:
// dXt [K, B] (+)= W · dYt. Output-stationary per row: a 16-float chunk of dXt[k, :] stays in four f32x4
// registers while the row's non-zeros are read (one AXPY chunk each), then is stored once. The row's
// part of the stream is re-read per chunk (it is in L1). (Measured here: 16-float chunks beat 32-float
// chunks and two-accumulator-set variants.)
//
// Legend: K = input features, N = output features, B = batch, nnz = non-zeros of W [K, N].
//   dyPtr: dYt [N, B] in (gradient of the layer's outputs)
//   dxPtr: dXt [K, B] out: dXt = W·dYt (accumulate = 0) or dXt += W·dYt (accumulate = 1)
//   sPtr:  the weight stream of W (per row k a count c_k, then c_k (column delta u32, value f32) pairs)
// For row k: dXt[k, :] = Σ over its non-zeros w = W[k, n] of w · dYt[n, :].

export function spmmDeltaSimd(dxPtr: usize, dyPtr: usize, sPtr: usize, K: i32, N: i32, B: i32, accumulate: i32): void {
  assert(K > 0 && N > 0 && B > 0, "spmmDeltaSimd: sizes must be positive");
  const rowBytes = (<usize>B) << 2;
  const b16 = rowBytes & ~(<usize>63); // bytes covered by 16-float chunks
  const b4 = rowBytes & ~(<usize>15); // ... and by 4-float chunks
  const acc = accumulate != 0;
  let p = sPtr;
  let dxRow = dxPtr;
  for (let k = 0; k < K; k++) {
    const c = load<u32>(p);
    const first = p + 4;
    const end = first + ((<usize>c) << 3);
    let b: usize = 0;
    for (; b < b16; b += 64) {
      const o = dxRow + b;
      let a0 = f32x4.splat(0), a1 = a0, a2 = a0, a3 = a0;
      if (acc) {
        a0 = v128.load(o); a1 = v128.load(o, 16); a2 = v128.load(o, 32); a3 = v128.load(o, 48);
      }
      let q = first;
      let dy = dyPtr + b;
      while (q < end) {
        dy += (<usize>load<u32>(q)) * rowBytes;
        const wv = f32x4.splat(load<f32>(q, 4));
        q += 8;
        a0 = f32x4.add(a0, f32x4.mul(wv, v128.load(dy)));
        a1 = f32x4.add(a1, f32x4.mul(wv, v128.load(dy, 16)));
        a2 = f32x4.add(a2, f32x4.mul(wv, v128.load(dy, 32)));
        a3 = f32x4.add(a3, f32x4.mul(wv, v128.load(dy, 48)));
      }
      v128.store(o, a0); v128.store(o, a1, 16); v128.store(o, a2, 32); v128.store(o, a3, 48);
    }
    for (; b < b4; b += 16) {
      const o = dxRow + b;
      let a0 = acc ? v128.load(o) : f32x4.splat(0);
      let q = first;
      let dy = dyPtr + b;
      while (q < end) {
        dy += (<usize>load<u32>(q)) * rowBytes;
        a0 = f32x4.add(a0, f32x4.mul(f32x4.splat(load<f32>(q, 4)), v128.load(dy)));
        q += 8;
      }
      v128.store(o, a0);
    }
    for (; b < rowBytes; b += 4) {
      const o = dxRow + b;
      let a: f32 = acc ? load<f32>(o) : 0;
      let q = first;
      let dy = dyPtr + b;
      while (q < end) {
        dy += (<usize>load<u32>(q)) * rowBytes;
        a += load<f32>(q, 4) * load<f32>(dy);
        q += 8;
      }
      store<f32>(o, a);
    }
    p = end;
    dxRow += rowBytes;
  }
}
