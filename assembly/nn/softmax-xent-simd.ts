// Softmax cross-entropy, forward and backward in one call, SIMD across samples, feature-major:
// for each sample b, p[:, b] = softmax(logits[:, b]) over the C classes;
//   loss = (1/B)·Σ_b (log Σ_c e^{logits[c,b] - m_b} + m_b - logits[labels[b], b]),  m_b = max_c logits[c,b]
//   dlogits[c, b] = (p[c, b] - [c == labels[b]]) / B                     (skipped when dlogits = 0)
// Legend: C = classes (rows), B = batch (contiguous columns); logits, dlogits [C, B] f32; labels [B] i32
// in [0, C). Every pass streams whole rows (the batch is contiguous): max, then the sum of exponentials
// (kept in dlogits), then the scaling; the per-sample max and sum live in the instance's scratch (2·B floats).
// The loss is returned in f64.
import { getScratchPtr, getScratchBytes } from "../common";
import { exp1, exp4 } from "./simd-math";

export function softmaxXentSimd(dlogits: usize, logits: usize, labels: usize, C: i32, B: i32): f64 {
  assert(C > 0 && B > 0, "softmaxXent: sizes must be positive");
  const ld = <usize>B * 4;
  assert(ld * 2 <= getScratchBytes(), "softmaxXent: scratch too small (needs 8·B bytes)");
  if (ld * 2 > getScratchBytes()) unreachable(); // release builds too: trap rather than write past the scratch
  const mx = getScratchPtr(), sm = mx + ld;
  const b4 = B & ~3;
  const grad = dlogits != 0;
  // pass 1: m_b = max over the rows
  memory.copy(mx, logits, ld);
  for (let c = 1; c < C; c++) {
    const row = logits + <usize>c * ld;
    let b = 0;
    for (; b < b4; b += 4) {
      const o = <usize>b * 4;
      v128.store(mx + o, f32x4.pmax(v128.load(mx + o), v128.load(row + o)));
    }
    for (; b < B; b++) {
      const o = <usize>b * 4;
      store<f32>(mx + o, max(load<f32>(mx + o), load<f32>(row + o)));
    }
  }
  // pass 2: s_b = Σ_c e^{l - m_b}; the exponentials go to dlogits for pass 3
  memory.fill(sm, 0, ld);
  for (let c = 0; c < C; c++) {
    const row = logits + <usize>c * ld;
    const out = dlogits + <usize>c * ld;
    let b = 0;
    for (; b < b4; b += 4) {
      const o = <usize>b * 4;
      const e = exp4(f32x4.sub(v128.load(row + o), v128.load(mx + o)));
      v128.store(sm + o, f32x4.add(v128.load(sm + o), e));
      if (grad) v128.store(out + o, e);
    }
    for (; b < B; b++) {
      const o = <usize>b * 4;
      const e = exp1(load<f32>(row + o) - load<f32>(mx + o));
      store<f32>(sm + o, load<f32>(sm + o) + e);
      if (grad) store<f32>(out + o, e);
    }
  }
  // the loss, per sample in f64
  let loss: f64 = 0;
  for (let b = 0; b < B; b++) {
    const o = <usize>b * 4;
    const label = load<i32>(labels + o);
    assert(label >= 0 && label < C, "softmaxXent: label out of range");
    loss += Math.log(<f64>load<f32>(sm + o)) + <f64>load<f32>(mx + o) - <f64>load<f32>(logits + <usize>label * ld + o);
  }
  if (grad) {
    // pass 3: dlogits = e·(1/(B·s_b)), then subtract 1/B at each sample's label
    const invB: f32 = <f32>1 / <f32>B;
    let b = 0;
    for (; b < b4; b += 4) {
      const o = <usize>b * 4;
      v128.store(sm + o, f32x4.div(f32x4.splat(invB), v128.load(sm + o)));
    }
    for (; b < B; b++) {
      const o = <usize>b * 4;
      store<f32>(sm + o, invB / load<f32>(sm + o));
    }
    for (let c = 0; c < C; c++) {
      const out = dlogits + <usize>c * ld;
      b = 0;
      for (; b < b4; b += 4) {
        const o = <usize>b * 4;
        v128.store(out + o, f32x4.mul(v128.load(out + o), v128.load(sm + o)));
      }
      for (; b < B; b++) {
        const o = <usize>b * 4;
        store<f32>(out + o, load<f32>(out + o) * load<f32>(sm + o));
      }
    }
    for (b = 0; b < B; b++) {
      const p = dlogits + <usize>load<i32>(labels + <usize>b * 4) * ld + <usize>b * 4;
      store<f32>(p, load<f32>(p) - invB);
    }
  }
  return loss / <f64>B;
}
