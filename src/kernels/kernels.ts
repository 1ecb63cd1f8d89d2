// `Kernels`: one Wasm instance with a typed, checked method for every kernel of the module: what the
// training engine calls. Each method forwards to an area's facade (dense.ts, nn.ts, optim.ts,
// sparse.ts), which checks sizes and pointer ranges (naming the argument) before calling WASM.
// Pointers are byte offsets into `this.w.memory`; allocate with `this.w.allocF32` / `this.w.arena`.
// Layouts: see the facades' legends (activations feature-major [features, batch]; weights W[K_in, N_out]).
import { Wasm, type WasmOptions } from '../wasm/module.js';
import * as dense from './dense.js';
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
  // (added below as the nn facade lands)

  // ---- optim (src/kernels/optim.ts) ----------------------------------------------------------------
  // (added below as the optim facade lands)

  // ---- sparse (src/kernels/sparse.ts; this section belongs to the sparse kernels' owner) -----------

  /** Yt[N,B] (+)= Wᵀ·Xt[K,B] from a weight stream: one AXPY over the batch per non-zero. */
  spmmForward(y: number, x: number, s: sparse.StreamRef, B: number, opts?: sparse.SparseCallOptions & { variant?: sparse.SpmmForwardVariant }): void {
    sparse.spmmForward(this.w, y, x, s, B, opts);
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
