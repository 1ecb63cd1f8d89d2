// GELU, tanh approximation (as PyTorch's GELU(approximate='tanh')), forward and backward, SIMD,
// elementwise over n values (any layout; y may be x: in place).
//   y  = 0.5·x·(1 + t),  t = tanh(u),  u = √(2/π)·(x + 0.044715·x³)
//   dx = dy·(0.5·(1 + t) + 0.5·x·(1 - t²)·√(2/π)·(1 + 3·0.044715·x²))
// Computed without cancellation through s = 0.5·(1 + t) = 1/(1 + e^{-2u}) (a sigmoid) and
// 1 - s = s·e^{-2u}:  y = x·s;  dx = dy·(s + 2·x·s·(1 - s)·du/dx). Where -2u passes exp's range
// (x below about -9.4, or x³ overflowing) s is set to exactly 0, as tanh saturates to -1.
import { exp1, exp4 } from "./simd-math";

const SAT: f32 = 88.0;
/** Vector constants, loaded with load-splats (see simd-math.ts for why): offsets 0 √(2/π), 4 C3, 8 1, 12 -2, 16 SAT, 20 3·C3, 24 2. */
@lazy const GELU_TABLE = memory.data<f32>([S2PI, C3, 1, -2, SAT, 3 * C3, 2]);

const S2PI: f32 = 0.7978845608028654; // √(2/π)
const C3: f32 = 0.044715;

export function geluFwdSimd(y: usize, x: usize, n: i32): void {
  assert(n > 0, "gelu: n must be positive");
  const G = GELU_TABLE;
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const o = <usize>i * 4;
    const s = v128.load32_splat(G, 0), c = v128.load32_splat(G, 4), one = v128.load32_splat(G, 8);
    const m2 = v128.load32_splat(G, 12), sat = v128.load32_splat(G, 16);
    const v = v128.load(x + o);
    const u = f32x4.mul(s, f32x4.add(v, f32x4.mul(c, f32x4.mul(v, f32x4.mul(v, v)))));
    const a = f32x4.mul(m2, u);
    const sg = v128.andnot(f32x4.div(one, f32x4.add(one, exp4(a))), f32x4.gt(a, sat));
    v128.store(y + o, f32x4.mul(v, sg));
  }
  for (; i < n; i++) {
    const o = <usize>i * 4;
    const v = load<f32>(x + o);
    const u = S2PI * (v + C3 * (v * (v * v)));
    const a = <f32>-2 * u;
    const sg: f32 = a > SAT ? 0 : <f32>1 / (<f32>1 + exp1(a));
    store<f32>(y + o, v * sg);
  }
}

export function geluBwdSimd(dx: usize, dy: usize, x: usize, n: i32): void {
  assert(n > 0, "gelu: n must be positive");
  const G = GELU_TABLE;
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const o = <usize>i * 4;
    const s = v128.load32_splat(G, 0), c = v128.load32_splat(G, 4), one = v128.load32_splat(G, 8);
    const m2 = v128.load32_splat(G, 12), sat = v128.load32_splat(G, 16), c3 = v128.load32_splat(G, 20), two = v128.load32_splat(G, 24);
    const v = v128.load(x + o);
    const v2 = f32x4.mul(v, v);
    const a = f32x4.mul(m2, f32x4.mul(s, f32x4.add(v, f32x4.mul(c, f32x4.mul(v, v2)))));
    const e = exp4(a);
    const sg = v128.andnot(f32x4.div(one, f32x4.add(one, e)), f32x4.gt(a, sat));
    const du = f32x4.mul(s, f32x4.add(one, f32x4.mul(c3, v2)));
    const g = f32x4.add(sg, f32x4.mul(f32x4.mul(f32x4.mul(two, v), f32x4.mul(sg, f32x4.mul(sg, e))), du));
    v128.store(dx + o, f32x4.mul(v128.load(dy + o), g));
  }
  for (; i < n; i++) {
    const o = <usize>i * 4;
    const v = load<f32>(x + o);
    const v2 = v * v;
    const a = <f32>-2 * (S2PI * (v + C3 * (v * v2)));
    const e = exp1(a);
    const sg: f32 = a > SAT ? 0 : <f32>1 / (<f32>1 + e);
    const du = S2PI * (<f32>1 + <f32>3 * C3 * v2);
    const g = sg + ((<f32>2 * v) * (sg * (sg * e))) * du;
    store<f32>(dx + o, load<f32>(dy + o) * g);
  }
}
