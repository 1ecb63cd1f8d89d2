// Packing for the blocked 4x8 GEMM (see gemm-blocked-4x8.ts): copies a block of op(A) into 4-row
// micro-panels and a block of op(B) into 8-column micro-panels in the per-instance scratch, padding
// the edges with zeros so that the micro-kernel always runs a full 4x8 tile.
// Legend: M, N, K = sizes of C[M,N] = op(A)[M,K]·op(B)[K,N]; mc x kc = the A block at (ic, pc);
// kc x nc = the B block at (pc, jc). Pointers are byte offsets; f32 elements.
//   packed A: for each 4-row panel ir: kc groups of 4 floats (op(A)[ic+ir+0..3, pc+k]), k = 0..kc-1
//   packed B: for each 8-col panel jr: kc groups of 8 floats (op(B)[pc+k, jc+jr+0..7])

/** 4x4 transpose of rows r0..r3 stored to dst, dst+stride, dst+2·stride, dst+3·stride. */
@inline
function transpose4Store(r0: v128, r1: v128, r2: v128, r3: v128, dst: usize, stride: usize): void {
  const t0 = i32x4.shuffle(r0, r1, 0, 4, 1, 5);
  const t1 = i32x4.shuffle(r0, r1, 2, 6, 3, 7);
  const t2 = i32x4.shuffle(r2, r3, 0, 4, 1, 5);
  const t3 = i32x4.shuffle(r2, r3, 2, 6, 3, 7);
  v128.store(dst, i32x4.shuffle(t0, t2, 0, 1, 4, 5));
  v128.store(dst + stride, i32x4.shuffle(t0, t2, 2, 3, 6, 7));
  v128.store(dst + 2 * stride, i32x4.shuffle(t1, t3, 0, 1, 4, 5));
  v128.store(dst + 3 * stride, i32x4.shuffle(t1, t3, 2, 3, 6, 7));
}

/**
 * Packs op(A)[ic:ic+mc, pc:pc+kc] into 4-row panels at dst.
 * transA = false: A is [M,K] row-major; transA = true: A is [K,M] row-major (op(A) = Aᵀ).
 */
export function packA4(dst: usize, a: usize, M: i32, K: i32, transA: bool, ic: i32, mc: i32, pc: i32, kc: i32): void {
  for (let ir = 0; ir < mc; ir += 4) {
    const rows = min(4, mc - ir);
    const d = dst + (<usize>ir * <usize>kc) * 4;
    if (!transA) {
      const ld = <usize>K * 4;
      const r0 = a + (<usize>(ic + ir) * <usize>K + <usize>pc) * 4;
      if (rows == 4) {
        let k = 0;
        for (; k + 4 <= kc; k += 4) {
          const o = <usize>k * 4;
          transpose4Store(
            v128.load(r0 + o), v128.load(r0 + ld + o), v128.load(r0 + 2 * ld + o), v128.load(r0 + 3 * ld + o),
            d + <usize>k * 16, 16,
          );
        }
        for (; k < kc; k++) {
          const o = <usize>k * 4;
          const dk = d + <usize>k * 16;
          store<f32>(dk, load<f32>(r0 + o));
          store<f32>(dk, load<f32>(r0 + ld + o), 4);
          store<f32>(dk, load<f32>(r0 + 2 * ld + o), 8);
          store<f32>(dk, load<f32>(r0 + 3 * ld + o), 12);
        }
      } else {
        for (let k = 0; k < kc; k++) {
          const dk = d + <usize>k * 16;
          for (let r = 0; r < 4; r++) {
            const v: f32 = r < rows ? load<f32>(r0 + <usize>r * ld + <usize>k * 4) : 0;
            store<f32>(dk + <usize>r * 4, v);
          }
        }
      }
    } else {
      const ld = <usize>M * 4;
      const s = a + (<usize>pc * <usize>M + <usize>(ic + ir)) * 4;
      if (rows == 4) {
        for (let k = 0; k < kc; k++) v128.store(d + <usize>k * 16, v128.load(s + <usize>k * ld));
      } else {
        for (let k = 0; k < kc; k++) {
          const dk = d + <usize>k * 16;
          const sk = s + <usize>k * ld;
          for (let r = 0; r < 4; r++) store<f32>(dk + <usize>r * 4, r < rows ? load<f32>(sk + <usize>r * 4) : <f32>0);
        }
      }
    }
  }
}

/**
 * Packs op(B)[pc:pc+kc, jc:jc+nc] into 8-column panels at dst.
 * transB = false: B is [K,N] row-major; transB = true: B is [N,K] row-major (op(B) = Bᵀ).
 */
export function packB8(dst: usize, b: usize, N: i32, K: i32, transB: bool, jc: i32, nc: i32, pc: i32, kc: i32): void {
  for (let jr = 0; jr < nc; jr += 8) {
    const cols = min(8, nc - jr);
    const d = dst + (<usize>jr * <usize>kc) * 4;
    if (!transB) {
      const ld = <usize>N * 4;
      const s = b + (<usize>pc * <usize>N + <usize>(jc + jr)) * 4;
      if (cols == 8) {
        for (let k = 0; k < kc; k++) {
          const sk = s + <usize>k * ld;
          const dk = d + <usize>k * 32;
          v128.store(dk, v128.load(sk));
          v128.store(dk, v128.load(sk, 16), 16);
        }
      } else {
        for (let k = 0; k < kc; k++) {
          const sk = s + <usize>k * ld;
          const dk = d + <usize>k * 32;
          for (let c = 0; c < 8; c++) store<f32>(dk + <usize>c * 4, c < cols ? load<f32>(sk + <usize>c * 4) : <f32>0);
        }
      }
    } else {
      const ld = <usize>K * 4;
      const r0 = b + (<usize>(jc + jr) * <usize>K + <usize>pc) * 4;
      if (cols == 8) {
        let k = 0;
        for (; k + 4 <= kc; k += 4) {
          const o = <usize>k * 4;
          const dk = d + <usize>k * 32;
          transpose4Store(
            v128.load(r0 + o), v128.load(r0 + ld + o), v128.load(r0 + 2 * ld + o), v128.load(r0 + 3 * ld + o),
            dk, 32,
          );
          const r4 = r0 + 4 * ld;
          transpose4Store(
            v128.load(r4 + o), v128.load(r4 + ld + o), v128.load(r4 + 2 * ld + o), v128.load(r4 + 3 * ld + o),
            dk + 16, 32,
          );
        }
        for (; k < kc; k++) {
          const dk = d + <usize>k * 32;
          for (let c = 0; c < 8; c++) store<f32>(dk + <usize>c * 4, load<f32>(r0 + <usize>c * ld + <usize>k * 4));
        }
      } else {
        for (let k = 0; k < kc; k++) {
          const dk = d + <usize>k * 32;
          for (let c = 0; c < 8; c++) {
            store<f32>(dk + <usize>c * 4, c < cols ? load<f32>(r0 + <usize>c * ld + <usize>k * 4) : <f32>0);
          }
        }
      }
    }
  }
}
