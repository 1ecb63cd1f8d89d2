// GEMM nt, blocked, packed, 4x8 f32x4 micro-kernel (WASM SIMD): C[M,N] (+)= A[M,K] · B[N,K]ᵀ.
// In weightstream: feature-major weight gradient: dW[K_in,N_out] = Xt[K_in,B] · dYt[N_out,B]ᵀ.
// Legend: M = rows of C, N = columns of C, K = contracted size; all row-major f32, pointers are byte offsets.
// accumulate: 0 overwrites C, 1 adds to it. Uses the per-instance scratch (see gemm-blocked-4x8.ts).
import { gemmBlocked4x8 } from "./gemm-blocked-4x8";

export function gemmNt4x8Simd(c: usize, a: usize, b: usize, M: i32, N: i32, K: i32, accumulate: i32): void {
  gemmBlocked4x8(c, a, b, M, N, K, false, true, accumulate != 0);
}
