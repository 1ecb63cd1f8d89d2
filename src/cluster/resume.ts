// Checkpoints of a training run: resume (MemoryX restored from a checkpoint written for the same model and
// the same data order; the steps before it keep their losses) and the writer of checkpoints during a run.
// A checkpoint carries the model's fingerprint (engine.ts planFingerprint), the data order (seed,
// shuffle, batch) and the training data's fingerprint: a resumed run is bit-identical to an uninterrupted one.
import { loadCheckpoint, saveCheckpoint, CheckpointError, checkResume } from '../memoryx/checkpoint.js';
import { createHash } from 'node:crypto';
import type { TrainData } from '../data/fill.js';
import type { MemoryX } from '../memoryx/store.js';

/** The data order a run draws its batches in (BatchOrder's inputs), and what it draws them from. */
export interface DataOrder {
  seed: number;
  shuffle: boolean;
  batch: number;
  /** A fingerprint of the training split (dataFingerprint); checkpoints written before it have none. */
  data?: string;
}

/** A fingerprint of a run's training split (its samples and labels, or its token rows), for checkpoints. */
export function dataFingerprint(data: TrainData): string {
  const h = createHash('sha256');
  const t = data.train;
  const arrays = 'tokens' in t ? [t.tokens] : [t.x, t.y];
  for (const a of arrays) h.update(new Uint8Array(a.buffer, a.byteOffset, a.byteLength));
  return h.digest('hex').slice(0, 32);
}

/** Restores MemoryX from the checkpoint at `path`; returns the step to continue at and the losses before it. */
export function resume(mx: MemoryX, path: string, fingerprint: string, order: DataOrder, steps: number): { startStep: number; loss: number[] } {
  const c = loadCheckpoint(path);
  if (c.model !== fingerprint) throw new CheckpointError(`checkpoint ${path}: written for a different model (fingerprint ${c.model}, this model ${fingerprint})`);
  checkResume(c, steps, path); // steps left to run, finite state
  const r = c.rng as { seed?: number; shuffle?: boolean; batch?: number };
  if (r.seed !== order.seed || r.shuffle !== order.shuffle || r.batch !== order.batch) {
    throw new CheckpointError(
      `checkpoint ${path}: its data order (seed ${r.seed}, shuffle ${r.shuffle}, batch ${r.batch}) differs from this run's (seed ${order.seed}, shuffle ${order.shuffle}, batch ${order.batch})`,
    );
  }
  const data = (c.rng as { data?: string }).data;
  if (data !== undefined && order.data !== undefined && data !== order.data) {
    throw new CheckpointError(`checkpoint ${path}: written for other training data (fingerprint ${data}, this run's ${order.data}): resume on the data it was written with`);
  }
  mx.restore(c.memoryx);
  return { startStep: c.step, loss: [...((c.extra?.loss as number[] | undefined) ?? [])] };
}

/** Writes a run's checkpoints (none without a path) and remembers the last one written. */
export class Checkpointer {
  /** Steps done at the last checkpoint written (-1: none yet). */
  last = -1;
  constructor(
    private readonly mx: MemoryX,
    readonly path: string | undefined,
    private readonly every: number | undefined,
    private readonly fingerprint: string,
    private readonly order: DataOrder,
  ) {}

  /** After step `done - 1`: writes a checkpoint when one is due every `every` steps. */
  afterStep(done: number, loss: number[]): void {
    if (this.every && done % this.every === 0) this.write(done, loss);
  }

  /** At the end of the run: writes a checkpoint of `done` steps unless that one was just written. */
  atEnd(done: number, loss: number[]): void {
    if (this.last !== done) this.write(done, loss);
  }

  /** What the last checkpoint means for a run that stops now (for its error message). */
  describe(): string {
    if (this.last >= 0) return `; last checkpoint ${this.path} (after step ${this.last}) is intact`;
    return this.path ? '; no checkpoint was written yet' : '';
  }

  private write(step: number, loss: number[]): void {
    if (!this.path) return;
    saveCheckpoint(this.path, { step, memoryx: this.mx.snapshot(), rng: { ...this.order }, model: this.fingerprint, extra: { loss: loss.slice() } });
    this.last = step;
  }
}
