// The sparse WEIGHT STREAM: the non-zero weights of a matrix W [K, N] in the order the wafer consumes them,
// and everything the host does with it (encode, decode, validate, iterate, seeded masks).
//
// Legend: K = input features (rows of W), N = output features (columns of W), nnz = non-zero weights,
// c_k = non-zeros of row k. W [K, N] is row-major.
//
// Format (one 32-bit word per entry, like a fabric wavelet; length K + 2·nnz words):
//   for each row k = 0 .. K-1 in order:
//     c_k                       (u32)  how many non-zeros row k holds
//     c_k pairs (delta, value): delta (u32) = column − previous column of this row (the first pair's
//                               delta is relative to column 0, i.e. it is the column itself);
//                               value (f32 bits) = W[k, column]
// Columns of a row strictly increase, so every delta after a row's first is ≥ 1. Pruned weights never
// appear: the mask decides the positions (a kept weight whose value happens to be 0 keeps its slot, so a
// layer's stream, its gradient and its optimizer state keep one shape while values change); without a
// mask the non-zeros of W are the positions.
// The same bytes read as a Uint32Array (counts, deltas) and a Float32Array (values).
import { ValidationError, requireInt, requireNumber } from '../errors.js';
import { mulberry32 } from '../ref/rng.js';

/** A weight stream with its matrix shape. `words` and `values` view the same bytes. */
export interface WeightStream {
  K: number;
  N: number;
  nnz: number;
  /** K + 2·nnz words: counts and deltas as u32. */
  words: Uint32Array;
  /** The same bytes as f32 (read the value words through this). */
  values: Float32Array;
}

/** Words of a stream holding `nnz` non-zeros of a matrix with K rows. */
export function streamWords(K: number, nnz: number): number {
  return K + 2 * nnz;
}

/** Bytes of a stream holding `nnz` non-zeros of a matrix with K rows (4 bytes a word). */
export function streamBytes(K: number, nnz: number): number {
  return 4 * streamWords(K, nnz);
}

/** Wraps existing words (e.g. a view into WASM memory) as a stream after validating them against K, N. */
export function wrapStream(words: Uint32Array, K: number, N: number): WeightStream {
  const nnz = validateStream(words, K, N);
  return { K, N, nnz, words, values: new Float32Array(words.buffer, words.byteOffset, words.length) };
}

/**
 * Encodes W [K, N] (row-major) as a stream. `mask` [K, N] (non-zero = keep) decides which positions are
 * in the stream, whatever their values (an explicit value in a masked-out position is dropped; a kept
 * position holding 0 stays); without a mask the non-zeros of W are the positions.
 */
export function encodeStream(W: ArrayLike<number>, K: number, N: number, mask?: ArrayLike<number>): WeightStream {
  checkShape('encodeStream', K, N);
  if (W.length !== K * N) throw new ValidationError('encodeStream.W.length', W.length, `expected K·N = ${K * N}`);
  if (mask && mask.length !== K * N) throw new ValidationError('encodeStream.mask.length', mask.length, `expected K·N = ${K * N}`);
  let nnz = 0;
  const keep = mask ? (i: number) => mask[i] !== 0 : (i: number) => W[i] !== 0;
  for (let i = 0; i < K * N; i++) if (keep(i)) nnz++;
  const words = new Uint32Array(streamWords(K, nnz));
  const values = new Float32Array(words.buffer);
  let p = 0;
  for (let k = 0; k < K; k++) {
    const countAt = p++;
    let count = 0;
    let prev = 0;
    const row = k * N;
    for (let n = 0; n < N; n++) {
      if (!keep(row + n)) continue;
      words[p] = n - prev;
      values[p + 1] = W[row + n];
      p += 2;
      prev = n;
      count++;
    }
    words[countAt] = count;
  }
  return { K, N, nnz, words, values };
}

/** Decodes a stream to a dense W [K, N] (row-major), zeros where the stream holds nothing. */
export function decodeStream(s: WeightStream): Float32Array {
  const W = new Float32Array(s.K * s.N);
  forEachNonZero(s, (k, n, v) => {
    W[k * s.N + n] = v;
  });
  return W;
}

/** The 0/1 mask [K, N] of the positions a stream holds. */
export function streamMask(s: WeightStream): Uint8Array {
  const m = new Uint8Array(s.K * s.N);
  forEachNonZero(s, (k, n) => {
    m[k * s.N + n] = 1;
  });
  return m;
}

/** Non-zeros per row, c_k for k = 0 .. K-1. */
export function rowCounts(s: WeightStream): Uint32Array {
  const c = new Uint32Array(s.K);
  let p = 0;
  for (let k = 0; k < s.K; k++) {
    c[k] = s.words[p];
    p += 1 + 2 * c[k];
  }
  return c;
}

/** Word offset of each row's count, plus the total length at index K (K + 1 entries). Host-side only. */
export function rowOffsets(s: WeightStream): Uint32Array {
  const off = new Uint32Array(s.K + 1);
  let p = 0;
  for (let k = 0; k < s.K; k++) {
    off[k] = p;
    p += 1 + 2 * s.words[p];
  }
  off[s.K] = p;
  return off;
}

/**
 * Rows [k0, k1) of a stream as a stream of a (k1 − k0) x N matrix: a zero-copy view of the same words
 * (rows are contiguous in the stream), e.g. to split a layer's weights across workers by input rows.
 */
export function rowRange(s: WeightStream, k0: number, k1: number): WeightStream {
  requireInt('rowRange.k0', k0, 0, s.K - 1);
  requireInt('rowRange.k1', k1, k0 + 1, s.K);
  const off = rowOffsets(s);
  const words = s.words.subarray(off[k0], off[k1]);
  const nnz = (off[k1] - off[k0] - (k1 - k0)) / 2;
  return { K: k1 - k0, N: s.N, nnz, words, values: new Float32Array(words.buffer, words.byteOffset, words.length) };
}

/** Calls f(k, n, value, i) for the i-th non-zero (k, n) in stream order. */
export function forEachNonZero(s: WeightStream, f: (k: number, n: number, value: number, i: number) => void): void {
  const { words, values } = s;
  let p = 0;
  let i = 0;
  for (let k = 0; k < s.K; k++) {
    const c = words[p++];
    let n = 0;
    for (let j = 0; j < c; j++, p += 2) {
      n += words[p];
      f(k, n, values[p + 1], i++);
    }
  }
}

/** Rows and columns of the non-zeros in stream order (nnz each). */
export function streamPositions(s: WeightStream): { rows: Uint32Array; cols: Uint32Array } {
  const rows = new Uint32Array(s.nnz);
  const cols = new Uint32Array(s.nnz);
  forEachNonZero(s, (k, n, _v, i) => {
    rows[i] = k;
    cols[i] = n;
  });
  return { rows, cols };
}

/** The values of the non-zeros in stream order (nnz floats): the layout of a sparse layer's gradient. */
export function streamValues(s: WeightStream): Float32Array {
  const out = new Float32Array(s.nnz);
  forEachNonZero(s, (_k, _n, v, i) => {
    out[i] = v;
  });
  return out;
}

/** A copy of the stream with its values replaced by `values` (nnz floats, stream order), e.g. after an update. */
export function withValues(s: WeightStream, values: ArrayLike<number>): WeightStream {
  if (values.length !== s.nnz) throw new ValidationError('withValues.values.length', values.length, `expected nnz = ${s.nnz}`);
  const words = s.words.slice();
  const t: WeightStream = { K: s.K, N: s.N, nnz: s.nnz, words, values: new Float32Array(words.buffer) };
  setValues(t, values);
  return t;
}

/** Writes `values` (nnz floats, stream order) into the stream's value words in place (e.g. after an optimizer step). */
export function setValues(s: WeightStream, values: ArrayLike<number>): void {
  if (values.length !== s.nnz) throw new ValidationError('setValues.values.length', values.length, `expected nnz = ${s.nnz}`);
  const { words, values: out } = s;
  let p = 0;
  let i = 0;
  for (let k = 0; k < s.K; k++) {
    const c = words[p++];
    for (let j = 0; j < c; j++, p += 2) out[p + 1] = values[i++];
  }
}

/**
 * Checks that `words` is a well-formed stream of a K x N matrix and returns its nnz. Throws a
 * ValidationError naming the row, the entry and the word position of the first fault: a count that runs
 * past the end, a column that leaves the matrix (≥ N), a column that does not increase, or words left over.
 */
export function validateStream(words: Uint32Array, K: number, N: number, what = 'stream'): number {
  checkShape(what, K, N);
  const len = words.length;
  let p = 0;
  let nnz = 0;
  for (let k = 0; k < K; k++) {
    if (p >= len) {
      throw new ValidationError(`${what}[${p}] (row ${k} count)`, 'end of stream', `expected ${K} rows in ${len} words`);
    }
    const c = words[p];
    if (c > N) throw new ValidationError(`${what}[${p}] (row ${k} count)`, c, `expected a count <= N = ${N}`);
    if (p + 1 + 2 * c > len) {
      throw new ValidationError(`${what}[${p}] (row ${k} count)`, c, `expected a count whose ${c} pairs fit in the ${len - p - 1} words left`);
    }
    p++;
    let n = 0;
    for (let j = 0; j < c; j++, p += 2) {
      const d = words[p];
      if (j > 0 && d === 0) {
        throw new ValidationError(`${what}[${p}] (row ${k}, entry ${j}, column delta)`, d, `expected a delta >= 1 (columns of a row strictly increase; column ${n} repeats)`);
      }
      n += d;
      if (n >= N) {
        throw new ValidationError(`${what}[${p}] (row ${k}, entry ${j}, column delta)`, d, `expected a column < N = ${N}, the delta leads to column ${n}`);
      }
    }
    nnz += c;
  }
  if (p !== len) throw new ValidationError(`${what}.length`, len, `expected ${p} words (K = ${K} counts + 2 x ${nnz} pairs)`);
  return nnz;
}

/** Same shape check every stream function uses: positive integer K and N. */
function checkShape(what: string, K: number, N: number): void {
  requireInt(`${what}.K`, K, 1);
  requireInt(`${what}.N`, N, 1);
}

// ---------------------------------------------------------------------------------------------------
// Seeded randomness: unstructured masks and test data, reproducible from a seed.

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
  checkShape('randomMask', K, N);
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
