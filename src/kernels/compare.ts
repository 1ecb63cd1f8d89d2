// How a WASM kernel's output is compared with its reference: the largest absolute difference, and the
// same divided by the reference's largest magnitude (so one tolerance fits any scale of the inputs).
// Also the unit round-off every named tolerance is built from.

/** Unit round-off of f32 (half the gap between 1 and the next float): 2^-24 ≈ 5.96e-8. */
export const F32_UNIT_ROUNDOFF = 2 ** -24;

export interface Comparison {
  maxAbsError: number;
  maxRelError: number;
}

/** Max abs difference and that over max |ref| (1 when ref is all zero). NaN anywhere makes both NaN (a test fails). */
export function compareArrays(out: ArrayLike<number>, ref: ArrayLike<number>): Comparison {
  if (out.length !== ref.length) throw new RangeError(`compareArrays: lengths differ: ${out.length} vs ${ref.length}`);
  let maxAbs = 0;
  let maxRef = 0;
  for (let i = 0; i < out.length; i++) {
    const d = Math.abs(out[i] - ref[i]);
    if (Number.isNaN(d)) return { maxAbsError: NaN, maxRelError: NaN };
    if (d > maxAbs) maxAbs = d;
    const r = Math.abs(ref[i]);
    if (r > maxRef) maxRef = r;
  }
  return { maxAbsError: maxAbs, maxRelError: maxAbs / (maxRef > 0 ? maxRef : 1) };
}

/** Combines comparisons of several outputs: the worst of each. */
export function worst(...cs: Comparison[]): Comparison {
  return {
    maxAbsError: Math.max(...cs.map((c) => c.maxAbsError)),
    maxRelError: Math.max(...cs.map((c) => c.maxRelError)),
  };
}
