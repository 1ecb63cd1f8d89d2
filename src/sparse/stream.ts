// The sparse WEIGHT STREAM: the non-zero weights of a matrix W [K, N] in the order the wafer consumes them.
// This module is the ONE owner of the format: it encodes (a skeleton from a mask, a stream from W, row by
// row with StreamWriter), fills and reads the values, iterates rows and entries (forEachRow, forEachEntry,
// StreamReader) and validates. Every other module goes through these functions instead of walking words.
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
// The COLUMN layout (output-major, what the forward kernel reads so that an output row accumulates in
// registers): for each output column n = 0 .. N-1, c_n, then c_n pairs (row delta, value) with rows
// ascending: word for word the row layout of Wᵀ [N, K], N + 2·nnz words. transposeStream builds it from a
// row-layout stream, columnSkeleton from a skeleton (with where each row-order value lands, so a master
// block in row order fills it: fillColumnStream); that part lives in stream-columns.ts, re-exported here. Everything that reads a row-layout stream reads it as a
// WeightStream of shape [N, K].
// A POSITIONS-ONLY stream (the fabric's gradient pass needs no values) drops the value words: per row a
// count, then c_k deltas (K + nnz words); StreamWriter writes it with `values = false`.
import { ValidationError, requireInt, requireObject } from '../errors.js';

export { seededRandom, maskZeros, randomMask, maskWithNonZeros, randomValues, randomStream } from './masks.js';
export { columnStreamWords, columnSkeleton, transposeStream, fillColumnStream, type ColumnSkeleton } from './stream-columns.js';

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

/** The f32 view of the same bytes as `words`. @internal (stream-columns.ts) */
export function f32View(words: Uint32Array): Float32Array {
  return new Float32Array(words.buffer, words.byteOffset, words.length);
}

// ---------------------------------------------------------------------------------------------------
// Walking: the only loops over a stream's words on the host.

/**
 * Calls f(k, count, at) for each row k = 0 .. K-1 of the stream `words`, where `at` is the word index of
 * row k's count (its pairs follow at at + 1 + 2j). Returns the word index after the last row.
 */
export function forEachRow(words: Uint32Array, K: number, f: (k: number, count: number, at: number) => void): number {
  let p = 0;
  for (let k = 0; k < K; k++) {
    const c = words[p];
    f(k, c, p);
    p += 1 + 2 * c;
  }
  return p;
}

/**
 * Calls f(k, n, at, i) for the i-th non-zero (row k, column n) of the stream `words` in stream order,
 * where `at` is the word index of its value (read it through a Float32Array over the same bytes).
 */
export function forEachEntry(words: Uint32Array, K: number, f: (k: number, n: number, at: number, i: number) => void): void {
  let p = 0;
  let i = 0;
  for (let k = 0; k < K; k++) {
    const c = words[p++];
    let n = 0;
    for (let j = 0; j < c; j++, p += 2) {
      n += words[p];
      f(k, n, p + 1, i++);
    }
  }
}

/**
 * A cursor over a stream, for loops that need their own control flow (e.g. a kernel over rows):
 *   const r = new StreamReader(words);
 *   for (let k = 0; k < K; k++) for (let c = r.row(); c > 0; c--) { const n = r.next(); use(k, n, r.value()); }
 */
export class StreamReader {
  private readonly words: Uint32Array;
  private readonly vals: Float32Array;
  private p = 0;
  /** Column of the current entry (after next()). */
  n = 0;
  /** Word index of the current entry's value. */
  at = 0;
  constructor(words: Uint32Array) {
    this.words = words;
    this.vals = f32View(words);
  }
  /** Opens the next row and returns its count. */
  row(): number {
    this.n = 0;
    return this.words[this.p++];
  }
  /** Moves to the next entry of the open row and returns its column. */
  next(): number {
    this.n += this.words[this.p];
    this.at = this.p + 1;
    this.p += 2;
    return this.n;
  }
  /** The current entry's value. */
  value(): number {
    return this.vals[this.at];
  }
}

// ---------------------------------------------------------------------------------------------------
// Encoding: the only code that writes counts and deltas.

/**
 * Writes a stream row by row: row() opens the next row, push(n, v) appends column n (strictly increasing
 * within a row) with value v. `values = false` writes a positions-only stream (no value words).
 * Sized up front for `rows` rows and `nnz` entries; finish() checks that exactly that much was written.
 */
export class StreamWriter {
  readonly words: Uint32Array;
  private readonly vals: Float32Array;
  private readonly per: number;
  private p = 0;
  private countAt = -1;
  private prev = 0;
  private rowsOpen = 0;
  constructor(private readonly rows: number, nnz: number, values = true) {
    this.per = values ? 2 : 1;
    this.words = new Uint32Array(rows + this.per * nnz);
    this.vals = f32View(this.words);
  }
  /** Opens the next row (count 0 until entries are pushed). */
  row(): void {
    this.countAt = this.p++;
    this.prev = 0;
    this.rowsOpen++;
  }
  /** Appends column n (> the row's previous column) with value v to the open row. */
  push(n: number, v = 0): void {
    this.words[this.p] = n - this.prev;
    if (this.per === 2) this.vals[this.p + 1] = v;
    this.p += this.per;
    this.prev = n;
    this.words[this.countAt]++;
  }
  /** The words, after checking every row and entry it was sized for was written. */
  finish(): Uint32Array {
    if (this.rowsOpen !== this.rows || this.p !== this.words.length) {
      throw new Error(`StreamWriter: wrote ${this.rowsOpen} of ${this.rows} rows and ${this.p} of ${this.words.length} words`);
    }
    return this.words;
  }
}

/**
 * The SKELETON of a 0/1 mask [K, N] (non-zero = keep): the stream of its kept positions with every value
 * word 0 (counts and deltas only). Fill it with fillStream / setValues.
 */
export function encodeSkeleton(mask: ArrayLike<number>, K: number, N: number): WeightStream {
  checkShape('encodeSkeleton', K, N);
  if (mask.length !== K * N) throw new ValidationError('encodeSkeleton.mask.length', mask.length, `expected K·N = ${K * N}`);
  return encodeWhere((i) => mask[i] !== 0, null, K, N);
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
  return encodeWhere(mask ? (i) => mask[i] !== 0 : (i) => W[i] !== 0, W, K, N);
}

/** The stream of the positions i = k·N + n where keep(i), with values W[i] (0 without W). */
function encodeWhere(keep: (i: number) => boolean, W: ArrayLike<number> | null, K: number, N: number): WeightStream {
  let nnz = 0;
  for (let i = 0; i < K * N; i++) if (keep(i)) nnz++;
  const w = new StreamWriter(K, nnz);
  for (let k = 0; k < K; k++) {
    w.row();
    const row = k * N;
    for (let n = 0; n < N; n++) if (keep(row + n)) w.push(n, W ? W[row + n] : 0);
  }
  const words = w.finish();
  return { K, N, nnz, words, values: f32View(words) };
}

// ---------------------------------------------------------------------------------------------------
// Values: master blocks hold a sparse weight as its nnz values in stream order; the wire holds the stream.

/** Word index, within a stream, of each of its nnz value words (stream order). */
export function valueWordIndex(words: Uint32Array, nnz: number): Uint32Array {
  const idx = new Uint32Array(nnz);
  let i = 0;
  let p = 0;
  while (p < words.length) {
    const c = words[p];
    for (let j = 0; j < c; j++) idx[i++] = p + 2 + 2 * j;
    p += 1 + 2 * c;
  }
  if (i !== nnz) throw new ValidationError('sparse template', i, `expected ${nnz} non-zeros`);
  return idx;
}

/**
 * Writes a stream into `out` (a Float32Array view, e.g. of a wire block): the skeleton's counts and
 * deltas, with values[offset .. offset + nnz) (stream order) in the value words. out has ≥ skeleton words.
 */
export function fillStream(skeleton: Uint32Array, values: ArrayLike<number>, offset: number, out: Float32Array): void {
  new Uint32Array(out.buffer, out.byteOffset, skeleton.length).set(skeleton);
  let i = offset;
  let p = 0;
  while (p < skeleton.length) {
    const c = skeleton[p++];
    for (let j = 0; j < c; j++, p += 2) out[p + 1] = values[i++];
  }
}

/** The values of the non-zeros in stream order (nnz floats): the layout of a sparse layer's gradient. */
export function streamValues(s: WeightStream): Float32Array {
  requireObject('stream', s);
  const out = new Float32Array(s.nnz);
  const v = s.values;
  forEachEntry(s.words, s.K, (_k, _n, at, i) => {
    out[i] = v[at];
  });
  return out;
}

/** Writes `values` (nnz floats, stream order) into the stream's value words in place (e.g. after an optimizer step). */
export function setValues(s: WeightStream, values: ArrayLike<number>): void {
  requireObject('stream', s);
  if (values.length !== s.nnz) throw new ValidationError('setValues.values.length', values.length, `expected nnz = ${s.nnz}`);
  const out = s.values;
  forEachEntry(s.words, s.K, (_k, _n, at, i) => {
    out[at] = values[i];
  });
}

/** A copy of the stream with its values replaced by `values` (nnz floats, stream order), e.g. after an update. */
export function withValues(s: WeightStream, values: ArrayLike<number>): WeightStream {
  requireObject('stream', s);
  if (values.length !== s.nnz) throw new ValidationError('withValues.values.length', values.length, `expected nnz = ${s.nnz}`);
  const words = s.words.slice();
  const t: WeightStream = { K: s.K, N: s.N, nnz: s.nnz, words, values: f32View(words) };
  setValues(t, values);
  return t;
}

// ---------------------------------------------------------------------------------------------------
// Reading: dense, masks, positions, rows.

/** Calls f(k, n, value, i) for the i-th non-zero (k, n) in stream order. */
export function forEachNonZero(s: WeightStream, f: (k: number, n: number, value: number, i: number) => void): void {
  requireObject('stream', s);
  const v = s.values;
  forEachEntry(s.words, s.K, (k, n, at, i) => f(k, n, v[at], i));
}

/** Decodes a stream to a dense W [K, N] (row-major), zeros where the stream holds nothing. */
export function decodeStream(s: WeightStream): Float32Array {
  requireObject('stream', s);
  const W = new Float32Array(s.K * s.N);
  forEachNonZero(s, (k, n, v) => {
    W[k * s.N + n] = v;
  });
  return W;
}

/** The 0/1 mask [K, N] of the positions a stream holds. */
export function streamMask(s: WeightStream): Uint8Array {
  requireObject('stream', s);
  const m = new Uint8Array(s.K * s.N);
  forEachEntry(s.words, s.K, (k, n) => {
    m[k * s.N + n] = 1;
  });
  return m;
}

/** Rows and columns of the non-zeros in stream order (nnz each). */
export function streamPositions(s: WeightStream): { rows: Uint32Array; cols: Uint32Array } {
  requireObject('stream', s);
  const rows = new Uint32Array(s.nnz);
  const cols = new Uint32Array(s.nnz);
  forEachEntry(s.words, s.K, (k, n, _at, i) => {
    rows[i] = k;
    cols[i] = n;
  });
  return { rows, cols };
}

/** Non-zeros per row, c_k for k = 0 .. K-1. */
export function rowCounts(s: WeightStream): Uint32Array {
  requireObject('stream', s);
  const c = new Uint32Array(s.K);
  forEachRow(s.words, s.K, (k, count) => {
    c[k] = count;
  });
  return c;
}

/** Word offset of each row's count, plus the total length at index K (K + 1 entries). Host-side only. */
export function rowOffsets(s: WeightStream): Uint32Array {
  requireObject('stream', s);
  const off = new Uint32Array(s.K + 1);
  off[s.K] = forEachRow(s.words, s.K, (k, _c, at) => {
    off[k] = at;
  });
  return off;
}

/**
 * Rows [k0, k1) of a stream as a stream of a (k1 − k0) x N matrix: a zero-copy view of the same words
 * (rows are contiguous in the stream), e.g. to split a layer's weights across workers by input rows.
 * `off` = rowOffsets(s), for a caller that takes many ranges of one stream (computed here otherwise).
 */
export function rowRange(s: WeightStream, k0: number, k1: number, off: Uint32Array = rowOffsets(s)): WeightStream {
  requireObject('stream', s);
  requireInt('rowRange.k0', k0, 0, s.K - 1);
  requireInt('rowRange.k1', k1, k0 + 1, s.K);
  const words = s.words.subarray(off[k0], off[k1]);
  const nnz = (off[k1] - off[k0] - (k1 - k0)) / 2;
  return { K: k1 - k0, N: s.N, nnz, words, values: f32View(words) };
}

// ---------------------------------------------------------------------------------------------------
// Validation.

/** Wraps existing words (e.g. a view into WASM memory) as a stream after validating them against K, N. */
export function wrapStream(words: Uint32Array, K: number, N: number): WeightStream {
  const nnz = validateStream(words, K, N);
  return { K, N, nnz, words, values: f32View(words) };
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
/** @internal (stream-columns.ts) */
export function checkShape(what: string, K: number, N: number): void {
  requireInt(`${what}.K`, K, 1);
  requireInt(`${what}.N`, N, 1);
}
