// Accuracy (and mean loss) of a model's weights on a data split: forward passes only, in chunks, on the
// same layer executor the trainers use.
//
// Legend: D = features, C = classes, b = samples of a chunk.
import type { Split } from '../data/dataset.js';
import { fillBatch } from '../data/batches.js';
import type { Plan } from '../model/plan.js';
import { packWire, type Params } from '../model/params.js';
import { createExecutor } from '../nn/executor.js';
import { Wasm } from '../wasm/module.js';

export interface Evaluation {
  /** Fraction of samples whose argmax logit is the label. */
  accuracy: number;
  correct: number;
  n: number;
  /** Mean softmax cross-entropy over the split. */
  loss: number;
}

/** Evaluates `params` on `split` (chunks of `chunk` samples, default 256) on instance `w` (a new one if omitted). */
export function evaluate(plan: Plan, params: Params, split: Split, opts: { chunk?: number; wasm?: Wasm } = {}): Evaluation {
  const w = opts.wasm ?? new Wasm();
  const mark = w.arena.mark();
  try {
    const chunk = Math.max(1, Math.min(opts.chunk ?? 256, split.n));
    const wires = plan.layers.map((l) => w.allocF32(Math.max(1, l.wireWords)));
    plan.layers.forEach((l, i) => packWire(plan, i, params[i], w.f32(wires[i], l.wireWords)));
    const ex = createExecutor(w, plan, chunk);
    const D = plan.input;
    let correct = 0;
    let lossSum = 0;
    const idx = new Int32Array(chunk);
    for (let from = 0; from < split.n; from += chunk) {
      const b = Math.min(chunk, split.n - from);
      for (let j = 0; j < b; j++) idx[j] = from + j;
      ex.begin(b);
      fillBatch(split, D, idx.subarray(0, b), w.f32(ex.inputPtr, D * b), w.i32(ex.labelsPtr, b));
      for (let l = 0; l < plan.layers.length; l++) ex.forwardLayer(l, wires[l]);
      const pred = ex.predictions();
      for (let j = 0; j < b; j++) if (pred[j] === split.y[from + j]) correct++;
      lossSum += ex.loss(split.n); // mean over the whole split, accumulated chunk by chunk
    }
    return { accuracy: correct / split.n, correct, n: split.n, loss: lossSum };
  } finally {
    w.arena.release(mark);
  }
}
