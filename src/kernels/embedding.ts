// The TypeScript facade of the embedding kernels (assembly/nn/embedding-*-simd.ts): token + position
// gather forward and scatter-add backward. Checks sizes, token ids (integers in [0, V) when V is given,
// else ≥ 0 with their rows inside memory), pointer ranges and aliasing, naming the argument.
// Legend: n columns (tokens, j = s·T + t), T positions per sequence, C channels; ids [n] i32;
// wte, dwte [V, C]; wpe, dwpe [P, C] (rows j mod T < min(n, T) are used); out, dout [C, n] feature-major.
import { ValidationError } from '../errors.js';
import type { Wasm } from '../wasm/module.js';
import { checkDisjoint, checkPtr, size, type Range } from './check.js';
import { F32_UNIT_ROUNDOFF as U } from './compare.js';

/** The embedding exports of the WASM module (assembly/nn/index.ts). */
export interface EmbeddingExports {
  embeddingFwdSimd(out: number, ids: number, wte: number, wpe: number, n: number, T: number, C: number): void;
  embeddingBwdSimd(dwte: number, dwpe: number, dout: number, ids: number, n: number, T: number, C: number): void;
}

function ex(w: Wasm): EmbeddingExports {
  return w.exports as unknown as EmbeddingExports;
}

/** Checks sizes and ids; returns the byte sizes of the token table (rows the ids reach, or V), positions and activations. */
function check(w: Wasm, f: string, ids: number, n: number, T: number, C: number, V?: number): { tok: number; pos: number; act: number } {
  size(`${f}.n`, n);
  size(`${f}.T`, T);
  size(`${f}.C`, C);
  if (V !== undefined) size(`${f}.V`, V);
  checkPtr(w, `${f}.ids`, ids, n * 4);
  const id = w.i32(ids, n);
  let rows = 0;
  for (let j = 0; j < n; j++) {
    const v = id[j];
    if (v < 0 || (V !== undefined && v >= V)) {
      throw new ValidationError(`${f}.ids[${j}]`, v, V !== undefined ? `expected a token in [0, ${V - 1}]` : 'expected a token id >= 0');
    }
    if (v + 1 > rows) rows = v + 1;
  }
  return { tok: (V ?? rows) * C * 4, pos: Math.min(n, T) * C * 4, act: C * n * 4 };
}

/** out [C, n] = wte[ids[j], :] + wpe[j mod T, :] per column j. V (rows of wte), when given, bounds the ids. */
export function embeddingForward(w: Wasm, out: number, ids: number, wte: number, wpe: number, n: number, T: number, C: number, V?: number): void {
  const f = 'embeddingForward';
  const b = check(w, f, ids, n, T, C, V);
  checkPtr(w, `${f}.out`, out, b.act);
  checkPtr(w, `${f}.wte`, wte, b.tok);
  checkPtr(w, `${f}.wpe`, wpe, b.pos);
  checkDisjoint([`${f}.out`, out, b.act], [[`${f}.ids`, ids, n * 4], [`${f}.wte`, wte, b.tok], [`${f}.wpe`, wpe, b.pos]]);
  ex(w).embeddingFwdSimd(out, ids, wte, wpe, n, T, C);
}

/** dwte[ids[j], :] += dout[:, j]; dwpe[j mod T, :] += dout[:, j] (j ascending; dwpe = 0 skips it). The caller zeros. */
export function embeddingBackward(w: Wasm, dwte: number, dwpe: number, dout: number, ids: number, n: number, T: number, C: number, V?: number): void {
  const f = 'embeddingBackward';
  const b = check(w, f, ids, n, T, C, V);
  checkPtr(w, `${f}.dwte`, dwte, b.tok);
  checkPtr(w, `${f}.dout`, dout, b.act);
  const inputs: Range[] = [[`${f}.ids`, ids, n * 4], [`${f}.dout`, dout, b.act]];
  if (dwpe !== 0) {
    checkPtr(w, `${f}.dwpe`, dwpe, b.pos);
    checkDisjoint([`${f}.dwpe`, dwpe, b.pos], [...inputs, [`${f}.dwte`, dwte, b.tok]]);
  }
  checkDisjoint([`${f}.dwte`, dwte, b.tok], inputs);
  ex(w).embeddingBwdSimd(dwte, dwpe, dout, ids, n, T, C);
}

// ---------------------------------------------------------------------------------------------------
// Named tolerances (maxRelError against the reference, relative to its largest |value|).

/** Embedding forward: one f32 add per value (the reference's f64 sum rounded once): ≤ u; 2u allows for the f32 inputs. */
export const EMBEDDING_FWD_REL_TOL = 2 * U;
/**
 * Embedding backward: an f32 sum of the repeats of a token (or a position) in ascending j; against an
 * f64 reference a random walk ~u·√repeats. Sized for ≤ 4096 repeats as the bias gradient: 8u·√4096.
 */
export const EMBEDDING_BWD_REL_TOL = 8 * U * Math.sqrt(4096);
