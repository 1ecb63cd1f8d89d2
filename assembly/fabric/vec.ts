// The core's datapath on its batch slice: one AXPY (y += a·x) per arriving non-zero weight and one dot
// product per gradient position, f32, 4 lanes of SIMD with a scalar tail. Plain references: src/ref/dense.ts.
//
// Legend: n = the core's batch slice Bs; pointers are byte offsets of f32 rows of length n.

/** y[0..n) += a · x[0..n). */
@inline export function axpyRow(y: usize, x: usize, a: f32, n: u32): void {
  const av = f32x4.splat(a);
  let i: u32 = 0;
  for (; i + 4 <= n; i += 4) {
    const o = <usize>(i << 2);
    v128.store(y + o, f32x4.add(v128.load(y + o), f32x4.mul(av, v128.load(x + o))));
  }
  for (; i < n; i++) {
    const o = <usize>(i << 2);
    store<f32>(y + o, load<f32>(y + o) + a * load<f32>(x + o));
  }
}

/** Σ x[i]·y[i] over [0, n). */
@inline export function dotRow(x: usize, y: usize, n: u32): f32 {
  let acc = f32x4.splat(0);
  let i: u32 = 0;
  for (; i + 4 <= n; i += 4) {
    const o = <usize>(i << 2);
    acc = f32x4.add(acc, f32x4.mul(v128.load(x + o), v128.load(y + o)));
  }
  let s: f32 = (f32x4.extract_lane(acc, 0) + f32x4.extract_lane(acc, 1)) + (f32x4.extract_lane(acc, 2) + f32x4.extract_lane(acc, 3));
  for (; i < n; i++) {
    const o = <usize>(i << 2);
    s += load<f32>(x + o) * load<f32>(y + o);
  }
  return s;
}

/** y[0..n) = 0. */
@inline export function zeroRow(y: usize, n: u32): void {
  memory.fill(y, 0, <usize>n << 2);
}

/** y[0..n) = x[0..n). */
@inline export function copyRow(y: usize, x: usize, n: u32): void {
  memory.copy(y, x, <usize>n << 2);
}
