// ReLU forward and backward, SIMD, elementwise over n values (any layout; y may be x: in place).
// Forward y = max(x, 0); backward dx = dy where x > 0, else 0 (x = the forward's input).

export function reluFwdSimd(y: usize, x: usize, n: i32): void {
  assert(n > 0, "relu: n must be positive");
  const zero = f32x4.splat(0);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const o = <usize>i * 4;
    // pmax(0, x) = 0 < x ? x : 0: one maxps, and +0 for -0 and NaN exactly as the reference (f32x4.max
    // needs a NaN/-0 fix-up sequence in V8).
    v128.store(y + o, f32x4.pmax(zero, v128.load(x + o)));
  }
  for (; i < n; i++) {
    const o = <usize>i * 4;
    const v = load<f32>(x + o);
    store<f32>(y + o, v > 0 ? v : <f32>0);
  }
}

export function reluBwdSimd(dx: usize, dy: usize, x: usize, n: i32): void {
  assert(n > 0, "relu: n must be positive");
  const zero = f32x4.splat(0);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const o = <usize>i * 4;
    v128.store(dx + o, v128.and(v128.load(dy + o), f32x4.gt(v128.load(x + o), zero)));
  }
  for (; i < n; i++) {
    const o = <usize>i * 4;
    store<f32>(dx + o, load<f32>(x + o) > 0 ? load<f32>(dy + o) : <f32>0);
  }
}
