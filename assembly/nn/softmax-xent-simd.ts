// Softmax cross-entropy, forward and backward in one pass, SIMD across samples, feature-major:
// for each sample b, p[:, b] = softmax(logits[:, b]) over the C classes;
//   loss = (1/B)·Σ_b (log Σ_c e^{logits[c,b]} - logits[labels[b], b])   (returned, f64)
//   dlogits[c, b] = (p[c, b] - [c == labels[b]]) / B                     (skipped when dlogits = 0)
// Legend: C = classes (rows), B = batch (contiguous columns); logits, dlogits [C, B] f32; labels [B] i32
// in [0, C). Four samples per strip (one f32x4 down the column), max-subtracted for stability;
// dlogits holds e^{l - max} between the second and third pass.
import { exp1, exp4 } from "./simd-math";

export function softmaxXentSimd(dlogits: usize, logits: usize, labels: usize, C: i32, B: i32): f64 {
  assert(C > 0 && B > 0, "softmaxXent: sizes must be positive");
  const ld = <usize>B * 4;
  const invB: f32 = <f32>1 / <f32>B;
  const grad = dlogits != 0;
  let loss: f64 = 0;
  let b = 0;
  for (; b + 4 <= B; b += 4) {
    const col = logits + <usize>b * 4;
    const lab = v128.load(labels + <usize>b * 4);
    let m = v128.load(col);
    for (let c = 1; c < C; c++) m = f32x4.max(m, v128.load(col + <usize>c * ld));
    let s = f32x4.splat(0);
    let picked = f32x4.splat(0);
    for (let c = 0; c < C; c++) {
      const l = v128.load(col + <usize>c * ld);
      const e = exp4(f32x4.sub(l, m));
      s = f32x4.add(s, e);
      picked = v128.bitselect(l, picked, i32x4.eq(lab, i32x4.splat(c)));
      if (grad) v128.store(dlogits + <usize>c * ld + <usize>b * 4, e);
    }
    loss += <f64>Math.log(<f64>f32x4.extract_lane(s, 0)) + <f64>f32x4.extract_lane(m, 0) - <f64>f32x4.extract_lane(picked, 0);
    loss += <f64>Math.log(<f64>f32x4.extract_lane(s, 1)) + <f64>f32x4.extract_lane(m, 1) - <f64>f32x4.extract_lane(picked, 1);
    loss += <f64>Math.log(<f64>f32x4.extract_lane(s, 2)) + <f64>f32x4.extract_lane(m, 2) - <f64>f32x4.extract_lane(picked, 2);
    loss += <f64>Math.log(<f64>f32x4.extract_lane(s, 3)) + <f64>f32x4.extract_lane(m, 3) - <f64>f32x4.extract_lane(picked, 3);
    if (grad) {
      const scale = f32x4.div(f32x4.splat(invB), s);
      const ib = f32x4.splat(invB);
      for (let c = 0; c < C; c++) {
        const p = dlogits + <usize>c * ld + <usize>b * 4;
        const hot = v128.and(ib, i32x4.eq(lab, i32x4.splat(c)));
        v128.store(p, f32x4.sub(f32x4.mul(v128.load(p), scale), hot));
      }
    }
  }
  for (; b < B; b++) {
    const col = logits + <usize>b * 4;
    const label = load<i32>(labels + <usize>b * 4);
    assert(label >= 0 && label < C, "softmaxXent: label out of range");
    let m = load<f32>(col);
    for (let c = 1; c < C; c++) m = max(m, load<f32>(col + <usize>c * ld));
    let s: f32 = 0;
    for (let c = 0; c < C; c++) {
      const e = exp1(load<f32>(col + <usize>c * ld) - m);
      s += e;
      if (grad) store<f32>(dlogits + <usize>c * ld + <usize>b * 4, e);
    }
    loss += <f64>Math.log(<f64>s) + <f64>m - <f64>load<f32>(col + <usize>label * ld);
    if (grad) {
      const scale = invB / s;
      for (let c = 0; c < C; c++) {
        const p = dlogits + <usize>c * ld + <usize>b * 4;
        store<f32>(p, load<f32>(p) * scale - (c == label ? invB : <f32>0));
      }
    }
  }
  return loss / <f64>B;
}
