// Test accuracy on the cluster: forward passes only, MemoryX streaming each layer once per chunk of B
// samples, each chunk shared out as a training batch is (src/data/batches.ts), the last chunk possibly
// smaller than the systems (some then hold no sample).
import { chunkShare } from '../data/batches.js';
import type { AnySplit } from '../data/fill.js';
import { CMD } from '../protocol/cs2.js';
import type { Run } from './run.js';
import { loadShare } from './step.js';

/** Fraction of the split's samples (a token model: tokens) the model classifies correctly, and the mean loss over them. */
export async function evaluate(run: Run, split: AnySplit): Promise<{ accuracy: number; loss: number }> {
  const { sys, mx, swarm, N } = run;
  const B = run.s.batch;
  const L = run.plan.layers.length;
  let correct = 0;
  let loss = 0;
  for (let from = 0; from < split.n; from += B) {
    const n = Math.min(B, split.n - from);
    for (let w = 0; w < N; w++) {
      const { start, count } = chunkShare(n, N, w);
      const ids = new Int32Array(count);
      for (let j = 0; j < count; j++) ids[j] = from + start + j;
      loadShare(run, w, split, ids);
    }
    await sys.command(CMD.STEP, { step: -1, attempt: 0, batch: n });
    for (let l = 0; l < L; l++) {
      const { slot, ptr } = swarm.takeSlot();
      mx.stream(l, ptr, 'forward');
      await sys.command(CMD.FORWARD, { layer: l, slot });
    }
    await sys.command(CMD.LOSS, { arg: 1 });
    for (let w = 0; w < N; w++) correct += sys.correct(w);
    for (let w = 0; w < N; w++) loss += (sys.lossShare(w) * n) / split.n; // a chunk's mean, weighted by its samples
  }
  return { accuracy: correct / (split.n * run.plan.seqLen), loss };
}
