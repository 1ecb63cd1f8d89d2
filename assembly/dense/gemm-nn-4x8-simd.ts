// GEMM nn, blocked, packed, 4x8 f32x4 micro-kernel (WASM SIMD): C[M,N] (+)= A[M,K] · B[K,N].
// In weightstream: feature-major delta: dXt[K_in,B] = W[K_in,N_out] · dYt[N_out,B].
// Legend: M = rows of C, N = columns of C, K = contracted size; all row-major f32, pointers are byte offsets.
// accumulate: 0 overwrites C, 1 adds to it. Uses the per-instance scratch (see gemm-blocked-4x8.ts).
import { gemmBlocked4x8 } from "./gemm-blocked-4x8";

export function gemmNn4x8Simd(c: usize, a: usize, b: usize, M: i32, N: i32, K: i32, accumulate: i32): void {
  gemmBlocked4x8(c, a, b, M, N, K, false, false, accumulate != 0);
}
