// Comparisons the reference tests share.

/** Largest |a − b| over the largest |b| (a relative difference scaled by the reference's magnitude). */
export function maxRelDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let scale = 0;
  let d = 0;
  for (let i = 0; i < a.length; i++) {
    scale = Math.max(scale, Math.abs(b[i]));
    d = Math.max(d, Math.abs(a[i] - b[i]));
  }
  return d / Math.max(scale, 1e-30);
}
