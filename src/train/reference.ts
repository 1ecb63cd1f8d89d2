// The plain in-memory reference trainer: the whole model in one process and one Wasm instance, no
// streaming, no threads. It runs the same layer executor (src/nn) and the same optimizer update
// (src/memoryx/update.ts) as the weight-streaming engine, in the same order, so the engine on one
// system reproduces it bit for bit and on N systems to a named tolerance.
//
// One step t (1-based for the optimizer): take batch t's samples (data/batches.ts), forward every
// streamed layer (a sparse layer's wire block = its weight stream, packed from the master values), loss
// = mean softmax cross-entropy over the batch, backward layer L-1 .. 0, and right after each layer's
// backward apply the optimizer to that layer's master block (as MemoryX does). A tied layer (the tied LM
// head) is not updated on its own: its gradient is added to its source's (the embedding's wte) right before
// that layer's update, with the same function MemoryX uses.
// Memory (one Wasm arena): per layer a master block, a gradient block, a wire block (dense layers use the
// master block as their wire block: same layout) and 0-2 optimizer state blocks; plus the activations.
import { BatchOrder } from '../data/batches.js';
import { checkDataForPlan, fillSamples, isTokenData, type TrainData } from '../data/fill.js';
import { ValidationError, refuseUnknownFields, requireBool, requireCallback, requireInt, requireObject, type EveryField } from '../errors.js';
import { compileModel } from '../model/compile.js';
import type { Plan, StreamedLayer } from '../model/plan.js';
import { initParams, packWire, type Params } from '../model/params.js';
import type { ModelSpec } from '../model/types.js';
import { resolveOptimizer, stateArrays, type OptimizerConfig, type ResolvedOptimizer } from '../memoryx/optimizer.js';
import { createUpdater } from '../memoryx/update.js';
import { addTiedGradient } from '../memoryx/store.js';
import { createExecutor } from '../nn/executor.js';
import { Wasm } from '../wasm/module.js';
import { evaluate, type Evaluation } from './evaluate.js';

export interface ReferenceOptions {
  steps: number;
  /** Global batch B (samples per step). */
  batch: number;
  optimizer: OptimizerConfig;
  /** Seed of the initial weights (PyTorch default init) and of the shuffling. Default 0. */
  seed?: number;
  /** Shuffle the training samples per epoch (seeded). Default false: in order. */
  shuffle?: boolean;
  /** Initial weights (e.g. loaded from safetensors); default initParams(plan, seed). */
  init?: Params;
  /** Evaluate on the test split at the end (default true when the data has one). */
  evaluate?: boolean;
  /** Called after every step with the step index (0-based) and its loss. */
  onStep?: (step: number, loss: number) => void;
  /** The Wasm instance to run on (default a new one). */
  wasm?: Wasm;
}

export interface ReferenceResult {
  plan: Plan;
  /** Mean training loss of each step (before that step's update). */
  loss: number[];
  finalLoss: number;
  /** Master blocks after the last step (copies). */
  params: Params;
  test: Evaluation | null;
  testAccuracy: number | null;
  steps: number;
  wallSeconds: number;
}

/** Every field of ReferenceOptions: any other is refused. */
const REFERENCE_OPTION_FIELDS = ['steps', 'batch', 'optimizer', 'seed', 'shuffle', 'init', 'evaluate', 'onStep', 'wasm'] as const satisfies ReadonlyArray<keyof ReferenceOptions>;
const _everyOption: EveryField<ReferenceOptions, typeof REFERENCE_OPTION_FIELDS> = true;
void _everyOption;

/** Trains `model` (a description or a compiled plan) on `data` in memory; see the file comment. */
export function trainReference(model: ModelSpec | Plan, data: TrainData, opts: ReferenceOptions): ReferenceResult {
  requireObject('model', model);
  requireObject('data', data);
  refuseUnknownFields(requireObject('options', opts), REFERENCE_OPTION_FIELDS, 'a reference run'); // a misspelt `stpes` trained the default
  for (const k of ['shuffle', 'evaluate'] as const) if (opts[k] !== undefined) requireBool(k, opts[k]);
  requireCallback('onStep', opts.onStep);
  const plan = 'ops' in model ? model : compileModel(model);
  const steps = requireInt('steps', opts.steps, 0);
  const B = requireInt('batch', opts.batch, 1);
  if (!isTokenData(data)) {
    if (plan.input !== data.features) throw new ValidationError('model.input', plan.input, `expected the data's ${data.features} features`);
    if (plan.classes !== data.classes) throw new ValidationError('model output width', plan.classes, `expected the data's ${data.classes} classes`);
  }
  checkDataForPlan(plan, data);
  const opt = resolveOptimizer(opts.optimizer);
  const seed = requireInt('seed', opts.seed ?? 0, 0, 0xffffffff);
  const w = opts.wasm ?? new Wasm();
  const start = performance.now();

  const init = opts.init ?? initParams(plan, seed);
  const state = allocateState(w, plan, init, opt);
  const ex = createExecutor(w, plan, B);
  const updater = createUpdater(w);
  const order = new BatchOrder(data.train.n, B, { shuffle: opts.shuffle, seed });
  const idx = new Int32Array(B);
  const losses: number[] = [];
  const L = plan.layers.length;
  // per layer, the tied layers whose gradients join its own before its update (the tied LM head → the embedding)
  // (one pass over the layers: a filter per layer would read L² layers, and set-up must stay linear in L)
  const tiedInto = plan.layers.map((): StreamedLayer[] => []);
  for (const tl of plan.layers) if (tl.tiedTo) tiedInto[tl.tiedTo.layer].push(tl);

  for (let t = 0; t < steps; t++) {
    order.indices(t, idx);
    ex.begin(B);
    fillSamples(plan, data.train, idx, w.memory.buffer, ex.inputPtr, ex.labelsPtr);
    for (let l = 0; l < L; l++) {
      const layer = plan.layers[l];
      if (state.wire[l] !== state.master[l] && !layer.tiedTo) {
        const master = w.f32(state.master[l], layer.paramFloats);
        packWire(plan, l, master, w.f32(state.fwdWire[l], layer.fwdWireWords), 'forward');
        packWire(plan, l, master, w.f32(state.wire[l], layer.wireWords), 'backward');
      }
      ex.forwardLayer(l, state.fwdWire[l]);
    }
    const loss = ex.loss(B);
    for (let l = L - 1; l >= 0; l--) {
      ex.backwardLayer(l, state.wire[l], state.grad[l]);
      const layer = plan.layers[l];
      if (layer.tiedTo) continue; // applied with its source's update
      for (const tl of tiedInto[l]) addTiedGradient(w, state.grad[l] + 4 * tl.tiedTo!.offset, state.grad[tl.index], tl.paramFloats);
      updater.update(opt, t + 1, state.master[l], state.grad[l], state.s1[l], state.s2[l], layer.paramFloats);
    }
    losses.push(loss);
    opts.onStep?.(t, loss);
  }

  const params = plan.layers.map((l, i) => w.f32(state.master[i], l.paramFloats).slice()); // a tied layer's "master" is its view of the source
  const wallSeconds = (performance.now() - start) / 1000;
  const test = (opts.evaluate ?? true) && data.test ? evaluate(plan, params, data.test, { wasm: w }) : null;
  return { plan, loss: losses, finalLoss: losses.length ? losses[losses.length - 1] : NaN, params, test, testAccuracy: test ? test.accuracy : null, steps, wallSeconds };
}

interface TrainState {
  master: number[];
  grad: number[];
  /** Backward and forward wire blocks (the master itself for a layer without a sparse weight: the same in both). */
  wire: number[];
  fwdWire: number[];
  s1: number[];
  s2: number[];
}

/** Per layer: master (initialised), gradient, wire (= master for layers without a sparse weight), optimizer state (zeros). */
function allocateState(w: Wasm, plan: Plan, init: Params, opt: ResolvedOptimizer): TrainState {
  const S = stateArrays(opt);
  const st: TrainState = { master: [], grad: [], wire: [], fwdWire: [], s1: [], s2: [] };
  plan.layers.forEach((l, i) => {
    if (init[i].length !== l.paramFloats) throw new ValidationError(`init[${i}].length`, init[i].length, `expected layer ${i}'s ${l.paramFloats} floats`);
    const n = Math.max(1, l.paramFloats);
    if (l.tiedTo) {
      // no copy of its own: its master and wire block are the source layer's segment (the embedding's wte)
      const view = st.master[l.tiedTo.layer] + 4 * l.tiedTo.offset;
      st.master.push(view);
      st.grad.push(w.allocF32(n));
      st.wire.push(view);
      st.fwdWire.push(view);
      st.s1.push(0);
      st.s2.push(0);
      return;
    }
    st.master.push(w.allocF32(n, init[i]));
    st.grad.push(w.allocF32(n));
    const sparse = l.params.some((p) => plan.params[p].sparse);
    st.wire.push(sparse ? w.allocF32(l.wireWords) : st.master[i]);
    st.fwdWire.push(sparse ? w.allocF32(l.fwdWireWords) : st.master[i]);
    st.s1.push(S >= 1 ? zeros(w, n) : 0);
    st.s2.push(S >= 2 ? zeros(w, n) : 0);
  });
  return st;
}

function zeros(w: Wasm, n: number): number {
  const p = w.allocF32(n);
  w.f32(p, n).fill(0);
  return p;
}
