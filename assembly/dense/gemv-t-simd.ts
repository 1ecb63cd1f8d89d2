// GEMV t, SIMD: y[K] (+)= A[M,K]ᵀ · x[M], computed as AXPYs of the rows of A into y (four rows per
// pass over y, so y is loaded and stored once per four rows); scalar tail for K % 4.
// Legend: M = rows of A (length of x), K = columns of A (length of y); row-major f32, byte pointers.

export function gemvTSimd(y: usize, a: usize, x: usize, M: i32, K: i32, accumulate: i32): void {
  assert(M > 0 && K > 0, "gemv: sizes must be positive");
  const ld = <usize>K * 4;
  const k4 = K & ~3;
  if (accumulate == 0) memory.fill(y, 0, <usize>K * 4);
  let i = 0;
  for (; i + 4 <= M; i += 4) {
    const r0 = a + <usize>i * ld, r1 = r0 + ld, r2 = r1 + ld, r3 = r2 + ld;
    const px = x + <usize>i * 4;
    const x0 = load<f32>(px), x1 = load<f32>(px, 4), x2 = load<f32>(px, 8), x3 = load<f32>(px, 12);
    const v0 = f32x4.splat(x0), v1 = f32x4.splat(x1), v2 = f32x4.splat(x2), v3 = f32x4.splat(x3);
    for (let k = 0; k < k4; k += 4) {
      const o = <usize>k * 4;
      let s = v128.load(y + o);
      s = f32x4.add(s, f32x4.add(f32x4.add(f32x4.mul(v128.load(r0 + o), v0), f32x4.mul(v128.load(r1 + o), v1)),
        f32x4.add(f32x4.mul(v128.load(r2 + o), v2), f32x4.mul(v128.load(r3 + o), v3))));
      v128.store(y + o, s);
    }
    for (let k = k4; k < K; k++) {
      const o = <usize>k * 4;
      store<f32>(y + o, load<f32>(y + o) + ((load<f32>(r0 + o) * x0 + load<f32>(r1 + o) * x1) + (load<f32>(r2 + o) * x2 + load<f32>(r3 + o) * x3)));
    }
  }
  for (; i < M; i++) {
    const r = a + <usize>i * ld;
    const xi = load<f32>(x + <usize>i * 4);
    const v = f32x4.splat(xi);
    for (let k = 0; k < k4; k += 4) {
      const o = <usize>k * 4;
      v128.store(y + o, f32x4.add(v128.load(y + o), f32x4.mul(v128.load(r + o), v)));
    }
    for (let k = k4; k < K; k++) {
      const o = <usize>k * 4;
      store<f32>(y + o, load<f32>(y + o) + load<f32>(r + o) * xi);
    }
  }
}
