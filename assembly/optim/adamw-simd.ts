// AdamW, SIMD, as MemoryX runs it (PyTorch torch.optim.AdamW semantics, amsgrad off), in place or from
// another copy of p, m and v (`from`: the byte distance from the arrays written to the arrays read; 0 = in
// place, which MemoryX uses to update a record into its other slot without copying it first):
//   p = p·(1 - lr·weightDecay)                          (decoupled weight decay, first)
//   m = beta1·m + (1 - beta1)·g;  v = beta2·v + (1 - beta2)·g²
//   p = p - (lr / (1 - beta1^step)) · m / (√v / √(1 - beta2^step) + eps)
// step is the 1-based count of this update (bias correction). The hyper-parameters come in as f64 and
// the f32 coefficients (1 - beta, 1 - lr·wd, lr / bc1, √bc2) are computed in f64 and rounded once, as
// PyTorch does with its Python-float scalars (1 - f32(0.999) would be off by 1.3e-5 relative). Masked weights (mask byte 0) are written
// as exactly +0, and so are their m and v: they stay pruned.
// Legend: n = weights; p, g, m, v [n] f32 (written; read at p + from, m + from, v + from); mask [n] u8
// (pointer 0 = no mask); byte pointers.
import { keep4 } from "./mask";

export function adamwSimd(
  p: usize, g: usize, m: usize, v: usize, mask: usize, n: i32,
  lr: f64, beta1: f64, beta2: f64, epsilon: f64, weightDecay: f64, step: i32, from: isize,
): void {
  assert(n > 0 && step >= 1, "adamw: n and step must be positive");
  const bc1 = 1 - Math.pow(beta1, <f64>step);
  const bc2 = 1 - Math.pow(beta2, <f64>step);
  const stepSize = <f32>(lr / bc1);
  const bc2Sqrt = <f32>Math.sqrt(bc2);
  const decay = <f32>(1 - lr * weightDecay);
  const b1 = <f32>beta1, b2 = <f32>beta2, c1 = <f32>(1 - beta1), c2 = <f32>(1 - beta2), eps = <f32>epsilon;
  const vdecay = f32x4.splat(decay), vb1 = f32x4.splat(b1), vb2 = f32x4.splat(b2);
  const v1b1 = f32x4.splat(c1), v1b2 = f32x4.splat(c2);
  const vstep = f32x4.splat(stepSize), vbc2 = f32x4.splat(bc2Sqrt), veps = f32x4.splat(eps);
  const hasMask = mask != 0;
  const pIn = p + <usize>from, mIn = m + <usize>from, vIn = v + <usize>from;
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const o = <usize>i * 4;
    const gv = v128.load(g + o);
    let mv = f32x4.add(f32x4.mul(vb1, v128.load(mIn + o)), f32x4.mul(v1b1, gv));
    let vv = f32x4.add(f32x4.mul(vb2, v128.load(vIn + o)), f32x4.mul(v1b2, f32x4.mul(gv, gv)));
    const denom = f32x4.add(f32x4.div(f32x4.sqrt(vv), vbc2), veps);
    let pv = f32x4.sub(f32x4.mul(v128.load(pIn + o), vdecay), f32x4.mul(vstep, f32x4.div(mv, denom)));
    if (hasMask) {
      const k = keep4(mask + <usize>i);
      mv = v128.and(mv, k);
      vv = v128.and(vv, k);
      pv = v128.and(pv, k);
    }
    v128.store(m + o, mv);
    v128.store(v + o, vv);
    v128.store(p + o, pv);
  }
  for (; i < n; i++) {
    const o = <usize>i * 4;
    if (hasMask && load<u8>(mask + <usize>i) == 0) {
      store<f32>(m + o, 0);
      store<f32>(v + o, 0);
      store<f32>(p + o, 0);
      continue;
    }
    const gv = load<f32>(g + o);
    const mv = b1 * load<f32>(mIn + o) + c1 * gv;
    const vv = b2 * load<f32>(vIn + o) + c2 * (gv * gv);
    const denom = Mathf.sqrt(vv) / bc2Sqrt + eps;
    store<f32>(m + o, mv);
    store<f32>(v + o, vv);
    store<f32>(p + o, load<f32>(pIn + o) * decay - stepSize * (mv / denom));
  }
}
