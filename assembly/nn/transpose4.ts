// 4x4 transpose of f32 lanes held in four vectors (shared by the embedding kernels): rows a0..a3 in,
// columns out (r_i lane k = a_k lane i). Pure data movement: no rounding.

/** Stores the transpose of [a0; a1; a2; a3] to four rows at p, p + ld, p + 2·ld, p + 3·ld (bytes). */
@inline
export function storeTransposed4(p: usize, ld: usize, a0: v128, a1: v128, a2: v128, a3: v128): void {
  const t0 = i32x4.shuffle(a0, a1, 0, 4, 1, 5);
  const t1 = i32x4.shuffle(a2, a3, 0, 4, 1, 5);
  const t2 = i32x4.shuffle(a0, a1, 2, 6, 3, 7);
  const t3 = i32x4.shuffle(a2, a3, 2, 6, 3, 7);
  v128.store(p, i32x4.shuffle(t0, t1, 0, 1, 4, 5));
  v128.store(p + ld, i32x4.shuffle(t0, t1, 2, 3, 6, 7));
  v128.store(p + 2 * ld, i32x4.shuffle(t2, t3, 0, 1, 4, 5));
  v128.store(p + 3 * ld, i32x4.shuffle(t2, t3, 2, 3, 6, 7));
}
