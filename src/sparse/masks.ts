// Seeded randomness for sparse weights: unstructured masks, test values and random weight streams,
// reproducible from a seed (the format itself lives in stream.ts).
//
// Legend: K = input features (rows of W), N = output features (columns of W); masks are [K, N], 1 = keep.
import { requireInt, requireNumber } from '../errors.js';
import { mulberry32 } from '../rng.js';
import { encodeStream, type WeightStream } from './stream.js';

/** A seeded uniform [0, 1) source (mulberry32, the project's one PRNG in src/ref/rng.ts). */
export const seededRandom: (seed: number) => () => number = mulberry32;

/** Number of zeros an unstructured mask of this sparsity has: round(sparsity · K · N). */
export function maskZeros(K: number, N: number, sparsity: number): number {
  return Math.round(sparsity * K * N);
}

/**
 * An unstructured 0/1 mask [K, N] with exactly round(sparsity·K·N) zeros, every such set of positions
 * equally likely (selection sampling, Knuth's Algorithm S: one pass, no extra memory).
 */
export function randomMask(K: number, N: number, sparsity: number, seed: number): Uint8Array {
  requireInt('randomMask.K', K, 1);
  requireInt('randomMask.N', N, 1);
  requireNumber('randomMask.sparsity', sparsity, 0, 1);
  const total = K * N;
  return maskWithNonZeros(total, total - maskZeros(K, N, sparsity), seed);
}

/** A 0/1 mask of `total` entries with exactly `keep` ones placed uniformly at random. */
export function maskWithNonZeros(total: number, keep: number, seed: number): Uint8Array {
  requireInt('mask.total', total, 1);
  requireInt('mask.keep', keep, 0, total);
  const rand = seededRandom(seed);
  const m = new Uint8Array(total);
  let need = keep;
  for (let i = 0; i < total && need > 0; i++) {
    if (rand() * (total - i) < need) {
      m[i] = 1;
      need--;
    }
  }
  return m;
}

/** Seeded floats uniform in [lo, hi), none exactly zero (so a kept weight is never dropped by accident). */
export function randomValues(len: number, seed: number, lo = -1, hi = 1): Float32Array {
  const rand = seededRandom(seed);
  const out = new Float32Array(len);
  for (let i = 0; i < len; i++) {
    let v = lo + (hi - lo) * rand();
    if (Math.fround(v) === 0) v = (hi - lo) / 1024 || 1;
    out[i] = v;
  }
  return out;
}

/** A random stream: W [K, N] uniform in [-1, 1) under an unstructured mask of the given sparsity. */
export function randomStream(K: number, N: number, sparsity: number, seed: number): WeightStream {
  const W = randomValues(K * N, seed ^ 0x9e3779b9);
  return encodeStream(W, K, N, randomMask(K, N, sparsity, seed));
}
