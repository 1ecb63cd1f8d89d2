// Plain-TS reference for the optimizer updates (the living spec), in f64, results stored to f32.
// PyTorch semantics: torch.optim.SGD (momentum, weight decay; dampening 0, nesterov off; buf starts at
// zero) and torch.optim.AdamW (decoupled weight decay, bias correction with the 1-based step, eps added
// after √ of the bias-corrected v; amsgrad off). A mask (one byte per weight, 0 = pruned) forces the
// pruned weights and their optimizer state to exactly 0.
// Legend: n = weights; p, g, state [n] f32; mask [n] u8 or null.

export interface SgdHyper {
  lr: number;
  momentum: number;
  weightDecay: number;
}

export interface AdamWHyper {
  lr: number;
  beta1: number;
  beta2: number;
  eps: number;
  weightDecay: number;
  /** 1-based count of this update. */
  step: number;
}

/** d = g + wd·p; buf = μ·buf + d; p -= lr·buf. */
export function sgdMomentumRef(p: Float32Array, g: Float32Array, buf: Float32Array, mask: Uint8Array | null, n: number, h: SgdHyper): void {
  for (let i = 0; i < n; i++) {
    if (mask && mask[i] === 0) {
      p[i] = 0;
      buf[i] = 0;
      continue;
    }
    const d = g[i] + h.weightDecay * p[i];
    const b = h.momentum * buf[i] + d;
    buf[i] = b;
    p[i] = p[i] - h.lr * b;
  }
}

/** p *= 1 - lr·wd; m = β1·m + (1-β1)·g; v = β2·v + (1-β2)·g²; p -= lr/(1-β1^t) · m / (√v/√(1-β2^t) + eps). */
export function adamwRef(
  p: Float32Array, g: Float32Array, m: Float32Array, v: Float32Array, mask: Uint8Array | null, n: number, h: AdamWHyper,
): void {
  const bc1 = 1 - h.beta1 ** h.step;
  const bc2 = 1 - h.beta2 ** h.step;
  for (let i = 0; i < n; i++) {
    if (mask && mask[i] === 0) {
      p[i] = 0;
      m[i] = 0;
      v[i] = 0;
      continue;
    }
    const mi = h.beta1 * m[i] + (1 - h.beta1) * g[i];
    const vi = h.beta2 * v[i] + (1 - h.beta2) * g[i] * g[i];
    m[i] = mi;
    v[i] = vi;
    p[i] = p[i] * (1 - h.lr * h.weightDecay) - (h.lr / bc1) * (mi / (Math.sqrt(vi) / Math.sqrt(bc2) + h.eps));
  }
}
