// Bias add, SIMD, feature-major: Yt[n, b] += bias[n] for every sample b (in place).
// Legend: N = features (rows), B = batch (contiguous columns); byte pointers, f32.

export function biasAddSimd(y: usize, bias: usize, N: i32, B: i32): void {
  assert(N > 0 && B > 0, "biasAdd: sizes must be positive");
  const b4 = B & ~3;
  for (let n = 0; n < N; n++) {
    const bn = load<f32>(bias + <usize>n * 4);
    const v = f32x4.splat(bn);
    const row = y + <usize>n * <usize>B * 4;
    let b = 0;
    for (; b < b4; b += 4) {
      const p = row + <usize>b * 4;
      v128.store(p, f32x4.add(v128.load(p), v));
    }
    for (; b < B; b++) {
      const p = row + <usize>b * 4;
      store<f32>(p, load<f32>(p) + bn);
    }
  }
}
