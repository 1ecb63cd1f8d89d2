// The 4x8 f32x4 micro-kernel of the blocked GEMM: a 4-row x 8-column tile of C held in 8 v128
// accumulators (8 + 2 B vectors + 1 splat = 11 of V8's 15 SIMD registers; 6x8 spills and ran at half
// the speed), fed by packed panels (gemm-pack.ts). Per k: 2 loads of B, 4 load-splats of A, 8 mul+add.
// Legend: kc = depth of the packed panels; ap = packed A panel (kc x 4 floats), bp = packed B panel
// (kc x 8 floats), c = top-left of the C tile, ldc = row stride of C in BYTES.

/** C[0:4, 0:8] = (accumulate ? C : 0) + Ap·Bp over kc. */
@inline
export function microkernel4x8(ap: usize, bp: usize, kc: i32, c: usize, ldc: usize, accumulate: bool): void {
  let c00 = f32x4.splat(0), c01 = f32x4.splat(0);
  let c10 = f32x4.splat(0), c11 = f32x4.splat(0);
  let c20 = f32x4.splat(0), c21 = f32x4.splat(0);
  let c30 = f32x4.splat(0), c31 = f32x4.splat(0);
  // Loop on the B pointer against its end: one induction variable fewer per k than a counter, which
  // measured +7% (the loop is bound by instruction dispatch as much as by the two multiply pipes).
  // Unrolling k by 2 measured 35% slower: Binaryen interleaves the two steps and V8 spills.
  const bend = bp + <usize>kc * 32;
  for (; bp < bend; bp += 32) {
    const b0 = v128.load(bp), b1 = v128.load(bp, 16);
    let a = v128.load32_splat(ap);
    c00 = f32x4.add(c00, f32x4.mul(a, b0)); c01 = f32x4.add(c01, f32x4.mul(a, b1));
    a = v128.load32_splat(ap, 4);
    c10 = f32x4.add(c10, f32x4.mul(a, b0)); c11 = f32x4.add(c11, f32x4.mul(a, b1));
    a = v128.load32_splat(ap, 8);
    c20 = f32x4.add(c20, f32x4.mul(a, b0)); c21 = f32x4.add(c21, f32x4.mul(a, b1));
    a = v128.load32_splat(ap, 12);
    c30 = f32x4.add(c30, f32x4.mul(a, b0)); c31 = f32x4.add(c31, f32x4.mul(a, b1));
    ap += 16;
  }
  const r1 = c + ldc, r2 = c + 2 * ldc, r3 = c + 3 * ldc;
  if (accumulate) {
    c00 = f32x4.add(c00, v128.load(c)); c01 = f32x4.add(c01, v128.load(c, 16));
    c10 = f32x4.add(c10, v128.load(r1)); c11 = f32x4.add(c11, v128.load(r1, 16));
    c20 = f32x4.add(c20, v128.load(r2)); c21 = f32x4.add(c21, v128.load(r2, 16));
    c30 = f32x4.add(c30, v128.load(r3)); c31 = f32x4.add(c31, v128.load(r3, 16));
  }
  v128.store(c, c00); v128.store(c, c01, 16);
  v128.store(r1, c10); v128.store(r1, c11, 16);
  v128.store(r2, c20); v128.store(r2, c21, 16);
  v128.store(r3, c30); v128.store(r3, c31, 16);
}
