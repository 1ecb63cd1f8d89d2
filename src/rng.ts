// A small seeded pseudo-random generator for reproducible inputs everywhere in weightstream (tests,
// benches, weight init): mulberry32 for uniform 32-bit draws, Box-Muller for normals. Not for
// cryptography; the same seed gives the same stream on every machine.

/** mulberry32's state advances by this each draw: the i-th draw (from 0) of seed s is mulberry32Output(s + (i + 1)·STEP). */
export const MULBERRY32_STEP = 0x6d2b79f5;

/** mulberry32's output for an already advanced state `a` (a u32), as a uniform in [0, 1). */
export function mulberry32Output(a: number): number {
  let t = a;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
}

/** mulberry32 (Tommy Ettinger's 32-bit generator): a function returning uniforms in [0, 1). */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + MULBERRY32_STEP) >>> 0;
    return mulberry32Output(a);
  };
}

/** Seeded generator with the draws the project needs. */
export class Rng {
  private readonly u: () => number;
  private spare: number | undefined;

  constructor(seed: number) {
    this.u = mulberry32(seed);
  }

  /** Uniform in [0, 1). */
  next(): number {
    return this.u();
  }

  /** Uniform in [lo, hi). */
  uniform(lo = 0, hi = 1): number {
    return lo + (hi - lo) * this.u();
  }

  /** Integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.u() * n);
  }

  /** Standard normal (Box-Muller; the second value of each pair is kept for the next call). */
  normal(mean = 0, std = 1): number {
    if (this.spare !== undefined) {
      const s = this.spare;
      this.spare = undefined;
      return mean + std * s;
    }
    let u1 = this.u();
    while (u1 <= 0) u1 = this.u();
    const r = Math.sqrt(-2 * Math.log(u1));
    const th = 2 * Math.PI * this.u();
    this.spare = r * Math.sin(th);
    return mean + std * r * Math.cos(th);
  }

  /** Fills `out` with uniforms in [lo, hi) and returns it. */
  fillUniform<T extends Float32Array | Float64Array>(out: T, lo = -1, hi = 1): T {
    for (let i = 0; i < out.length; i++) out[i] = this.uniform(lo, hi);
    return out;
  }

  /** Fills `out` with normals and returns it. */
  fillNormal<T extends Float32Array | Float64Array>(out: T, mean = 0, std = 1): T {
    for (let i = 0; i < out.length; i++) out[i] = this.normal(mean, std);
    return out;
  }
}

/** `n` seeded uniforms in [lo, hi) as a new Float32Array. */
export function randomF32(n: number, seed: number, lo = -1, hi = 1): Float32Array {
  return new Rng(seed).fillUniform(new Float32Array(n), lo, hi);
}
