// SGD with momentum, SIMD, as MemoryX runs it (PyTorch torch.optim.SGD semantics with dampening 0,
// nesterov off; buf starts at zero, which equals PyTorch's first-step clone of the gradient), in place or
// from another copy of p and buf (`from`, as in adamw-simd.ts: the byte distance from the arrays written
// to the arrays read; 0 = in place):
//   d = g + weightDecay·p;  buf = momentum·buf + d;  p = p - lr·buf
// Masked weights (mask byte 0) are written as exactly +0 and so is their buf: they stay pruned.
// Legend: n = weights; p, g, buf [n] f32 (written; read at p + from, buf + from); mask [n] u8 (pointer 0 =
// no mask); byte pointers.
import { keep4 } from "./mask";

export function sgdMomentumSimd(p: usize, g: usize, buf: usize, mask: usize, n: i32, lrF64: f64, momentumF64: f64, weightDecayF64: f64, from: isize): void {
  assert(n > 0, "sgd: n must be positive");
  const lr = <f32>lrF64, momentum = <f32>momentumF64, weightDecay = <f32>weightDecayF64;
  const vlr = f32x4.splat(lr), vmu = f32x4.splat(momentum), vwd = f32x4.splat(weightDecay);
  const hasMask = mask != 0;
  const pIn = p + <usize>from, bufIn = buf + <usize>from;
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const o = <usize>i * 4;
    const pv = v128.load(pIn + o);
    const d = f32x4.add(v128.load(g + o), f32x4.mul(vwd, pv));
    let b = f32x4.add(f32x4.mul(vmu, v128.load(bufIn + o)), d);
    let np = f32x4.sub(pv, f32x4.mul(vlr, b));
    if (hasMask) {
      const k = keep4(mask + <usize>i);
      b = v128.and(b, k);
      np = v128.and(np, k);
    }
    v128.store(buf + o, b);
    v128.store(p + o, np);
  }
  for (; i < n; i++) {
    const o = <usize>i * 4;
    if (hasMask && load<u8>(mask + <usize>i) == 0) {
      store<f32>(buf + o, 0);
      store<f32>(p + o, 0);
      continue;
    }
    const pv = load<f32>(pIn + o);
    const d = load<f32>(g + o) + weightDecay * pv;
    const b = momentum * load<f32>(bufIn + o) + d;
    store<f32>(buf + o, b);
    store<f32>(p + o, pv - lr * b);
  }
}
