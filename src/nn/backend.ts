// The kernel calls the layer executor makes, on one Wasm instance, in one place: every op of src/nn goes
// through this adapter, so the reference trainer and the CS-2 workers run the same kernels in the same
// order. Where a WASM kernel exists it is called through its TS facade (src/kernels/*); where it does not
// yet, a plain loop over the instance's memory stands in (marked FALLBACK below).
//
// Legend: F = features, B = batch (samples of this system), C = classes, K = in, N = out features.
// Feature-major activations: X [F, B] row-major (row f = feature f of every sample). W [K, N].
// Pointers are byte offsets into the instance's memory.
import type { Wasm } from '../wasm/module.js';
import { spmmDelta, spmmForward, spmmGrad, type StreamRef } from '../kernels/sparse.js';
import { gemmRef, type GemmForm } from '../ref/dense.js';

export type { StreamRef };

export interface NnBackend {
  readonly w: Wasm;
  /** C[M,N] (+)= op(A)·op(B): 'nn' A[M,K]·B[K,N], 'nt' A[M,K]·B[N,K]ᵀ, 'tn' A[K,M]ᵀ·B[K,N]. */
  gemm(form: GemmForm, c: number, a: number, b: number, M: number, N: number, K: number, accumulate: boolean): void;
  /** Yt [N, B] (+)= Wᵀ·Xt [K, B] from a weight stream. */
  spmmForward(y: number, x: number, s: StreamRef, B: number, accumulate: boolean): void;
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
  /** dx = dy · [y > 0] (y = the ReLU's output). */
  reluBackward(dx: number, dy: number, y: number, n: number): void;
  /** y = x·Φ(x) (exact GELU, erf form). */
  geluForward(y: number, x: number, n: number): void;
  /** dx = dy·(Φ(x) + x·φ(x)). */
  geluBackward(dx: number, dy: number, x: number, n: number): void;
  /** Y [F, B] = γ·(X − μ)·rstd + β per sample b over its F features; saves μ [B], rstd [B]. */
  layerNormForward(y: number, mean: number, rstd: number, x: number, gamma: number, beta: number, F: number, B: number, eps: number): void;
  /** dX [F, B], dγ [F], dβ [F] (overwritten) from dY, X, the saved μ, rstd and γ. */
  layerNormBackward(dx: number, dgamma: number, dbeta: number, dy: number, x: number, mean: number, rstd: number, gamma: number, F: number, B: number): void;
  /** y = a + b over n elements (y may alias a). */
  add(y: number, a: number, b: number, n: number): void;
  /** dst = src over n floats. */
  copy(dst: number, src: number, n: number): void;
  /**
   * Softmax cross-entropy over logits [C, B] with labels [B] (i32): dlogits [C, B] = (softmax − onehot)·scale,
   * returns scale · Σ_b −log softmax[label_b, b]. With scale = 1/B_global the sums over systems are the mean.
   */
  softmaxCrossEntropy(dlogits: number, logits: number, labels: number, C: number, B: number, scale: number): number;
}

/** The backend over a Wasm instance. */
export function createBackend(w: Wasm): NnBackend {
  const f = (p: number, n: number) => w.f32(p, n);
  return {
    w,
    gemm(form, c, a, b, M, N, K, accumulate) {
      // FALLBACK until src/kernels/dense.ts exists.
      const [aLen, bLen] = form === 'nn' ? [M * K, K * N] : form === 'nt' ? [M * K, N * K] : [K * M, K * N];
      gemmRef(form, f(c, M * N), f(a, aLen), f(b, bLen), M, N, K, accumulate);
    },
    spmmForward(y, x, s, B, accumulate) {
      spmmForward(w, y, x, s, B, { accumulate, checked: false });
    },
    spmmDelta(dx, dy, s, B) {
      spmmDelta(w, dx, dy, s, B, { checked: false });
    },
    spmmGrad(g, x, dy, s, B) {
      if (s.nnz > 0) spmmGrad(w, g, x, dy, s, B, { checked: false });
    },
    biasAdd(y, bias, N, B) {
      // FALLBACK
      const Y = f(y, N * B);
      const bv = f(bias, N);
      for (let n = 0; n < N; n++) {
        const v = bv[n];
        for (let b = 0, o = n * B; b < B; b++) Y[o + b] += v;
      }
    },
    biasGrad(db, dy, N, B) {
      // FALLBACK
      const D = f(dy, N * B);
      const g = f(db, N);
      for (let n = 0; n < N; n++) {
        let s = 0;
        for (let b = 0, o = n * B; b < B; b++) s += D[o + b];
        g[n] = s;
      }
    },
    reluForward(y, x, n) {
      const Y = f(y, n);
      const X = f(x, n);
      for (let i = 0; i < n; i++) Y[i] = X[i] > 0 ? X[i] : 0;
    },
    reluBackward(dx, dy, y, n) {
      const DX = f(dx, n);
      const DY = f(dy, n);
      const Y = f(y, n);
      for (let i = 0; i < n; i++) DX[i] = Y[i] > 0 ? DY[i] : 0;
    },
    geluForward(y, x, n) {
      const Y = f(y, n);
      const X = f(x, n);
      for (let i = 0; i < n; i++) Y[i] = X[i] * 0.5 * (1 + erf(X[i] * Math.SQRT1_2));
    },
    geluBackward(dx, dy, x, n) {
      const DX = f(dx, n);
      const DY = f(dy, n);
      const X = f(x, n);
      for (let i = 0; i < n; i++) {
        const v = X[i];
        const cdf = 0.5 * (1 + erf(v * Math.SQRT1_2));
        const pdf = Math.exp(-0.5 * v * v) / Math.sqrt(2 * Math.PI);
        DX[i] = DY[i] * (cdf + v * pdf);
      }
    },
    layerNormForward(y, mean, rstd, x, gamma, beta, F, B, eps) {
      const Y = f(y, F * B);
      const X = f(x, F * B);
      const M = f(mean, B);
      const R = f(rstd, B);
      const G = f(gamma, F);
      const Be = f(beta, F);
      for (let b = 0; b < B; b++) {
        let s = 0;
        for (let j = 0; j < F; j++) s += X[j * B + b];
        const mu = s / F;
        let v = 0;
        for (let j = 0; j < F; j++) v += (X[j * B + b] - mu) ** 2;
        const r = 1 / Math.sqrt(v / F + eps);
        M[b] = mu;
        R[b] = r;
        for (let j = 0; j < F; j++) Y[j * B + b] = (X[j * B + b] - mu) * r * G[j] + Be[j];
      }
    },
    layerNormBackward(dx, dgamma, dbeta, dy, x, mean, rstd, gamma, F, B) {
      const DX = f(dx, F * B);
      const DY = f(dy, F * B);
      const X = f(x, F * B);
      const M = f(mean, B);
      const R = f(rstd, B);
      const G = f(gamma, F);
      const DG = f(dgamma, F);
      const DB = f(dbeta, F);
      for (let j = 0; j < F; j++) {
        let sg = 0;
        let sb = 0;
        for (let b = 0; b < B; b++) {
          const xhat = (X[j * B + b] - M[b]) * R[b];
          sg += DY[j * B + b] * xhat;
          sb += DY[j * B + b];
        }
        DG[j] = sg;
        DB[j] = sb;
      }
      for (let b = 0; b < B; b++) {
        let s1 = 0;
        let s2 = 0;
        for (let j = 0; j < F; j++) {
          const g = DY[j * B + b] * G[j];
          s1 += g;
          s2 += g * (X[j * B + b] - M[b]) * R[b];
        }
        for (let j = 0; j < F; j++) {
          const xhat = (X[j * B + b] - M[b]) * R[b];
          DX[j * B + b] = R[b] * (DY[j * B + b] * G[j] - s1 / F - xhat * (s2 / F));
        }
      }
    },
    add(y, a, b, n) {
      const Y = f(y, n);
      const A = f(a, n);
      const Bv = f(b, n);
      for (let i = 0; i < n; i++) Y[i] = A[i] + Bv[i];
    },
    copy(dst, src, n) {
      w.f32(dst, n).set(w.f32(src, n));
    },
    softmaxCrossEntropy(dlogits, logits, labels, C, B, scale) {
      // FALLBACK
      const D = f(dlogits, C * B);
      const Z = f(logits, C * B);
      const Y = w.i32(labels, B);
      let loss = 0;
      for (let b = 0; b < B; b++) {
        let mx = -Infinity;
        for (let c = 0; c < C; c++) mx = Math.max(mx, Z[c * B + b]);
        let s = 0;
        for (let c = 0; c < C; c++) s += Math.exp(Z[c * B + b] - mx);
        const lse = mx + Math.log(s);
        const y = Y[b];
        loss += lse - Z[y * B + b];
        for (let c = 0; c < C; c++) D[c * B + b] = (Math.exp(Z[c * B + b] - lse) - (c === y ? 1 : 0)) * scale;
      }
      return loss * scale;
    },
  };
}

/** erf, Abramowitz–Stegun 7.1.26 is too coarse for a reference: use a series/continued-fraction pair. */
function erf(x: number): number {
  const ax = Math.abs(x);
  if (ax < 2.5) {
    // Maclaurin series: erf x = 2/sqrt(pi) Σ (-1)^n x^(2n+1) / (n! (2n+1))
    let term = ax;
    let sum = ax;
    const x2 = ax * ax;
    for (let n = 1; n < 60; n++) {
      term *= -x2 / n;
      const add = term / (2 * n + 1);
      sum += add;
      if (Math.abs(add) < 1e-17 * Math.abs(sum)) break;
    }
    const r = (2 / Math.sqrt(Math.PI)) * sum;
    return x < 0 ? -r : r;
  }
  // erfc by continued fraction (Lentz), accurate for |x| >= 2.5
  let f = ax;
  let C = ax;
  let D = 0;
  for (let n = 1; n < 200; n++) {
    const an = n / 2;
    D = ax + an * D;
    D = 1 / D;
    C = ax + an / C;
    const delta = C * D;
    f *= delta;
    if (Math.abs(delta - 1) < 1e-16) break;
  }
  const erfc = Math.exp(-ax * ax) / (f * Math.sqrt(Math.PI));
  const r = 1 - erfc;
  return x < 0 ? -r : r;
}
