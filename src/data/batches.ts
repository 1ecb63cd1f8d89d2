// Batches: which samples step t uses (in order, or shuffled per epoch with a seed; a pure function of
// the step, so a resumed run takes the same batches), how a global batch is shared among systems, and
// the copy of samples into the feature-major [D, B] layout the executor reads.
//
// Legend: N = training samples, B = global batch, D = features, S = systems, b = samples of one system.
// Sample stream: epoch e is a permutation of 0..N-1 (identity without shuffling); the epochs are
// concatenated and step t takes stream positions [t·B, (t+1)·B) (a batch may straddle two epochs).
import { ValidationError, requireInt } from '../errors.js';
import { hashSeed } from '../model/compile.js';
import { Rng } from '../ref/rng.js';
import type { Split } from './dataset.js';

export interface OrderOptions {
  shuffle?: boolean;
  seed?: number;
}

/** The sample indices of training step `step` (0-based): a pure function of (N, B, step, shuffle, seed). */
export class BatchOrder {
  readonly n: number;
  readonly batch: number;
  readonly shuffle: boolean;
  readonly seed: number;
  private epoch = -1;
  private perm: Int32Array | null = null;

  constructor(n: number, batch: number, opts: OrderOptions = {}) {
    this.n = requireInt('samples', n, 1);
    this.batch = requireInt('--batch', batch, 1);
    this.shuffle = opts.shuffle ?? false;
    this.seed = requireInt('--seed', opts.seed ?? 0, 0, 0xffffffff);
  }

  /** Indices of step `step` (B of them). */
  indices(step: number, out = new Int32Array(this.batch)): Int32Array {
    requireInt('step', step, 0);
    for (let i = 0; i < this.batch; i++) {
      const pos = step * this.batch + i;
      out[i] = this.at(Math.floor(pos / this.n), pos % this.n);
    }
    return out;
  }

  /** Permutation of epoch `e`: Fisher–Yates from a generator seeded by hash(seed, "epoch e"). */
  permutation(e: number): Int32Array {
    const p = new Int32Array(this.n);
    for (let i = 0; i < this.n; i++) p[i] = i;
    if (!this.shuffle) return p;
    const rng = new Rng(hashSeed(this.seed, `epoch ${e}`));
    for (let i = this.n - 1; i > 0; i--) {
      const j = rng.int(i + 1);
      const t = p[i];
      p[i] = p[j];
      p[j] = t;
    }
    return p;
  }

  private at(e: number, i: number): number {
    if (!this.shuffle) return i;
    if (e !== this.epoch) {
      this.perm = this.permutation(e);
      this.epoch = e;
    }
    return this.perm![i];
  }
}

/** How a global batch of B is shared by S systems: system s takes positions [start, start + count). */
export function systemShare(B: number, systems: number, s: number): { start: number; count: number } {
  requireInt('--batch', B, 1);
  requireInt('--systems', systems, 1);
  if (B < systems) throw new ValidationError('--batch', B, `expected at least one sample per system (>= --systems ${systems})`);
  requireInt('system', s, 0, systems - 1);
  return chunkShare(B, systems, s);
}

/**
 * The same split for any n >= 0 samples, fewer than the systems included (the last ones then get none): an
 * evaluation's final chunk. Positions: the first n mod S systems take one more than floor(n / S).
 */
export function chunkShare(n: number, systems: number, s: number): { start: number; count: number } {
  const base = Math.floor(n / systems);
  const extra = n % systems;
  const start = s * base + Math.min(s, extra);
  return { start, count: base + (s < extra ? 1 : 0) };
}

/**
 * Copies samples `indices` of a split into xt [D, b] (feature-major: xt[d·b + j] = x[indices[j], d]) and
 * their labels into y [b]. b = indices.length; xt and y may be views of WASM memory.
 */
export function fillBatch(split: Split, features: number, indices: ArrayLike<number>, xt: Float32Array, y: Int32Array): void {
  const b = indices.length;
  const D = features;
  if (xt.length < D * b) throw new ValidationError('fillBatch.xt.length', xt.length, `expected >= D·b = ${D * b}`);
  if (y.length < b) throw new ValidationError('fillBatch.y.length', y.length, `expected >= ${b}`);
  const x = split.x;
  for (let j = 0; j < b; j++) {
    const i = indices[j];
    if (!(i >= 0 && i < split.n)) throw new ValidationError(`fillBatch.indices[${j}]`, i, `expected a sample in [0, ${split.n})`);
    const row = i * D;
    for (let d = 0; d < D; d++) xt[d * b + j] = x[row + d];
    y[j] = split.y[i];
  }
}
