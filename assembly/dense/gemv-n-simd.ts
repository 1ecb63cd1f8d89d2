// GEMV n, SIMD: y[M] (+)= A[M,K] · x[K]. Four rows at a time share each load of x; f32x4 partial
// sums along K, reduced at the end of each row; scalar tail for K % 4.
// Legend: M = rows of A (length of y), K = columns of A (length of x); row-major f32, byte pointers.

@inline
function hsum(v: v128): f32 {
  return f32x4.extract_lane(v, 0) + f32x4.extract_lane(v, 1) + (f32x4.extract_lane(v, 2) + f32x4.extract_lane(v, 3));
}

export function gemvNSimd(y: usize, a: usize, x: usize, M: i32, K: i32, accumulate: i32): void {
  assert(M > 0 && K > 0, "gemv: sizes must be positive");
  const ld = <usize>K * 4;
  const k4 = K & ~3;
  let i = 0;
  for (; i + 4 <= M; i += 4) {
    const r0 = a + <usize>i * ld, r1 = r0 + ld, r2 = r1 + ld, r3 = r2 + ld;
    let s0 = f32x4.splat(0), s1 = f32x4.splat(0), s2 = f32x4.splat(0), s3 = f32x4.splat(0);
    for (let k = 0; k < k4; k += 4) {
      const o = <usize>k * 4;
      const xv = v128.load(x + o);
      s0 = f32x4.add(s0, f32x4.mul(v128.load(r0 + o), xv));
      s1 = f32x4.add(s1, f32x4.mul(v128.load(r1 + o), xv));
      s2 = f32x4.add(s2, f32x4.mul(v128.load(r2 + o), xv));
      s3 = f32x4.add(s3, f32x4.mul(v128.load(r3 + o), xv));
    }
    let t0 = hsum(s0), t1 = hsum(s1), t2 = hsum(s2), t3 = hsum(s3);
    for (let k = k4; k < K; k++) {
      const o = <usize>k * 4;
      const xk = load<f32>(x + o);
      t0 += load<f32>(r0 + o) * xk; t1 += load<f32>(r1 + o) * xk;
      t2 += load<f32>(r2 + o) * xk; t3 += load<f32>(r3 + o) * xk;
    }
    const py = y + <usize>i * 4;
    if (accumulate) {
      t0 += load<f32>(py); t1 += load<f32>(py, 4); t2 += load<f32>(py, 8); t3 += load<f32>(py, 12);
    }
    store<f32>(py, t0); store<f32>(py, t1, 4); store<f32>(py, t2, 8); store<f32>(py, t3, 12);
  }
  for (; i < M; i++) {
    const r = a + <usize>i * ld;
    let s = f32x4.splat(0);
    for (let k = 0; k < k4; k += 4) s = f32x4.add(s, f32x4.mul(v128.load(r + <usize>k * 4), v128.load(x + <usize>k * 4)));
    let t = hsum(s);
    for (let k = k4; k < K; k++) t += load<f32>(r + <usize>k * 4) * load<f32>(x + <usize>k * 4);
    const py = y + <usize>i * 4;
    store<f32>(py, accumulate ? load<f32>(py) + t : t);
  }
}
