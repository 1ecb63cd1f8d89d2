// The TypeScript facade of the optimizer updates (assembly/optim/): SGD with momentum and AdamW, as
// MemoryX runs them, with an optional sparsity mask (one byte per weight, 0 = pruned; pruned weights and
// their state are written as exactly 0). In place by default; with `from` ≠ 0 the weights and state are
// read from another copy `from` bytes away and written to p, buf / m, v (MemoryX updates a record into its
// other slot this way: the old record stays as it was, so a failed step needs no undo copy). Checks sizes,
// hyper-parameters and pointer ranges (naming the argument), then calls WASM. PyTorch semantics: see
// src/ref/optim.ts.
// Legend: n = weights; p, g, buf, m, v [n] f32; mask [n] u8 (0 = no mask). Byte pointers.
import { ValidationError, requireInt, requireObject } from '../errors.js';
import type { Wasm } from '../wasm/module.js';
import type { AdamWHyper, SgdHyper } from '../ref/optim.js';
import { checkBytes, checkDisjoint, checkPtr, finite, size, type Range } from './check.js';

export type { AdamWHyper, SgdHyper };

/** The optim exports of the WASM module (assembly/optim/index.ts). */
export interface OptimExports {
  sgdMomentumSimd(p: number, g: number, buf: number, mask: number, n: number, lr: number, momentum: number, weightDecay: number, from: number): void;
  adamwSimd(
    p: number, g: number, m: number, v: number, mask: number, n: number,
    lr: number, beta1: number, beta2: number, eps: number, weightDecay: number, step: number, from: number,
  ): void;
}

function ex(w: Wasm): OptimExports {
  return w.exports as unknown as OptimExports;
}

/**
 * Checks n, every range in memory and no two overlapping: the written state arrays, the gradient, the mask
 * and, when `from` ≠ 0, the state arrays' sources `from` bytes away (named e.g. `adamw.m (from)`).
 */
function checkAll(w: Wasm, f: string, n: number, states: Range[], g: number, mask: number, from: number): void {
  size(`${f}.n`, n);
  if (!Number.isInteger(from) || from % 4 !== 0) throw new RangeError(`${f}.from: ${from} is not a 4-byte aligned byte distance`);
  const sources: Range[] = from === 0 ? [] : states.map(([name, ptr, bytes]) => [`${name} (from)`, ptr + from, bytes]);
  const f32s: Range[] = [...states, [`${f}.g`, g, n * 4], ...sources];
  for (const [name, ptr, bytes] of f32s) checkPtr(w, name, ptr, bytes);
  if (mask !== 0) checkBytes(w, `${f}.mask`, mask, n);
  const all: Range[] = mask !== 0 ? [...f32s, [`${f}.mask`, mask, n]] : f32s;
  for (let i = 0; i < f32s.length; i++) checkDisjoint(f32s[i], all.filter((_, j) => j !== i));
}

/** SGD with momentum on p and buf (read `from` bytes away; 0 = in place): d = g + wd·p; buf = μ·buf + d; p -= lr·buf. */
export function sgdMomentum(w: Wasm, p: number, g: number, buf: number, mask: number, n: number, h: SgdHyper, from = 0): void {
  requireObject('sgdMomentum.h', h);
  const f = 'sgdMomentum';
  finite(`${f}.lr`, h.lr, 0);
  finite(`${f}.momentum`, h.momentum, 0, 1);
  finite(`${f}.weightDecay`, h.weightDecay, 0);
  checkAll(w, f, n, [[`${f}.p`, p, n * 4], [`${f}.buf`, buf, n * 4]], g, mask, from);
  ex(w).sgdMomentumSimd(p, g, buf, mask, n, h.lr, h.momentum, h.weightDecay, from);
}

/** AdamW on p, m and v (read `from` bytes away; 0 = in place; PyTorch semantics, bias-corrected with the 1-based h.step). */
export function adamw(w: Wasm, p: number, g: number, m: number, v: number, mask: number, n: number, h: AdamWHyper, from = 0): void {
  requireObject('adamw.h', h);
  const f = 'adamw';
  finite(`${f}.lr`, h.lr, 0);
  for (const k of ['beta1', 'beta2'] as const) {
    if (!(h[k] >= 0 && h[k] < 1)) throw new ValidationError(`${f}.${k}`, h[k], 'expected a number in [0, 1)');
  }
  if (!(h.eps > 0) || !Number.isFinite(h.eps)) throw new ValidationError(`${f}.eps`, h.eps, 'expected a positive finite number');
  finite(`${f}.weightDecay`, h.weightDecay, 0);
  requireInt(`${f}.step`, h.step, 1, 2 ** 31 - 1);
  checkAll(w, f, n, [[`${f}.p`, p, n * 4], [`${f}.m`, m, n * 4], [`${f}.v`, v, n * 4]], g, mask, from);
  ex(w).adamwSimd(p, g, m, v, mask, n, h.lr, h.beta1, h.beta2, h.eps, h.weightDecay, h.step, from);
}

/**
 * Named tolerance (maxRelError per updated array against the f64 reference): a handful of f32 operations
 * per element (≤ 8 roundings on the update path; bias correction folded into two f32 scalars), so 16u.
 */
export const OPTIM_REL_TOL = 16 * 2 ** -24;
