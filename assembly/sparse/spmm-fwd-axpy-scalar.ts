// f32 sparse forward, feature-major, one AXPY over the batch per non-zero weight, plain scalar loops:
// the second variant of spmm-fwd (what the SIMD variant must beat; same contract, same stream).
//
// Legend: K = input features, N = output features, B = batch, nnz = non-zeros of W [K, N].
//   xPtr: Xt [K, B] in;  yPtr: Yt [N, B] out (accumulate = 0 overwrites, 1 adds);
//   sPtr: the weight stream of W (per row k a count c_k, then c_k (column delta u32, value f32) pairs).
// For the i-th non-zero w = W[k, n]: Yt[n, :] += w · Xt[k, :].

export function spmmFwdAxpyScalar(yPtr: usize, xPtr: usize, sPtr: usize, K: i32, N: i32, B: i32, accumulate: i32): void {
  assert(K > 0 && N > 0 && B > 0, "spmmFwdAxpyScalar: sizes must be positive");
  const rowBytes = (<usize>B) << 2;
  if (accumulate == 0) memory.fill(yPtr, 0, <usize>N * rowBytes);
  let p = sPtr;
  for (let k = 0; k < K; k++) {
    const c = load<u32>(p);
    p += 4;
    const xRow = xPtr + <usize>k * rowBytes;
    let n: usize = 0;
    for (let j: u32 = 0; j < c; j++) {
      n += <usize>load<u32>(p);
      const w = load<f32>(p, 4);
      p += 8;
      const yRow = yPtr + n * rowBytes;
      for (let b: usize = 0; b < rowBytes; b += 4) {
        store<f32>(yRow + b, load<f32>(yRow + b) + w * load<f32>(xRow + b));
      }
    }
  }
}
