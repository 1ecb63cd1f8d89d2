// The TypeScript facade of the attention kernels (assembly/nn/attention-*-simd.ts): causal multi-head
// self-attention forward and backward. Checks sizes (C % H == 0), pointer ranges and aliasing, naming
// the argument, then calls WASM.
// Two variants of each (AttentionVariant): four-query register tiles (default) and one row at a time.
// Legend (feature-major): nSeq sequences of T tokens, n = nSeq·T columns (j = s·T + t), C channels,
// H heads of hd = C/H rows. qkv, dqkv [3C, n] (q, k, v rows); out, dout [C, n]; att [nSeq, H, T, T];
// scratch [attentionScratchFloats(T)]. Pointers are byte offsets into the Wasm instance's memory.
import { ValidationError } from '../errors.js';
import type { Wasm } from '../wasm/module.js';
import { checkDisjoint, checkPtr, size, type Range } from './check.js';
import { F32_UNIT_ROUNDOFF as U } from './compare.js';

/** The attention exports of the WASM module (assembly/nn/index.ts). */
export interface AttentionExports {
  attentionFwdSimd(out: number, att: number, qkv: number, nSeq: number, T: number, C: number, H: number): void;
  attentionBwdSimd(dqkv: number, dout: number, qkv: number, att: number, scratch: number, nSeq: number, T: number, C: number, H: number): void;
  attentionFwd4qSimd(out: number, att: number, qkv: number, nSeq: number, T: number, C: number, H: number): void;
  attentionBwd4qSimd(dqkv: number, dout: number, qkv: number, att: number, scratch: number, nSeq: number, T: number, C: number, H: number): void;
}

/**
 * Which kernel runs: '4q' (default) blocks four queries in register tiles (attention-*-4q-simd.ts);
 * 'rows' goes one query row at a time (attention-*-simd.ts). Same formulas, sums grouped differently.
 */
export type AttentionVariant = '4q' | 'rows';
export const ATTENTION_VARIANTS: readonly AttentionVariant[] = ['4q', 'rows'];

function ex(w: Wasm): AttentionExports {
  return w.exports as unknown as AttentionExports;
}

/** Floats of scratch the backward needs: four rows of T (the dP / dS rows of a block of four queries). */
export function attentionScratchFloats(T: number): number {
  return 4 * T;
}

/** Sizes checked and the byte sizes of each buffer. */
function shapes(f: string, nSeq: number, T: number, C: number, H: number): { act: number; qkv: number; att: number } {
  size(`${f}.nSeq`, nSeq);
  size(`${f}.T`, T);
  size(`${f}.C`, C);
  size(`${f}.H`, H);
  if (C % H !== 0) throw new ValidationError(`${f}.H`, H, `expected a divisor of C = ${C}`);
  const n = nSeq * T;
  return { act: C * n * 4, qkv: 3 * C * n * 4, att: nSeq * H * T * T * 4 };
}

/** out [C, n] = causal softmax(q·kᵀ/√hd)·v per sequence and head; saves att [nSeq, H, T, T] = P (0 where t2 > t1). */
export function attentionForward(
  w: Wasm, out: number, att: number, qkv: number, nSeq: number, T: number, C: number, H: number, variant: AttentionVariant = '4q',
): void {
  const f = 'attentionForward';
  const b = shapes(f, nSeq, T, C, H);
  checkPtr(w, `${f}.out`, out, b.act);
  checkPtr(w, `${f}.att`, att, b.att);
  checkPtr(w, `${f}.qkv`, qkv, b.qkv);
  const input: Range = [`${f}.qkv`, qkv, b.qkv];
  checkDisjoint([`${f}.out`, out, b.act], [input, [`${f}.att`, att, b.att]]);
  checkDisjoint([`${f}.att`, att, b.att], [input]);
  const k = ex(w);
  (variant === 'rows' ? k.attentionFwdSimd : k.attentionFwd4qSimd)(out, att, qkv, nSeq, T, C, H);
}

/** dqkv [3C, n] (overwritten: dq, dk, dv) from dout [C, n], the forward's qkv and att; scratch ≥ 4·T floats. */
export function attentionBackward(
  w: Wasm, dqkv: number, dout: number, qkv: number, att: number, scratch: number, nSeq: number, T: number, C: number, H: number,
  variant: AttentionVariant = '4q',
): void {
  const f = 'attentionBackward';
  const b = shapes(f, nSeq, T, C, H);
  const sb = attentionScratchFloats(T) * 4;
  checkPtr(w, `${f}.dqkv`, dqkv, b.qkv);
  checkPtr(w, `${f}.dout`, dout, b.act);
  checkPtr(w, `${f}.qkv`, qkv, b.qkv);
  checkPtr(w, `${f}.att`, att, b.att);
  checkPtr(w, `${f}.scratch`, scratch, sb);
  const inputs: Range[] = [[`${f}.dout`, dout, b.act], [`${f}.qkv`, qkv, b.qkv], [`${f}.att`, att, b.att]];
  checkDisjoint([`${f}.dqkv`, dqkv, b.qkv], [...inputs, [`${f}.scratch`, scratch, sb]]);
  checkDisjoint([`${f}.scratch`, scratch, sb], inputs);
  const k = ex(w);
  (variant === 'rows' ? k.attentionBwdSimd : k.attentionBwd4qSimd)(dqkv, dout, qkv, att, scratch, nSeq, T, C, H);
}

// ---------------------------------------------------------------------------------------------------
// Named tolerances (maxRelError against the f64 reference, per output, relative to its largest |value|).

/**
 * Attention forward (out and att): f32 dots of hd terms for the scores (~u·√hd of |q||k|), exp ~2 ulp,
 * a sum of ≤ T exponentials and a dot of ≤ T terms for out. A score error δS moves P by P·δS, so scores
 * up to |S| ≈ 8 cost a factor 8 more. Sized for hd, T ≤ 4096: 16u·√4096 = 6.1e-5.
 */
export const ATTENTION_FWD_REL_TOL = 16 * U * Math.sqrt(4096);
/**
 * Attention backward (dq, dk, dv): the forward's errors in P, dots of hd terms for dP, the difference
 * dP − P·dP (which cancels where one key dominates), then sums of ≤ T terms. Twice the forward's: 1.2e-4.
 */
export const ATTENTION_BWD_REL_TOL = 32 * U * Math.sqrt(4096);
