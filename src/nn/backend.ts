// The kernel calls the layer executor makes, on one Wasm instance, in one place: every op of src/nn goes
// through this adapter onto the WASM kernels (src/kernels/kernels.ts facade), so the reference trainer
// and the CS-2 workers run the same kernels in the same order. The only host-side work here is a copy
// (TypedArray.set) and the rescaling of the loss gradient when a system holds part of the batch.
//
// Legend: F = features, B = batch (samples of this system), C = classes, K = in, N = out features.
// Feature-major activations: X [F, B] row-major (row f = feature f of every sample). W [K, N].
// Pointers are byte offsets into the instance's memory.
import type { Wasm } from '../wasm/module.js';
import { Kernels } from '../kernels/kernels.js';
import type { StreamRef } from '../kernels/sparse.js';
import type { GemmForm } from '../kernels/dense.js';

export type { StreamRef };

export interface NnBackend {
  readonly w: Wasm;
  readonly kernels: Kernels;
  /** C[M,N] (+)= op(A)·op(B): 'nn' A[M,K]·B[K,N], 'nt' A[M,K]·B[N,K]ᵀ, 'tn' A[K,M]ᵀ·B[K,N]. */
  gemm(form: GemmForm, c: number, a: number, b: number, M: number, N: number, K: number, accumulate: boolean): void;
  /** Yt [N, B] (+)= Wᵀ·Xt [K, B] from a weight stream. */
  spmmForward(y: number, x: number, s: StreamRef, B: number, accumulate: boolean): void;
  /** Yt [N, B] (+)= Wᵀ·Xt [K, B] from the column layout of a weight stream (bit for bit spmmForward's result). */
  spmmForwardColumns(y: number, x: number, s: StreamRef, B: number, accumulate: boolean): void;
  /** dXt [K, B] = W·dYt [N, B] from a weight stream. */
  spmmDelta(dx: number, dy: number, s: StreamRef, B: number): void;
  /** g [nnz] = Σ_b Xt[k,b]·dYt[n,b] at the stream's non-zeros. */
  spmmGrad(g: number, x: number, dy: number, s: StreamRef, B: number): void;
  /** Y [N, B] += bias [N] (broadcast over the batch). */
  biasAdd(y: number, bias: number, N: number, B: number): void;
  /** db [N] = Σ_b dY[n, b]. */
  biasGrad(db: number, dy: number, N: number, B: number): void;
  /** y = max(x, 0) over n elements. */
  reluForward(y: number, x: number, n: number): void;
  /** dx = dy · [x > 0] (x = the ReLU's input). */
  reluBackward(dx: number, dy: number, x: number, n: number): void;
  /** y = GELU(x), tanh approximation (PyTorch nn.GELU(approximate='tanh')). */
  geluForward(y: number, x: number, n: number): void;
  /** dx = dy·GELU'(x). */
  geluBackward(dx: number, dy: number, x: number, n: number): void;
  /** Y [F, B] = γ·(X − μ)·rstd + β per sample b over its F features; saves μ [B], rstd [B]. */
  layerNormForward(y: number, mean: number, rstd: number, x: number, gamma: number, beta: number, F: number, B: number, eps: number): void;
  /** dX [F, B], dγ [F], dβ [F] (overwritten) from dY, X, the saved μ, rstd and γ. */
  layerNormBackward(dx: number, dgamma: number, dbeta: number, dy: number, x: number, mean: number, rstd: number, gamma: number, F: number, B: number): void;
  /** y += x over n elements (axpy with alpha 1: one f32 rounding, as y + x). */
  addTo(y: number, x: number, n: number): void;
  /** dst = src over n floats. */
  copy(dst: number, src: number, n: number): void;
  /**
   * Softmax cross-entropy over logits [C, B] with labels [B] (i32): dlogits [C, B] = (softmax − onehot)·scale,
   * returns scale · Σ_b −log softmax[label_b, b]. With scale = 1/B_global the sums over systems are the mean.
   */
  softmaxCrossEntropy(dlogits: number, logits: number, labels: number, C: number, B: number, scale: number): number;
  /**
   * Causal multi-head self-attention over nSeq sequences of T tokens (n = nSeq·T columns, j = s·T + t):
   * qkv [3C, n] = q, k, v rows (head h: rows h·hd..(h+1)·hd of each, hd = C/H) → out [C, n]; saves
   * att [nSeq, H, T, T] = the softmax P (0 where t2 > t1).
   */
  attentionForward(out: number, att: number, qkv: number, nSeq: number, T: number, C: number, H: number): void;
  /** dqkv [3C, n] (OVERWRITTEN: dq, dk, dv) from dout [C, n], qkv and att; scratch ≥ attentionScratchFloats(T) floats. */
  attentionBackward(dqkv: number, dout: number, qkv: number, att: number, scratch: number, nSeq: number, T: number, C: number, H: number): void;
  /** Floats of scratch attentionBackward needs (T). */
  attentionScratchFloats(T: number): number;
  /** out [C, n] = wte[ids[j], :] + wpe[j mod T, :] (ids i32 [n]; wte [V, C], wpe [P, C]; V, when given, bounds the ids). */
  embeddingForward(out: number, ids: number, wte: number, wpe: number, n: number, T: number, C: number, V?: number): void;
  /** dwte[ids[j], :] += dout[:, j]; dwpe[j mod T, :] += dout[:, j], j ascending (ADDS: the caller zeros; dwpe 0 skips). */
  embeddingBackward(dwte: number, dwpe: number, dout: number, ids: number, n: number, T: number, C: number, V?: number): void;
}

/** The backend over a Kernels facade (or a bare Wasm instance, wrapped). */
export function createBackend(k: Kernels | Wasm): NnBackend {
  const K = k instanceof Kernels ? k : new Kernels(k);
  const w = K.w;
  return {
    w,
    kernels: K,
    gemm(form, c, a, b, M, N, Kd, accumulate) {
      K.gemm(form, c, a, b, M, N, Kd, { accumulate });
    },
    spmmForward(y, x, s, B, accumulate) {
      K.spmmForward(y, x, s, B, { accumulate, checked: false });
    },
    spmmForwardColumns(y, x, s, B, accumulate) {
      K.spmmForwardColumns(y, x, s, B, { accumulate, checked: false });
    },
    spmmDelta(dx, dy, s, B) {
      K.spmmDelta(dx, dy, s, B, { checked: false });
    },
    spmmGrad(g, x, dy, s, B) {
      if (s.nnz > 0) K.spmmGrad(g, x, dy, s, B, { checked: false });
    },
    biasAdd(y, bias, N, B) {
      K.biasAdd(y, bias, N, B);
    },
    biasGrad(db, dy, N, B) {
      K.biasGrad(db, dy, N, B, false);
    },
    reluForward(y, x, n) {
      K.relu(y, x, n);
    },
    reluBackward(dx, dy, x, n) {
      K.reluBackward(dx, dy, x, n);
    },
    geluForward(y, x, n) {
      K.gelu(y, x, n);
    },
    geluBackward(dx, dy, x, n) {
      K.geluBackward(dx, dy, x, n);
    },
    layerNormForward(y, mean, rstd, x, gamma, beta, F, B, eps) {
      K.layerNorm(y, mean, rstd, x, gamma, beta, F, B, eps);
    },
    layerNormBackward(dx, dgamma, dbeta, dy, x, mean, rstd, gamma, F, B) {
      K.layerNormBackward(dx, dgamma, dbeta, dy, x, mean, rstd, gamma, F, B, false);
    },
    addTo(y, x, n) {
      K.axpy(y, x, 1, n);
    },
    copy(dst, src, n) {
      w.f32(dst, n).set(w.f32(src, n));
    },
    softmaxCrossEntropy(dlogits, logits, labels, C, B, scale) {
      // The kernel gives the mean over its B samples (gradient (softmax - onehot)/B). A system holding B of
      // B_global samples rescales by B/B_global; with B = B_global (one system, the reference) nothing is
      // rescaled, so one system is bit-identical to the reference trainer.
      const mean = K.softmaxCrossEntropy(dlogits, logits, labels, C, B);
      const r = scale * B;
      if (r === 1) return mean;
      const d = w.f32(dlogits, C * B);
      for (let i = 0; i < d.length; i++) d[i] *= r;
      return mean * r;
    },
    attentionForward(out, att, qkv, nSeq, T, C, H) {
      K.attentionForward(out, att, qkv, nSeq, T, C, H);
    },
    attentionBackward(dqkv, dout, qkv, att, scratch, nSeq, T, C, H) {
      K.attentionBackward(dqkv, dout, qkv, att, scratch, nSeq, T, C, H);
    },
    attentionScratchFloats(T) {
      return K.attentionScratchFloats(T);
    },
    embeddingForward(out, ids, wte, wpe, n, T, C, V) {
      K.embeddingForward(out, ids, wte, wpe, n, T, C, V);
    },
    embeddingBackward(dwte, dwpe, dout, ids, n, T, C, V) {
      K.embeddingBackward(dwte, dwpe, dout, ids, n, T, C, V);
    },
  };
}
