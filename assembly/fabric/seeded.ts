// The fabric's seeded inputs, written where the cores keep them: values first .. first + n − 1 of
// randomValues(len, seed) (src/sparse/masks.ts), bit for bit, four at a time. The reference is
// fillSeededValues (src/fabric/weights.ts), which a test holds this to on every lane and tail.
// mulberry32: the i-th draw (from 0) of seed s hashes the state s + (i + 1)·STEP (u32 arithmetic):
//   t = a;  t = imul(t ^ (t >>> 15), t | 1);  t ^= t + imul(t ^ (t >>> 7), t | 61);  x = t ^ (t >>> 14)
// and the value is −1 + 2·x / 2^32 rounded to f32. Exactly: (x − 2^31) / 2^31, and x − 2^31 is
// x ^ 0x80000000 read as a signed i32, so convert (one rounding to nearest, as the host's f32 store of the
// exact f64) and scale by 2^−31 (a power of two: no second rounding). The reference turns a 0 into 2/1024;
// no u32 state hashes to x = 2^31 (checked over all 2^32 states), so no value here is 0 and the kernel
// has no such branch.
// Legend: out [n] f32 at byte pointer `out`; firstLow = first mod 2^32 (the state only needs that).

const STEP: u32 = 0x6d2b79f5;
const SCALE: f32 = 1.0 / 2147483648.0; // 2^-31

/** The value of mulberry32's advanced state `a`: its hash x, as (x − 2^31) / 2^31 in f32. */
// @ts-ignore: decorator
@inline function drawValue(a: u32): f32 {
  let t = a;
  t = (t ^ (t >>> 15)) * (t | 1);
  t ^= t + (t ^ (t >>> 7)) * (t | 61);
  return <f32><i32>((t ^ (t >>> 14)) ^ 0x80000000) * SCALE;
}

export function fabricFillSeeded(out: usize, n: i32, seed: u32, firstLow: u32): void {
  const a0 = seed + firstLow * STEP; // the state before value `first`
  let a = i32x4(a0 + STEP, a0 + 2 * STEP, a0 + 3 * STEP, a0 + 4 * STEP);
  const step4 = i32x4.splat(4 * STEP);
  const one = i32x4.splat(1), c61 = i32x4.splat(61), sign = i32x4.splat(0x80000000), scale = f32x4.splat(SCALE);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    let t = a;
    t = i32x4.mul(v128.xor(t, i32x4.shr_u(t, 15)), v128.or(t, one));
    t = v128.xor(t, i32x4.add(t, i32x4.mul(v128.xor(t, i32x4.shr_u(t, 7)), v128.or(t, c61))));
    const s = v128.xor(v128.xor(t, i32x4.shr_u(t, 14)), sign);
    v128.store(out + (<usize>i << 2), f32x4.mul(f32x4.convert_i32x4_s(s), scale));
    a = i32x4.add(a, step4);
  }
  for (; i < n; i++) store<f32>(out + (<usize>i << 2), drawValue(a0 + <u32>(i + 1) * STEP));
}
