// AXPY, SIMD: y[n] += alpha · x[n] (f32x4, 16 floats per iteration, scalar tail). The building block
// of the sparse weight stream (one AXPY over the batch per non-zero weight).
// Legend: n = length of x and y; byte pointers, f32.

export function axpySimd(y: usize, x: usize, alpha: f32, n: i32): void {
  assert(n > 0, "axpy: n must be positive");
  const av = f32x4.splat(alpha);
  const n16 = n & ~15;
  let i = 0;
  for (; i < n16; i += 16) {
    const o = <usize>i * 4;
    const py = y + o, px = x + o;
    v128.store(py, f32x4.add(v128.load(py), f32x4.mul(av, v128.load(px))));
    v128.store(py, f32x4.add(v128.load(py, 16), f32x4.mul(av, v128.load(px, 16))), 16);
    v128.store(py, f32x4.add(v128.load(py, 32), f32x4.mul(av, v128.load(px, 32))), 32);
    v128.store(py, f32x4.add(v128.load(py, 48), f32x4.mul(av, v128.load(px, 48))), 48);
  }
  for (; i + 4 <= n; i += 4) {
    const o = <usize>i * 4;
    v128.store(y + o, f32x4.add(v128.load(y + o), f32x4.mul(av, v128.load(x + o))));
  }
  for (; i < n; i++) {
    const o = <usize>i * 4;
    store<f32>(y + o, load<f32>(y + o) + alpha * load<f32>(x + o));
  }
}
