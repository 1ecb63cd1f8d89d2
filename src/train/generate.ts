// Text from a trained language model: the next-token logits of a context computed by the same layer
// executor the trainers use (forward passes only, one sequence of T columns), fed to the seeded sampler
// (src/data/sample.ts). A context shorter than T is padded after its end: causal attention never lets a
// position see later ones, so the padding cannot change the logits read at the context's last position.
//
// Legend: T = the model's sequence length (plan.seqLen), V = vocabulary, c = context tokens (1 ≤ c ≤ T).
import { ValidationError, requireArray, requireObject } from '../errors.js';
import type { Plan } from '../model/plan.js';
import { packWire, type Params } from '../model/params.js';
import { createExecutor } from '../nn/executor.js';
import { sampleTokens, type SampleOptions } from '../data/sample.js';
import { Wasm } from '../wasm/module.js';

export interface GenerateOptions extends Omit<SampleOptions, 'contextLength'> {
  /** A Wasm instance to run on (default a new one). */
  wasm?: Wasm;
}

/** Generates opts.maxNewTokens tokens after `prompt` with the weights `params`; returns prompt + new tokens. */
export function generate(plan: Plan, params: Params, prompt: Int32Array, opts: GenerateOptions): Int32Array {
  requireObject('plan', plan);
  requireArray('params', params);
  requireObject('options', opts);
  if (plan.inputKind !== 'tokens') throw new ValidationError('--model', plan.spec.name ?? 'model', 'expected a language model (one that starts with an embedding) to sample from');
  const V = plan.classes;
  for (let i = 0; i < prompt.length; i++) {
    if (!(prompt[i] >= 0 && prompt[i] < V)) throw new ValidationError(`prompt[${i}]`, prompt[i], `expected a token id in [0, ${V})`);
  }
  const w = opts.wasm ?? new Wasm();
  const mark = w.arena.mark();
  try {
    const T = plan.seqLen;
    // forward only: each layer's forward wire block (sparse weights in the column layout)
    const wires = plan.layers.map((l) => w.allocF32(Math.max(1, l.fwdWireWords)));
    plan.layers.forEach((l, i) => packWire(plan, i, params[i], w.f32(wires[i], l.fwdWireWords), 'forward'));
    const ex = createExecutor(w, plan, 1);
    const logitsOf = (context: Int32Array): Float32Array => {
      ex.begin(1);
      const ids = w.i32(ex.inputPtr, T);
      ids.fill(0);
      ids.set(context);
      w.i32(ex.labelsPtr, T).fill(0);
      for (let l = 0; l < plan.layers.length; l++) ex.forwardLayer(l, wires[l]);
      const z = ex.logits(); // [V, T]
      const out = new Float32Array(V);
      for (let v = 0; v < V; v++) out[v] = z[v * T + context.length - 1];
      return out;
    };
    return sampleTokens(logitsOf, prompt, { ...opts, contextLength: T });
  } finally {
    w.arena.release(mark);
  }
}
