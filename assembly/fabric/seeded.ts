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
//
// And the seeded layer weights (fabricSeededRows): seededLayerStream's stream (src/fabric/weights.ts, its
// reference, which a test holds this to bit for bit), row by row: the mask by selection sampling over the K·N
// positions (position i is kept when hash01(mask state) · (K·N − i) < the non-zeros still needed: the same f64
// product and comparison as the host's), each kept value the value sequence's draw at that position.

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

/** mulberry32's output for an advanced state `a` as a uniform in [0, 1) (f64, exact: x / 2^32). */
// @ts-ignore: decorator
@inline function draw01(a: u32): f64 {
  let t = a;
  t = (t ^ (t >>> 15)) * (t | 1);
  t ^= t + (t ^ (t >>> 7)) * (t | 61);
  return <f64>(t ^ (t >>> 14)) / 4294967296.0;
}

/**
 * Rows k0 .. k1 − 1 of seededLayerStream(K, N, …) into `words` (u32 [K + 2·keep]; values as f32 bits): per row
 * its count word, then (delta of n, value) pairs. `total` = K·N. The state between calls is at `st` as f64 [4]:
 * non-zeros still needed, the next word's index, the mask's and the values' generator states (start: keep, 0,
 * seed, seed ^ 0x9e3779b9).
 */
export function fabricSeededRows(words: usize, st: usize, k0: i32, k1: i32, N: i32, total: f64): void {
  let need = load<f64>(st);
  let p = <usize>load<f64>(st, 8);
  let am = <u32>load<f64>(st, 16);
  let av = <u32>load<f64>(st, 24);
  for (let k = k0; k < k1; k++) {
    const countAt = p++;
    let count: u32 = 0;
    let prev: i32 = 0;
    const left = total - <f64>k * <f64>N; // positions from this row's first on
    for (let n = 0; n < N; n++) {
      av += STEP;
      if (need == 0) continue;
      am += STEP;
      if (draw01(am) * (left - <f64>n) >= need) continue;
      need -= 1;
      store<u32>(words + (p << 2), <u32>(n - prev));
      store<f32>(words + ((p + 1) << 2), drawValue(av));
      p += 2;
      prev = n;
      count++;
    }
    store<u32>(words + (countAt << 2), count);
  }
  store<f64>(st, need);
  store<f64>(st, <f64>p, 8);
  store<f64>(st, <f64>am, 16);
  store<f64>(st, <f64>av, 24);
}
