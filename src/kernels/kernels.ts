// `Kernels`: one Wasm instance with a typed, checked method for every kernel of the module: what the
// training engine calls. Each method forwards to an area's facade (dense.ts, nn.ts, attention.ts,
// embedding.ts, optim.ts, sparse.ts), which checks sizes and pointer ranges (naming the argument) before calling WASM.
// Pointers are byte offsets into `this.w.memory`; allocate with `this.w.allocF32` / `this.w.arena`.
// Layouts: see the facades' legends (activations feature-major [features, batch]; weights W[K_in, N_out]).
import { Wasm, type WasmOptions } from '../wasm/module.js';
import * as attention from './attention.js';
import * as dense from './dense.js';
import * as embedding from './embedding.js';
import * as nn from './nn.js';
import * as optim from './optim.js';
import * as sparse from './sparse.js';
import type { GemmForm, GemmOptions } from './dense.js';

export class Kernels {
  readonly w: Wasm;

  constructor(w: Wasm = new Wasm()) {
    this.w = w;
  }

  /** A Kernels over a new Wasm instance (see WasmOptions: memory to share, scratch bytes, flavor). */
  static create(opts: WasmOptions = {}): Kernels {
    return new Kernels(new Wasm(opts));
  }

  // ---- dense (src/kernels/dense.ts) ----------------------------------------------------------------

  /** C[M,N] (+)= op(A)·op(B), forms nn / nt / tn. */
  gemm(form: GemmForm, c: number, a: number, b: number, M: number, N: number, K: number, opts?: GemmOptions): void {
    dense.gemm(this.w, form, c, a, b, M, N, K, opts);
  }
  /** C[M,N] (+)= A[M,K]·B[K,N]. Feature-major delta: dXt = nn(W, dYt). */
  gemmNN(c: number, a: number, b: number, M: number, N: number, K: number, accumulate = false): void {
    dense.gemm(this.w, 'nn', c, a, b, M, N, K, { accumulate });
  }
  /** C[M,N] (+)= A[M,K]·B[N,K]ᵀ. Feature-major weight gradient: dW = nt(Xt, dYt). */
  gemmNT(c: number, a: number, b: number, M: number, N: number, K: number, accumulate = false): void {
    dense.gemm(this.w, 'nt', c, a, b, M, N, K, { accumulate });
  }
  /** C[M,N] (+)= A[K,M]ᵀ·B[K,N]. Feature-major forward: Yt = tn(W, Xt). */
  gemmTN(c: number, a: number, b: number, M: number, N: number, K: number, accumulate = false): void {
    dense.gemm(this.w, 'tn', c, a, b, M, N, K, { accumulate });
  }
  /** y[M] (+)= A[M,K]·x[K] ('n') or y[K] (+)= A[M,K]ᵀ·x[M] ('t'). */
  gemv(form: 'n' | 't', y: number, a: number, x: number, M: number, K: number, accumulate = false): void {
    dense.gemv(this.w, form, y, a, x, M, K, accumulate);
  }
  /** y[n] += alpha·x[n]. */
  axpy(y: number, x: number, alpha: number, n: number): void {
    dense.axpy(this.w, y, x, alpha, n);
  }

  // ---- nn (src/kernels/nn.ts) ----------------------------------------------------------------------

  /** Yt[n,b] += bias[n], in place. */
  biasAdd(y: number, bias: number, N: number, B: number): void {
    nn.biasAdd(this.w, y, bias, N, B);
  }
  /** db[n] (+)= Σ_b dYt[n,b]. */
  biasGrad(db: number, dy: number, N: number, B: number, accumulate = false): void {
    nn.biasGrad(this.w, db, dy, N, B, accumulate);
  }
  /** y = max(x, 0) over n values (y may be x). */
  relu(y: number, x: number, n: number): void {
    nn.relu(this.w, y, x, n);
  }
  /** dx = dy·[x > 0] (x = the forward's input). */
  reluBackward(dx: number, dy: number, x: number, n: number): void {
    nn.reluBackward(this.w, dx, dy, x, n);
  }
  /** y = GELU(x), tanh approximation (PyTorch approximate='tanh'). */
  gelu(y: number, x: number, n: number): void {
    nn.gelu(this.w, y, x, n);
  }
  /** dx = dy·GELU'(x). */
  geluBackward(dx: number, dy: number, x: number, n: number): void {
    nn.geluBackward(this.w, dx, dy, x, n);
  }
  /** Mean softmax cross-entropy of logits [C,B] with labels i32 [B]; writes dlogits [C,B] unless 0. */
  softmaxCrossEntropy(dlogits: number, logits: number, labels: number, C: number, B: number): number {
    return nn.softmaxCrossEntropy(this.w, dlogits, logits, labels, C, B);
  }
  /** LayerNorm over the F features of each sample: y, mean [B], rstd [B] from x [F,B], gamma, beta [F]. */
  layerNorm(y: number, mean: number, rstd: number, x: number, gamma: number, beta: number, F: number, B: number, eps = 1e-5): void {
    nn.layerNorm(this.w, y, mean, rstd, x, gamma, beta, F, B, eps);
  }
  /** LayerNorm backward: dx [F,B], dgamma, dbeta [F] (accumulate adds to dgamma/dbeta). */
  layerNormBackward(
    dx: number, dgamma: number, dbeta: number, dy: number, x: number, mean: number, rstd: number, gamma: number,
    F: number, B: number, accumulate = false,
  ): void {
    nn.layerNormBackward(this.w, dx, dgamma, dbeta, dy, x, mean, rstd, gamma, F, B, accumulate);
  }

  // ---- attention, embedding (src/kernels/attention.ts, embedding.ts) --------------------------------

  /** out [C, n] = causal multi-head attention of qkv [3C, n] (n = nSeq·T); saves att [nSeq, H, T, T]. */
  attentionForward(out: number, att: number, qkv: number, nSeq: number, T: number, C: number, H: number): void {
    attention.attentionForward(this.w, out, att, qkv, nSeq, T, C, H);
  }
  /** dqkv [3C, n] (overwritten) from dout [C, n], qkv and att; scratch of attentionScratchFloats(T) floats. */
  attentionBackward(dqkv: number, dout: number, qkv: number, att: number, scratch: number, nSeq: number, T: number, C: number, H: number): void {
    attention.attentionBackward(this.w, dqkv, dout, qkv, att, scratch, nSeq, T, C, H);
  }
  /** Floats of scratch attentionBackward needs for sequences of T tokens. */
  attentionScratchFloats(T: number): number {
    return attention.attentionScratchFloats(T);
  }
  /** out [C, n] = wte[ids[j], :] + wpe[j mod T, :] (V, when given, bounds the ids). */
  embeddingForward(out: number, ids: number, wte: number, wpe: number, n: number, T: number, C: number, V?: number): void {
    embedding.embeddingForward(this.w, out, ids, wte, wpe, n, T, C, V);
  }
  /** dwte[ids[j], :] += dout[:, j]; dwpe[j mod T, :] += dout[:, j] (dwpe 0: skipped). */
  embeddingBackward(dwte: number, dwpe: number, dout: number, ids: number, n: number, T: number, C: number, V?: number): void {
    embedding.embeddingBackward(this.w, dwte, dwpe, dout, ids, n, T, C, V);
  }

  // ---- optim (src/kernels/optim.ts) ----------------------------------------------------------------

  /** SGD with momentum in place (mask: u8 pointer, 0 = none; pruned weights and state stay exactly 0). */
  sgdMomentum(p: number, g: number, buf: number, mask: number, n: number, h: optim.SgdHyper): void {
    optim.sgdMomentum(this.w, p, g, buf, mask, n, h);
  }
  /** AdamW in place (mask as for sgdMomentum; h.step is the 1-based update count). */
  adamw(p: number, g: number, m: number, v: number, mask: number, n: number, h: optim.AdamWHyper): void {
    optim.adamw(this.w, p, g, m, v, mask, n, h);
  }

  // ---- sparse (src/kernels/sparse.ts; this section belongs to the sparse kernels' owner) -----------

  /** Yt[N,B] (+)= Wᵀ·Xt[K,B] from a weight stream: one AXPY over the batch per non-zero. */
  spmmForward(y: number, x: number, s: sparse.StreamRef, B: number, opts?: sparse.SparseCallOptions & { variant?: sparse.SpmmForwardVariant }): void {
    sparse.spmmForward(this.w, y, x, s, B, opts);
  }
  /** Yt[N,B] (+)= Wᵀ·Xt[K,B] from the column layout of a weight stream: an output row accumulates in registers. */
  spmmForwardColumns(y: number, x: number, s: sparse.StreamRef, B: number, opts?: sparse.SparseCallOptions): void {
    sparse.spmmForwardColumns(this.w, y, x, s, B, opts);
  }
  /** dXt[K,B] (+)= W·dYt[N,B] from the same stream. */
  spmmDelta(dx: number, dy: number, s: sparse.StreamRef, B: number, opts?: sparse.SparseCallOptions): void {
    sparse.spmmDelta(this.w, dx, dy, s, B, opts);
  }
  /** g[nnz] (+)= Σ_b Xt[k,b]·dYt[n,b] at the stream's non-zeros, stream-aligned. */
  spmmGrad(g: number, x: number, dy: number, s: sparse.StreamRef, B: number, opts?: sparse.SparseCallOptions): void {
    sparse.spmmGrad(this.w, g, x, dy, s, B, opts);
  }
}
