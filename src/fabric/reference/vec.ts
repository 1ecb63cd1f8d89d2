// Reference of the core's datapath (assembly/fabric/vec.ts) in plain TS, written to give the SAME f32 bits:
// every product and every sum is rounded to f32 (Math.fround) in the order the 4-lane SIMD code does it.
//
// Legend: a row is Bs floats at `at` in a column's data array (rows of B floats, a core's slice at b0).

const f = Math.fround;

/** y[0..n) += a · x[0..n): per element, the product rounded, then the sum rounded (no fused multiply-add). */
export function axpy(data: Float32Array, y: number, x: number, a: number, n: number): void {
  for (let i = 0; i < n; i++) data[y + i] = f(data[y + i] + f(a * data[x + i]));
}

/**
 * Σ x[i]·y[i] over [0, n) in the SIMD order: lane j (j = 0..3) sums the products of elements i ≡ j (mod 4)
 * below the last multiple of 4; then (lane 0 + lane 1) + (lane 2 + lane 3); then the tail one by one.
 */
export function dot(xs: Float32Array, x: number, ys: Float32Array, y: number, n: number): number {
  const lane = [0, 0, 0, 0];
  let i = 0;
  for (; i + 4 <= n; i += 4) for (let j = 0; j < 4; j++) lane[j] = f(lane[j] + f(xs[x + i + j] * ys[y + i + j]));
  let s = f(f(lane[0] + lane[1]) + f(lane[2] + lane[3]));
  for (; i < n; i++) s = f(s + f(xs[x + i] * ys[y + i]));
  return s;
}

const word = new Uint32Array(1);
const float = new Float32Array(word.buffer);

/** The bits of an f32 (what a wavelet carries). */
export function bitsOf(v: number): number {
  float[0] = v;
  return word[0];
}

/** The f32 a wavelet's bits hold. */
export function floatOf(bits: number): number {
  word[0] = bits;
  return float[0];
}
