// The optimizer step MemoryX runs on a layer's master block: an `Updater` over a Wasm instance that calls
// the optimizer kernels (src/kernels optim facade) when they exist, and a plain-TS loop (FALLBACK, f32
// rounding at every store) until then. Elementwise over n floats, in place:
//   SGD (PyTorch):   g' = g + wd·w;  v = μ·v + g';  w -= lr·v          (μ = 0: w -= lr·g')
//   AdamW (PyTorch): w -= lr·wd·w;  m = β1·m + (1-β1)·g;  v = β2·v + (1-β2)·g²;
//                    w -= (lr / (1-β1^t)) · m / (sqrt(v) / sqrt(1-β2^t) + eps)
import type { Wasm } from '../wasm/module.js';
import type { ResolvedOptimizer } from './optimizer.js';
import type { Updater } from './store.js';

/** The Updater MemoryX uses on instance `w`. */
export function createUpdater(w: Wasm): Updater {
  return {
    update(o, t, wPtr, gPtr, s1Ptr, s2Ptr, n) {
      const W = w.f32(wPtr, n);
      const G = w.f32(gPtr, n);
      if (o.kind === 'sgd') {
        const { lr, momentum: mu, weightDecay: wd } = o;
        if (s1Ptr === 0) {
          for (let i = 0; i < n; i++) W[i] = W[i] - lr * Math.fround(G[i] + wd * W[i]);
          return;
        }
        const V = w.f32(s1Ptr, n);
        for (let i = 0; i < n; i++) {
          V[i] = mu * V[i] + Math.fround(G[i] + wd * W[i]);
          W[i] = W[i] - lr * V[i];
        }
        return;
      }
      const { lr, beta1, beta2, eps, weightDecay: wd } = o;
      const M = w.f32(s1Ptr, n);
      const V = w.f32(s2Ptr, n);
      const bc1 = 1 - beta1 ** t;
      const bc2s = Math.sqrt(1 - beta2 ** t);
      const step = lr / bc1;
      for (let i = 0; i < n; i++) {
        const g = G[i];
        W[i] = W[i] * (1 - lr * wd);
        M[i] = beta1 * M[i] + (1 - beta1) * g;
        V[i] = beta2 * V[i] + (1 - beta2) * g * g;
        W[i] = W[i] - (step * M[i]) / (Math.sqrt(V[i]) / bc2s + eps);
      }
    },
  };
}

export type { ResolvedOptimizer };
