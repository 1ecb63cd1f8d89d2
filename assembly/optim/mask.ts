// Sparsity masks for the optimizer kernels: one byte per weight, non-zero = kept, 0 = pruned.
// A pointer of 0 means "no mask" (every weight kept).

/** Lane mask (all ones = kept) for the 4 mask bytes at m: u8 -> u16 -> u32, then != 0. */
@inline
export function keep4(m: usize): v128 {
  const bytes = v128.load32_zero(m);
  return i32x4.ne(i32x4.extend_low_i16x8_u(i16x8.extend_low_i8x16_u(bytes)), i32x4.splat(0));
}
