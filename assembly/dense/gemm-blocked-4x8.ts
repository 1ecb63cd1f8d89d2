// The cache-blocked GEMM driver shared by the three 4x8 SIMD variants (gemm-{nn,nt,tn}-4x8-simd.ts):
// Goto/BLIS loop order jc (NC) -> pc (KC) -> pack B -> ic (MC) -> pack A -> jr (8) -> ir (4) -> micro-kernel.
// The packed A block (MC x KC, 128 KiB) stays in L2, one B micro-panel (KC x 8, 8 KiB) in L1 while the
// 4-row A panels stream past it; the packed B block (KC x NC) takes the rest of the scratch.
// Legend: C[M,N] (+)= op(A)[M,K]·op(B)[K,N]; transA: A stored [K,M]; transB: B stored [N,K].
// Scratch layout (bytes from getScratchPtr()): [0,128) edge tile | packed A (MC·KC f32) | packed B (KC·NC f32).
import { getScratchPtr, getScratchBytes } from "../common";
import { packA4, packB8 } from "./gemm-pack";
import { microkernel4x8 } from "./gemm-4x8-microkernel";

/** Depth of a packed block (floats along K). */
export const GEMM_KC: i32 = 256;
/** Rows of op(A) per packed block (a multiple of 4). */
export const GEMM_MC: i32 = 128;
const EDGE_BYTES: usize = 128;

/** Columns of op(B) per packed block for a given scratch size (a multiple of 8), at least 8 or 0 if it cannot fit. */
export function gemmNC(scratchBytes: usize): i32 {
  const floats = (<i64>scratchBytes - <i64>EDGE_BYTES) / 4 - <i64>GEMM_MC * <i64>GEMM_KC;
  if (floats < <i64>GEMM_KC * 8) return 0;
  const nc = floats / <i64>GEMM_KC;
  return <i32>(min<i64>(nc, 4096) & ~7);
}

/** The smallest scratch (bytes) the blocked GEMM can run with. */
export function gemmMinScratchBytes(): usize {
  return EDGE_BYTES + (<usize>GEMM_MC * <usize>GEMM_KC + <usize>GEMM_KC * 8) * 4;
}

export function gemmBlocked4x8(c: usize, a: usize, b: usize, M: i32, N: i32, K: i32, transA: bool, transB: bool, accumulate: bool): void {
  assert(M > 0 && N > 0 && K > 0, "gemm: sizes must be positive");
  const scratch = getScratchPtr();
  const NC = gemmNC(getScratchBytes());
  assert(NC >= 8, "gemm: scratch too small");
  if (NC < 8) unreachable(); // release builds too: a trap, never an endless jc loop (the facade checks first)
  const edge = scratch;
  const Ap = scratch + EDGE_BYTES;
  const Bp = Ap + <usize>GEMM_MC * <usize>GEMM_KC * 4;
  const ldc = <usize>N * 4;
  for (let jc = 0; jc < N; jc += NC) {
    const nc = min(NC, N - jc);
    for (let pc = 0; pc < K; pc += GEMM_KC) {
      const kc = min(GEMM_KC, K - pc);
      const acc = accumulate || pc > 0;
      packB8(Bp, b, N, K, transB, jc, nc, pc, kc);
      for (let ic = 0; ic < M; ic += GEMM_MC) {
        const mc = min(GEMM_MC, M - ic);
        packA4(Ap, a, M, K, transA, ic, mc, pc, kc);
        for (let jr = 0; jr < nc; jr += 8) {
          const cols = min(8, nc - jr);
          const bp = Bp + <usize>jr * <usize>kc * 4;
          for (let ir = 0; ir < mc; ir += 4) {
            const rows = min(4, mc - ir);
            const ap = Ap + <usize>ir * <usize>kc * 4;
            const ct = c + <usize>(ic + ir) * ldc + <usize>(jc + jr) * 4;
            if (rows == 4 && cols == 8) {
              microkernel4x8(ap, bp, kc, ct, ldc, acc);
            } else {
              microkernel4x8(ap, bp, kc, edge, 32, false);
              for (let r = 0; r < rows; r++) {
                const cr = ct + <usize>r * ldc;
                const er = edge + <usize>r * 32;
                for (let q = 0; q < cols; q++) {
                  const o = <usize>q * 4;
                  const v = load<f32>(er + o);
                  store<f32>(cr + o, acc ? load<f32>(cr + o) + v : v);
                }
              }
            }
          }
        }
      }
    }
  }
}
