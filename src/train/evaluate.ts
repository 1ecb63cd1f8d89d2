// Accuracy (and mean loss) of a model's weights on a data split: forward passes only, in chunks, on the
// same layer executor the trainers use.
//
// Legend: D = features, C = classes, b = samples of a chunk, T = columns per sample (tokens of a sequence).
// A token model is scored per token: accuracy = next tokens predicted / (n·T), loss = mean over all tokens.
import { requireArray, requireObject } from '../errors.js';
import { fillSamples, type AnySplit } from '../data/fill.js';
import type { Plan } from '../model/plan.js';
import { packWire, type Params } from '../model/params.js';
import { createExecutor } from '../nn/executor.js';
import { Wasm } from '../wasm/module.js';

export interface Evaluation {
  /** Fraction of columns (samples, or tokens) whose argmax logit is the label. */
  accuracy: number;
  correct: number;
  /** Columns scored (samples · T). */
  n: number;
  /** Mean softmax cross-entropy over the split. */
  loss: number;
}

/** Evaluates `params` on `split` (chunks of `chunk` samples, default 256) on instance `w` (a new one if omitted). */
export function evaluate(plan: Plan, params: Params, split: AnySplit, opts: { chunk?: number; wasm?: Wasm } = {}): Evaluation {
  requireObject('plan', plan);
  requireArray('params', params);
  requireObject('split', split);
  const w = opts.wasm ?? new Wasm();
  const mark = w.arena.mark();
  try {
    const chunk = Math.max(1, Math.min(opts.chunk ?? 256, split.n));
    // forward only: each layer's forward wire block (sparse weights in the column layout)
    const wires = plan.layers.map((l) => w.allocF32(Math.max(1, l.fwdWireWords)));
    plan.layers.forEach((l, i) => packWire(plan, i, params[i], w.f32(wires[i], l.fwdWireWords), 'forward'));
    const ex = createExecutor(w, plan, chunk);
    let correct = 0;
    let lossSum = 0;
    const idx = new Int32Array(chunk);
    for (let from = 0; from < split.n; from += chunk) {
      const b = Math.min(chunk, split.n - from);
      for (let j = 0; j < b; j++) idx[j] = from + j;
      ex.begin(b);
      fillSamples(plan, split, idx.subarray(0, b), w.memory.buffer, ex.inputPtr, ex.labelsPtr);
      for (let l = 0; l < plan.layers.length; l++) ex.forwardLayer(l, wires[l]);
      const pred = ex.predictions();
      const y = w.i32(ex.labelsPtr, ex.columns);
      for (let j = 0; j < ex.columns; j++) if (pred[j] === y[j]) correct++;
      lossSum += ex.loss(split.n); // mean over the whole split, accumulated chunk by chunk
    }
    const n = split.n * plan.seqLen;
    return { accuracy: correct / n, correct, n, loss: lossSum };
  } finally {
    w.arena.release(mark);
  }
}
