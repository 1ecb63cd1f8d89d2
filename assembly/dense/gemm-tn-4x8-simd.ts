// GEMM tn, blocked, packed, 4x8 f32x4 micro-kernel (WASM SIMD): C[M,N] (+)= A[K,M]ᵀ · B[K,N].
// In weightstream: feature-major forward: Yt[N_out,B] = W[K_in,N_out]ᵀ · Xt[K_in,B].
// Legend: M = rows of C, N = columns of C, K = contracted size; all row-major f32, pointers are byte offsets.
// accumulate: 0 overwrites C, 1 adds to it. Uses the per-instance scratch (see gemm-blocked-4x8.ts).
import { gemmBlocked4x8 } from "./gemm-blocked-4x8";

export function gemmTn4x8Simd(c: usize, a: usize, b: usize, M: i32, N: i32, K: i32, accumulate: i32): void {
  gemmBlocked4x8(c, a, b, M, N, K, true, false, accumulate != 0);
}
