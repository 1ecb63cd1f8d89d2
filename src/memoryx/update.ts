// The optimizer step MemoryX runs on a layer's master block, as an `Updater` over a Wasm instance: the
// optimizer kernels (src/kernels/optim.ts → assembly/optim, SIMD, PyTorch semantics; in place, or read from
// the record's other slot `from` bytes away). The
// in-memory reference trainer uses this same Updater, so both apply bit-identical updates.
// Elementwise over n floats (p = weights, g = gradient, state arrays of the same length):
//   SGD (PyTorch):   d = g + wd·p;  buf = μ·buf + d;  p -= lr·buf     (μ = 0 is plain SGD; buf then = d)
//   AdamW (PyTorch): p -= lr·wd·p;  m = β1·m + (1-β1)·g;  v = β2·v + (1-β2)·g²;
//                    p -= (lr / (1-β1^t)) · m / (sqrt(v) / sqrt(1-β2^t) + eps)
// No mask is passed: a sparse layer's master block holds only its non-zeros (stream-aligned), so there
// is nothing masked to keep at 0 — pruned weights are not stored at all.
import type { Wasm } from '../wasm/module.js';
import { adamw, sgdMomentum } from '../kernels/optim.js';
import type { ResolvedOptimizer } from './optimizer.js';
import type { Updater } from './store.js';

/** The Updater MemoryX (and the reference trainer) uses on instance `w`. */
export function createUpdater(w: Wasm): Updater {
  return {
    update(o, t, wPtr, gPtr, s1Ptr, s2Ptr, n, from = 0) {
      if (n === 0) return;
      if (o.kind === 'sgd') {
        sgdMomentum(w, wPtr, gPtr, s1Ptr, 0, n, { lr: o.lr, momentum: o.momentum, weightDecay: o.weightDecay }, from);
        return;
      }
      adamw(w, wPtr, gPtr, s1Ptr, s2Ptr, 0, n, { lr: o.lr, beta1: o.beta1, beta2: o.beta2, eps: o.eps, weightDecay: o.weightDecay, step: t }, from);
    },
  };
}

export type { ResolvedOptimizer };
