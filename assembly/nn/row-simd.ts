// Row helpers for the attention kernels: AXPY, dot and softmax over one contiguous f32 row segment,
// SIMD over 4 lanes with a scalar tail. Every lane split starts at element 0 of the segment, so a result
// depends only on the segment's values (not on its address or on other sequences in the batch).
// Legend: y, x, p [len] f32 (byte pointers); len ≥ 1.
import { exp1, exp4 } from "./simd-math";

/** y[i] += a·x[i] for i < len. */
@inline
export function axpyRow(y: usize, x: usize, a: f32, len: i32): void {
  const va = f32x4.splat(a);
  const l4 = len & ~3;
  let i = 0;
  for (; i < l4; i += 4) {
    const o = <usize>i << 2;
    v128.store(y + o, f32x4.add(v128.load(y + o), f32x4.mul(va, v128.load(x + o))));
  }
  for (; i < len; i++) {
    const o = <usize>i << 2;
    store<f32>(y + o, load<f32>(y + o) + a * load<f32>(x + o));
  }
}

/** Σ_i x[i]·y[i]: four lane sums over the multiples of 4, combined as (l0 + l1) + (l2 + l3), then the tail in order. */
@inline
export function dotRow(x: usize, y: usize, len: i32): f32 {
  const l4 = len & ~3;
  let acc = f32x4.splat(0);
  let i = 0;
  for (; i < l4; i += 4) {
    const o = <usize>i << 2;
    acc = f32x4.add(acc, f32x4.mul(v128.load(x + o), v128.load(y + o)));
  }
  let s: f32 = (f32x4.extract_lane(acc, 0) + f32x4.extract_lane(acc, 1)) + (f32x4.extract_lane(acc, 2) + f32x4.extract_lane(acc, 3));
  for (; i < len; i++) {
    const o = <usize>i << 2;
    s += load<f32>(x + o) * load<f32>(y + o);
  }
  return s;
}

/** In place: p[i] = softmax_i(scale·p[i]) over i < len (max-subtracted; the sum as in dotRow's order). */
@inline
export function softmaxRow(p: usize, len: i32, scale: f32): void {
  const l4 = len & ~3;
  const vs = f32x4.splat(scale);
  let m: f32 = -Infinity;
  let vm = f32x4.splat(m);
  let i = 0;
  for (; i < l4; i += 4) {
    const o = <usize>i << 2;
    const x = f32x4.mul(v128.load(p + o), vs);
    v128.store(p + o, x);
    vm = f32x4.pmax(vm, x);
  }
  m = max(max(f32x4.extract_lane(vm, 0), f32x4.extract_lane(vm, 1)), max(f32x4.extract_lane(vm, 2), f32x4.extract_lane(vm, 3)));
  for (; i < len; i++) {
    const o = <usize>i << 2;
    const x = load<f32>(p + o) * scale;
    store<f32>(p + o, x);
    m = max(m, x);
  }
  vm = f32x4.splat(m);
  let acc = f32x4.splat(0);
  for (i = 0; i < l4; i += 4) {
    const o = <usize>i << 2;
    const e = exp4(f32x4.sub(v128.load(p + o), vm));
    v128.store(p + o, e);
    acc = f32x4.add(acc, e);
  }
  let s: f32 = (f32x4.extract_lane(acc, 0) + f32x4.extract_lane(acc, 1)) + (f32x4.extract_lane(acc, 2) + f32x4.extract_lane(acc, 3));
  for (; i < len; i++) {
    const o = <usize>i << 2;
    const e = exp1(load<f32>(p + o) - m);
    store<f32>(p + o, e);
    s += e;
  }
  const inv: f32 = <f32>1 / s;
  const vi = f32x4.splat(inv);
  for (i = 0; i < l4; i += 4) {
    const o = <usize>i << 2;
    v128.store(p + o, f32x4.mul(v128.load(p + o), vi));
  }
  for (; i < len; i++) {
    const o = <usize>i << 2;
    store<f32>(p + o, load<f32>(p + o) * inv);
  }
}
