// The fabric's seeded layer weights made by the module (fabricSeededRows, assembly/fabric/seeded.ts): the
// stream of seededLayerStream (weights.ts, the reference, bit for bit: test/fabric/setup.test.ts), in its own
// WebAssembly memory, whose words the returned stream views (no copy). The same loop, 1.7x the host's (306
// against 527 ms for a warm 12288 x 4096 layer at 0.9): a GPT-3 MLP layer's 604 M positions take 4 s, not 8-10.
//
// Legend: K, N = W's rows and columns; keep = the non-zeros; words [K + 2·keep] u32 (values as f32 bits).
import { requireInt, requireNumber } from '../errors.js';
import { f32View, maskZeros, type WeightStream } from '../sparse/stream.js';
import { Wasm, type Flavor } from '../wasm/module.js';
import { seededLayerStream, type SetupProgress } from './weights.js';
import { heldWeights, rowsPerChunk, type LayerWeights, type RowReader } from './layer-weights.js';

interface SeededExports {
  fabricSeededRows(words: number, st: number, k0: number, k1: number, N: number, total: number): void;
}

/** Rows per call into the module (progress between calls). */
const ROWS_PER_CALL = 64;
/** Past this the words do not fit one WebAssembly memory: the host's loop makes them (or fails as it would). */
const MAX_BYTES = 4 * 2 ** 30 - (16 << 20);

/**
 * seededLayerStream(K, N, sparsity, seed) as a run reads it (layer-weights.ts): made once by the module and held
 * where its stream fits one WebAssembly memory; past that (a dense GPT-3 MLP layer) made again by rows on each read.
 */
export function seededWeights(K: number, N: number, sparsity: number, seed: number, progress?: SetupProgress, flavor?: Flavor): LayerWeights {
  const nnz = seededNonZeros(K, N, sparsity);
  if (seededHeld(K, nnz)) {
    let held: LayerWeights | null = null;
    const get = () => (held ??= heldWeights(seededLayerStreamFast(K, N, sparsity, seed, progress, flavor)));
    return { K, N, nnz, whole: () => get().whole(), rows: (m) => get().rows(m), chunkRows: () => K };
  }
  return { K, N, nnz, whole: () => null, rows: (maxRows) => seededRowReader(K, N, nnz, seed, maxRows, flavor), chunkRows: () => rowsPerChunk(N) };
}

/** Does a seeded layer of K rows and `nnz` non-zeros stay held whole (its stream within one WebAssembly memory)? */
export function seededHeld(K: number, nnz: number): boolean {
  return 4 * (K + 2 * nnz) <= MAX_BYTES;
}

/** Successive rows of seededLayerStream(K, N, …), made by the module into one buffer of `maxRows` rows (a view of it each call). */
export function seededRowReader(K: number, N: number, nnz: number, seed: number, maxRows: number, flavor?: Flavor): RowReader {
  const { w, wordsPtr, st, state } = seededModule(4 * maxRows * (1 + 2 * N), nnz, seed, flavor);
  let k = 0;
  return (k1) => {
    if (k1 - k > maxRows || k1 > K) throw new RangeError(`seeded rows: asked for rows ${k}..${k1} of ${K}, at most ${maxRows} at a time`);
    state[1] = 0; // each range from the buffer's first word
    w.exports.fabricSeededRows(wordsPtr, st, k, k1, N, K * N);
    const len = state[1];
    const words = new Uint32Array(w.memory.buffer, wordsPtr, len);
    const sub = { K: k1 - k, N, nnz: (len - (k1 - k)) / 2, words, values: f32View(words) };
    k = k1;
    return sub;
  };
}

/** seededLayerStream(K, N, sparsity, seed), made by the module. */
export function seededLayerStreamFast(K: number, N: number, sparsity: number, seed: number, progress?: SetupProgress, flavor?: Flavor): WeightStream {
  const keep = seededNonZeros(K, N, sparsity);
  const total = K * N;
  if (!seededHeld(K, keep)) return seededLayerStream(K, N, sparsity, seed, progress);
  const { w, wordsPtr, st } = seededModule(4 * (K + 2 * keep), keep, seed, flavor);
  for (let k = 0; k < K; k += ROWS_PER_CALL) {
    progress?.(k * N, total);
    w.exports.fabricSeededRows(wordsPtr, st, k, Math.min(K, k + ROWS_PER_CALL), N, total);
  }
  progress?.(total, total);
  const words = new Uint32Array(w.memory.buffer, wordsPtr, K + 2 * keep);
  return { K, N, nnz: keep, words, values: new Float32Array(words.buffer, words.byteOffset, words.length) };
}

/** The non-zeros of a seeded layer, its shape and sparsity checked. */
function seededNonZeros(K: number, N: number, sparsity: number): number {
  requireInt('in', K, 1);
  requireInt('out', N, 1);
  requireNumber('sparsity', sparsity, 0, 1);
  return K * N - maskZeros(K, N, sparsity);
}

/**
 * A module instance with `bytes` for the words and fabricSeededRows's state at `st` (f64 [4]: the non-zeros still
 * needed, the next word's index, the mask's and the values' generator states), set to the stream's start.
 */
function seededModule(bytes: number, nnz: number, seed: number, flavor?: Flavor) {
  const w = new Wasm<SeededExports>({ flavor, initialBytes: bytes + (1 << 20), maximumBytes: bytes + (1 << 20), scratchBytes: 0 });
  const wordsPtr = w.arena.alloc(bytes, 16);
  const st = w.arena.alloc(32, 8);
  const state = new Float64Array(w.memory.buffer, st, 4);
  state.set([nnz, 0, seed >>> 0, (seed ^ 0x9e3779b9) >>> 0]);
  return { w, wordsPtr, st, state };
}
