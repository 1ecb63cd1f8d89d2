// Vector math for the nn kernels: exp (Cephes expf: range reduction by ln 2, degree-5 polynomial,
// 2^n built in the exponent bits; about 1-2 ulp over [-87.3, 88.3], clamped outside), in f32x4 and
// with the same scalar formula for the tails, so every lane computes the same thing. n = round(x·log2 e)
// comes from adding 1.5·2^23 (the float's integer bits then hold n), which avoids V8's slow saturating
// float-to-int conversion. The vector constants are loaded from a static table (one load-splat each)
// rather than written as v128 constants: Binaryen propagates those into the loops, where V8 rebuilds each
// one from immediates on every iteration (about 4 instructions apiece; it made GELU ~3x slower).

const EXP_HI: f32 = 88.3;
const EXP_LO: f32 = -87.3;
const LOG2E: f32 = 1.44269504088896341;
const LN2_HI: f32 = 0.693359375;
const LN2_LO: f32 = -2.12194440e-4;
const P0: f32 = 1.9875691500e-4;
const P1: f32 = 1.3981999507e-3;
const P2: f32 = 8.3334519073e-3;
const P3: f32 = 4.1665795894e-2;
const P4: f32 = 1.6666665459e-1;
const P5: f32 = 5.0000001201e-1;
/** 1.5·2^23: adding it rounds a float of magnitude < 2^22 to an integer held in the low mantissa bits. */
const MAGIC: f32 = 12582912.0;
/** The bits of MAGIC, minus the exponent bias: (bits(x·log2e + MAGIC) + BIAS_FIX) << 23 = 2^n as a float. */
const BIAS_FIX: i32 = 127 - 0x4b400000;

/** The constants of exp4 in the order of the byte offsets used below (0, 4, 8, ...). */
@lazy const EXP_TABLE = memory.data<f32>([EXP_HI, EXP_LO, LOG2E, MAGIC, LN2_HI, LN2_LO, P0, P1, P2, P3, P4, P5, 1]);
@lazy const BIAS_FIX_TABLE = memory.data<i32>([BIAS_FIX]);

/** e^x for 4 lanes. */
@inline
export function exp4(x: v128): v128 {
  const K = EXP_TABLE;
  // pmin/pmax are single minps/maxps; f32x4.min/max carry a NaN/-0 fix-up sequence in V8. NaN stays NaN.
  x = f32x4.pmax(f32x4.pmin(x, v128.load32_splat(K, 0)), v128.load32_splat(K, 4));
  const magic = v128.load32_splat(K, 12);
  const t = f32x4.add(f32x4.mul(x, v128.load32_splat(K, 8)), magic);
  const n = f32x4.sub(t, magic);
  let r = f32x4.sub(x, f32x4.mul(n, v128.load32_splat(K, 16)));
  r = f32x4.sub(r, f32x4.mul(n, v128.load32_splat(K, 20)));
  let p = v128.load32_splat(K, 24);
  p = f32x4.add(f32x4.mul(p, r), v128.load32_splat(K, 28));
  p = f32x4.add(f32x4.mul(p, r), v128.load32_splat(K, 32));
  p = f32x4.add(f32x4.mul(p, r), v128.load32_splat(K, 36));
  p = f32x4.add(f32x4.mul(p, r), v128.load32_splat(K, 40));
  p = f32x4.add(f32x4.mul(p, r), v128.load32_splat(K, 44));
  p = f32x4.add(f32x4.add(f32x4.mul(f32x4.mul(p, r), r), r), v128.load32_splat(K, 48));
  const pow2n = i32x4.shl(i32x4.add(t, v128.load32_splat(BIAS_FIX_TABLE)), 23);
  return f32x4.mul(p, pow2n);
}

/** e^x, scalar, the same formula as exp4. */
@inline
export function exp1(x: f32): f32 {
  x = max(min(x, EXP_HI), EXP_LO);
  const t = x * LOG2E + MAGIC;
  const n = t - MAGIC;
  let r = x - n * LN2_HI;
  r = r - n * LN2_LO;
  let p = P0;
  p = p * r + P1;
  p = p * r + P2;
  p = p * r + P3;
  p = p * r + P4;
  p = p * r + P5;
  p = p * r * r + r + 1;
  return p * reinterpret<f32>((reinterpret<i32>(t) + BIAS_FIX) << 23);
}
