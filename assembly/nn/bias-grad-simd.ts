// Bias gradient, SIMD, feature-major: db[n] (+)= Σ_b dYt[n, b] (a row sum per feature).
// Legend: N = features (rows), B = batch (contiguous columns); accumulate: 0 overwrites db, 1 adds.

export function biasGradSimd(db: usize, dy: usize, N: i32, B: i32, accumulate: i32): void {
  assert(N > 0 && B > 0, "biasGrad: sizes must be positive");
  const b4 = B & ~3;
  for (let n = 0; n < N; n++) {
    const row = dy + <usize>n * <usize>B * 4;
    let s = f32x4.splat(0);
    let b = 0;
    for (; b < b4; b += 4) s = f32x4.add(s, v128.load(row + <usize>b * 4));
    let t: f32 = (f32x4.extract_lane(s, 0) + f32x4.extract_lane(s, 1)) + (f32x4.extract_lane(s, 2) + f32x4.extract_lane(s, 3));
    for (; b < B; b++) t += load<f32>(row + <usize>b * 4);
    const p = db + <usize>n * 4;
    store<f32>(p, accumulate ? load<f32>(p) + t : t);
  }
}
