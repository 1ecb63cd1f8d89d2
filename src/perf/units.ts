// Number formatting for reports and assumption lines: 4 significant digits, exponents for the very large/small.
export function fmt(x: number): string {
  if (!Number.isFinite(x)) return String(x);
  const a = Math.abs(x);
  if (a !== 0 && (a >= 1e6 || a < 1e-3)) return x.toExponential(3).replace(/\.?0+e/, 'e');
  return Number(x.toPrecision(4)).toString();
}
/** A step count as it is: whole steps exactly (15,625, not 1.563e+4 or 15630), a partial last step to 2 decimals. */
export function stepCount(x: number): string {
  return Number.isFinite(x) ? x.toLocaleString('en-US', { maximumFractionDigits: 2 }) : String(x);
}
export function gb(bytes: number): string {
  return `${fmt(bytes / 1e9)} GB`;
}
export function tb(bytes: number): string {
  return `${fmt(bytes / 1e12)} TB`;
}
