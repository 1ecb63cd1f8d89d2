// Comparing GPT-2 weights between trainers, per parameter in file layout, with the one part that no two
// float summation orders can agree on set apart: the key bias (c_attn.bias[C, 2C)). Its gradient is 0
// analytically (q·(k + b) shifts every score of a row alike and softmax ignores that), so each trainer
// computes float noise there, which AdamW's normalisation turns into lr-sized steps of either sign.
import { toTorch, type Params } from '../../src/model/params.js';
import type { Plan } from '../../src/model/plan.js';

export interface WeightDiff {
  /** Largest |a − b| / max|b| per tensor, over every parameter but the key biases. */
  rel: number;
  /** Largest |a − b| over every parameter but the key biases. */
  abs: number;
  /** Largest |a − b| over the key biases (bounded by the optimizer's step sizes only). */
  keyBiasAbs: number;
}

export function weightDiff(plan: Plan, got: Params, want: Params): WeightDiff {
  const d: WeightDiff = { rel: 0, abs: 0, keyBiasAbs: 0 };
  for (const p of plan.params) {
    if (p.tiedTo >= 0) continue;
    const a = toTorch(p, got[p.layer]);
    const b = toTorch(p, want[p.layer]);
    const C = p.size / 3;
    const isKey = (i: number) => p.name.endsWith('attn.c_attn.bias') && i >= C && i < 2 * C;
    let scale = 0;
    let m = 0;
    for (let i = 0; i < a.length; i++) {
      const e = Math.abs(a[i] - b[i]);
      if (isKey(i)) {
        d.keyBiasAbs = Math.max(d.keyBiasAbs, e);
        continue;
      }
      scale = Math.max(scale, Math.abs(b[i]));
      m = Math.max(m, e);
    }
    d.abs = Math.max(d.abs, m);
    d.rel = Math.max(d.rel, m / Math.max(scale, 1e-30));
  }
  return d;
}
