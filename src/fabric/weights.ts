// The fabric's seeded layer weights, built in one pass without the K·N arrays: the same stream as
// randomStream(K, N, sparsity, seed) in src/sparse (same mask, same values, bit for bit: a test keeps
// them equal), but from the two mulberry32 sequences directly (the value sequence is skipped ahead
// through positions the mask drops), so a GPT-3-sized layer (12288 x 49152) needs K + 2·nnz words of
// memory instead of 5 bytes per weight, and seconds instead of a minute.
//
// The activations likewise (seededValues, fillSeededValues: any segment of randomValues(len, seed)).
//
// Legend: K, N = W's rows and columns (row-major positions i = k·N + n), keep = K·N − round(s·K·N).
import { requireInt, requireNumber } from '../errors.js';
import { maskZeros, type WeightStream } from '../sparse/stream.js';
import { MULBERRY32_STEP as STEP, mulberry32Output as hash } from '../rng.js';

/**
 * Fills `out` with values first .. first + out.length − 1 of randomValues(len, seed) (uniform in [-1, 1),
 * none zero), bit for bit, without the values before `first`: mulberry32's i-th state is seed + (i + 1)·STEP.
 */
export function fillSeededValues(out: Float32Array, seed: number, first: number): void {
  let a = ((seed >>> 0) + Math.imul((first % 2 ** 32) | 0, STEP)) >>> 0;
  for (let i = 0; i < out.length; i++) {
    a = (a + STEP) >>> 0;
    let v = -1 + 2 * hash(a);
    if (Math.fround(v) === 0) v = 2 / 1024;
    out[i] = v;
  }
}

/** Values given as an array, or seeded: randomValues(length, seed), made where they are needed. */
export type Values = Float32Array | { seed: number; length: number };

/** Values first .. first + out.length − 1 of `v` into `out`. */
export function valuesInto(v: Values, out: Float32Array, first: number): void {
  if (v instanceof Float32Array) out.set(v.subarray(first, first + out.length));
  else fillSeededValues(out, v.seed, first);
}

/** All of `v` as an array (seeded values are made now). */
export function materialize(v: Values): Float32Array {
  return v instanceof Float32Array ? v : seededValues(v.length, v.seed);
}

/** randomValues(len, seed) (src/sparse/masks.ts), bit for bit, in one tight loop. */
export function seededValues(len: number, seed: number): Float32Array {
  const out = new Float32Array(len);
  fillSeededValues(out, seed, 0);
  return out;
}

/** Calls `progress(done, total)` about every 2^24 positions (a GPT-3 layer has 6e8). */
export type SetupProgress = (done: number, total: number) => void;

/**
 * randomStream(K, N, sparsity, seed), built directly: the mask by selection sampling (maskWithNonZeros)
 * and each kept value as randomValues(K·N, seed ^ 0x9e3779b9) would hold it at that position.
 */
export function seededLayerStream(K: number, N: number, sparsity: number, seed: number, progress?: SetupProgress): WeightStream {
  requireInt('in', K, 1);
  requireInt('out', N, 1);
  requireNumber('sparsity', sparsity, 0, 1);
  const total = K * N;
  const keep = total - maskZeros(K, N, sparsity);
  const words = new Uint32Array(K + 2 * keep);
  const vals = new Float32Array(words.buffer, words.byteOffset, words.length);
  let am = seed >>> 0; // the mask's generator state
  let av = (seed ^ 0x9e3779b9) >>> 0; // the values' generator state (one step per position)
  let need = keep;
  let p = 0;
  for (let k = 0; k < K; k++) {
    const countAt = p++;
    let count = 0;
    let prev = 0;
    const row = k * N;
    if ((k & 63) === 0 && progress) progress(row, total);
    for (let n = 0; n < N; n++) {
      av = (av + STEP) >>> 0;
      if (need === 0) continue;
      am = (am + STEP) >>> 0;
      if (hash(am) * (total - row - n) >= need) continue;
      need--;
      let v = -1 + 2 * hash(av);
      if (Math.fround(v) === 0) v = 2 / 1024;
      words[p] = n - prev;
      vals[p + 1] = v;
      p += 2;
      prev = n;
      count++;
    }
    words[countAt] = count;
  }
  progress?.(total, total);
  return { K, N, nnz: keep, words, values: vals };
}
