// The layer executor: forward and backward of every op of a compiled plan on one Wasm instance, layer by
// streamed layer, over activation buffers in that instance's memory (memory.ts). Both trainers use it:
// the in-memory reference trainer (src/train/reference.ts) and each CS-2 worker of the engine, so one
// system computes exactly what the reference computes.
//
// Legend: S = samples of this system (≤ capacity), T = columns per sample (the tokens of a sequence for a
// GPT, else 1), B = S·T columns, S_global = samples of the step over all systems, F = width, K = in, N = out
// features, C = classes (a GPT: the vocabulary V), H = heads. Activations feature-major [F, B]; W [K, N].
// Weights come in as a layer's WIRE block and gradients go out as its GRADIENT block (model/plan.ts):
//   linear dense   fwd Yt = Wᵀ·Xt (gemm tn) + bias;  bwd dW = Xt·dYtᵀ (gemm nt), db = Σ_b dYt, dXt = W·dYt (gemm nn)
//   linear sparse  fwd spmm from the column layout (an output row accumulates over its column's non-zeros)
//                  + bias; bwd (row layout) g = stream-aligned grad at the non-zeros, db, dXt = spmm delta
//   relu, gelu     elementwise; layernorm over F per column; residual end y = f(x) + x
//   embedding      fwd out = wte[ids] + wpe[t] (gather); bwd dwte, dwpe = scatter-add of dY (rows of the batch's tokens)
//   attention      fwd per sequence and head P = causal softmax(QᵀK/√hd), out = V·Pᵀ (P kept for the backward); bwd dQ, dK, dV
//   lm_head (tied) fwd logits [V, B] = wte [V, C]·X (gemm nn); bwd dwte = dY·Xᵀ (gemm nt), dX = wteᵀ·dY (gemm tn)
// The loss (softmax cross-entropy over every column) is scaled by 1/(S_global·T) so that the gradients of the
// systems, summed, equal the single-system gradient of the mean loss over all tokens, and so do their losses.
import { CapacityError, ValidationError, requireInt } from '../errors.js';
import type { Plan, PlanOp } from '../model/plan.js';
import type { Wasm } from '../wasm/module.js';
import type { Kernels } from '../kernels/kernels.js';
import { createBackend, type NnBackend, type StreamRef } from './backend.js';
import { activationLayout, checkActivationBudget, type ActivationLayout } from './memory.js';

export interface ExecutorOptions {
  /** Bytes the activations may use (the CS-2's wafer-SRAM budget); exceeding it throws a CapacityError. */
  budgetBytes?: number;
}

type Phase = 'idle' | 'forward' | 'backward';

export class Executor {
  readonly plan: Plan;
  readonly backend: NnBackend;
  readonly w: Wasm;
  /** Most samples a step may hold on this executor. */
  readonly capacity: number;
  readonly layout: ActivationLayout;
  /** Byte offset of the activation region in the Wasm memory. */
  readonly base: number;
  /** Columns in the current step (samples · T, set by begin()). */
  private b = 0;
  /** Samples in the current step. */
  private samples = 0;
  /** Columns per sample (plan.seqLen). */
  private readonly T: number;
  private phase: Phase = 'idle';
  /** Next layer expected by forwardLayer / backwardLayer. */
  private next = 0;
  /** Pointer of the gradient of the current op's output during the backward pass. */
  private g = 0;
  private readonly firstWeightOp: number;
  private readonly named = new Map<string, number>();
  /** Per op: its output (a residual begin: its input), its input, LayerNorm stats, residual gradient. */
  private readonly outP: number[] = [];
  private readonly inP: number[] = [];
  private readonly statsP: number[] = [];
  private readonly resP: number[] = [];
  private readonly grad0: number;
  private readonly grad1: number;

  constructor(k: Kernels | Wasm, plan: Plan, capacity: number, opts: ExecutorOptions = {}) {
    requireInt('batch', capacity, 1);
    this.backend = createBackend(k);
    const w = this.backend.w;
    this.w = w;
    this.plan = plan;
    this.capacity = capacity;
    this.T = plan.seqLen;
    this.layout = opts.budgetBytes !== undefined ? checkActivationBudget(plan, capacity, opts.budgetBytes) : activationLayout(plan, capacity);
    this.base = w.arena.alloc(this.layout.bytes, 64);
    for (const buf of this.layout.buffers) this.named.set(buf.name, this.base + buf.offset);
    this.firstWeightOp = plan.layers[0].weightOp;
    let prev = this.ptr('input');
    for (const op of plan.ops) {
      this.inP.push(prev);
      const out = op.kind === 'residual_begin' ? prev : this.ptr(`out[${op.index}]`);
      this.outP.push(out);
      this.statsP.push(op.kind === 'layernorm' ? this.ptr(`ln[${op.index}]`) : 0);
      this.resP.push(op.kind === 'residual_begin' ? this.ptr(`res[${op.index}]`) : op.kind === 'attention' ? this.ptr(`att[${op.index}]`) : 0);
      prev = out;
    }
    this.grad0 = this.ptr('grad0');
    this.grad1 = this.ptr('grad1');
  }

  /** Byte offset of the input [D, B] buffer: write the step's batch here (feature-major, row stride B; a GPT: B token ids, i32). */
  get inputPtr(): number {
    return this.ptr('input');
  }
  /** Byte offset of the labels [B] (i32) buffer. */
  get labelsPtr(): number {
    return this.ptr('labels');
  }
  /** Samples in the current step. */
  get batch(): number {
    return this.samples;
  }
  /** Columns in the current step (samples · T): the length of the labels and of every activation row. */
  get columns(): number {
    return this.b;
  }

  /** Starts a step of `b` samples (≤ capacity); the input and labels must be written before forwardLayer(0). */
  begin(b: number): void {
    requireInt('batch', b, 1, this.capacity);
    this.samples = b;
    this.b = b * this.T;
    this.phase = 'forward';
    this.next = 0;
  }

  /** Copies a feature-major batch X [D, b] and its labels [b] into the executor, then begin(b). */
  setBatch(xt: Float32Array, labels: Int32Array, b = labels.length): void {
    if (this.T !== 1) throw new Error('executor: setBatch is for feature inputs; a token model writes ids at inputPtr and targets at labelsPtr after begin()');
    if (b > this.capacity) throw new CapacityError(`executor: batch of ${b} samples exceeds its capacity of ${this.capacity}`);
    if (xt.length !== this.plan.input * b) throw new ValidationError('batch.x.length', xt.length, `expected D·B = ${this.plan.input}·${b}`);
    if (labels.length !== b) throw new ValidationError('batch.y.length', labels.length, `expected ${b}`);
    for (let i = 0; i < b; i++) {
      const y = labels[i];
      if (!Number.isInteger(y) || y < 0 || y >= this.plan.classes) throw new ValidationError(`batch.y[${i}]`, y, `expected a class in [0, ${this.plan.classes})`);
    }
    this.begin(b);
    this.w.f32(this.inputPtr, xt.length).set(xt);
    this.w.i32(this.labelsPtr, b).set(labels);
  }

  /**
   * Runs the forward ops of streamed layer `i` with its FORWARD wire block (packWire(..., 'forward'): sparse
   * weights in the column layout) at byte offset `wirePtr`. Layers go 0, 1, ...
   */
  forwardLayer(i: number, wirePtr: number): void {
    if (this.phase !== 'forward' || i !== this.next) throw new Error(`executor: forwardLayer(${i}) out of order (expected layer ${this.next} in the ${this.phase} phase)`);
    for (const j of this.plan.layers[i].ops) this.forwardOp(this.plan.ops[j], wirePtr);
    this.next++;
  }

  /**
   * After the last layer's forward: softmax cross-entropy of the logits against the labels (one per column),
   * scaled by 1/(globalBatch·T) (globalBatch = samples over all systems; default this step's). Returns this
   * system's share of the mean loss over all tokens and starts the backward pass.
   */
  loss(globalBatch = this.samples): number {
    if (this.phase !== 'forward' || this.next !== this.plan.layers.length) throw new Error('executor: loss() before the forward pass of every layer');
    requireInt('globalBatch', globalBatch, this.samples);
    const C = this.plan.classes;
    this.g = this.grad0;
    const l = this.backend.softmaxCrossEntropy(this.g, this.outPtr(this.plan.ops.length - 1), this.labelsPtr, C, this.b, 1 / (globalBatch * this.T));
    this.phase = 'backward';
    this.next = this.plan.layers.length - 1;
    return l;
  }

  /** Logits [C, b] of the last forward pass, as a view (copy it before the next call). */
  logits(): Float32Array {
    return this.w.f32(this.outPtr(this.plan.ops.length - 1), this.plan.classes * this.b);
  }

  /** Predicted class per column (argmax of the logits, first on ties). */
  predictions(): Int32Array {
    const C = this.plan.classes;
    const B = this.b;
    const z = this.logits();
    const out = new Int32Array(B);
    for (let b = 0; b < B; b++) {
      let best = 0;
      for (let c = 1; c < C; c++) if (z[c * B + b] > z[best * B + b]) best = c;
      out[b] = best;
    }
    return out;
  }

  /**
   * Runs the backward ops of streamed layer `i` (layers go L-1, ..., 0), reading its BACKWARD wire block
   * (packWire(..., 'backward'): sparse weights in the row layout) at `wirePtr` and OVERWRITING its gradient block (layer.paramFloats floats) at byte offset `gradPtr`.
   */
  backwardLayer(i: number, wirePtr: number, gradPtr: number): void {
    if (this.phase !== 'backward' || i !== this.next) throw new Error(`executor: backwardLayer(${i}) out of order (expected layer ${this.next} in the ${this.phase} phase)`);
    const ops = this.plan.layers[i].ops;
    for (let k = ops.length - 1; k >= 0; k--) {
      const op = this.plan.ops[ops[k]];
      if (op.index < this.firstWeightOp) break; // nothing before the first weights needs a gradient
      this.backwardOp(op, wirePtr, gradPtr);
    }
    this.next--;
    if (this.next < 0) this.phase = 'idle';
  }

  /** Byte offset of a named activation buffer (memory.ts names: 'input', 'out[3]', 'grad0', ...). */
  ptr(name: string): number {
    const p = this.named.get(name);
    if (p === undefined) throw new Error(`executor: no buffer ${name}`);
    return p;
  }

  // ---------------------------------------------------------------------------------------------------

  /** Output of op j (a residual begin's is its input). */
  private outPtr(j: number): number {
    return this.outP[j];
  }

  private inPtr(op: PlanOp): number {
    return this.inP[op.index];
  }

  /** A sparse weight's stream in the backward wire block (row layout) or, `forward`, the forward one (column layout). */
  private stream(op: PlanOp & { kind: 'linear' }, wirePtr: number, forward = false): StreamRef {
    const p = this.plan.params[op.weight];
    return { ptr: wirePtr + 4 * (forward ? p.fwdWireOffset : p.wireOffset), K: op.inWidth, N: op.outWidth, nnz: op.sparse!.nnz };
  }

  /** A parameter in the backward wire block. */
  private wire(wirePtr: number, param: number): number {
    return wirePtr + 4 * this.plan.params[param].wireOffset;
  }

  /** A parameter in the forward wire block. */
  private fwire(wirePtr: number, param: number): number {
    return wirePtr + 4 * this.plan.params[param].fwdWireOffset;
  }

  private gradOf(gradPtr: number, param: number): number {
    return gradPtr + 4 * this.plan.params[param].offset;
  }

  private forwardOp(op: PlanOp, wirePtr: number): void {
    const be = this.backend;
    const B = this.b;
    const x = this.inPtr(op);
    switch (op.kind) {
      case 'linear': {
        const y = this.outPtr(op.index);
        if (op.sparse) be.spmmForwardColumns(y, x, this.stream(op, wirePtr, true), B, false);
        else be.gemm('tn', y, this.fwire(wirePtr, op.weight), x, op.outWidth, B, op.inWidth, false);
        if (op.bias >= 0) be.biasAdd(y, this.fwire(wirePtr, op.bias), op.outWidth, B);
        return;
      }
      case 'relu':
        return be.reluForward(this.outPtr(op.index), x, op.outWidth * B);
      case 'gelu':
        return be.geluForward(this.outPtr(op.index), x, op.outWidth * B);
      case 'layernorm': {
        const stats = this.statsP[op.index];
        return be.layerNormForward(this.outPtr(op.index), stats, stats + 4 * B, x, this.fwire(wirePtr, op.gamma), this.fwire(wirePtr, op.beta), op.outWidth, B, op.eps);
      }
      case 'residual_begin':
        return;
      case 'residual_end':
        be.copy(this.outPtr(op.index), x, op.outWidth * B);
        return be.addTo(this.outPtr(op.index), this.inPtr(this.plan.ops[op.begin]), op.outWidth * B);
      case 'embedding':
        return be.embeddingForward(this.outPtr(op.index), x, this.fwire(wirePtr, op.wte), this.fwire(wirePtr, op.wpe), B, this.T, op.outWidth);
      case 'attention':
        return be.attentionForward(this.outPtr(op.index), this.resP[op.index], x, this.samples, this.T, op.outWidth, op.heads);
      case 'lm_head':
        return be.gemm('nn', this.outPtr(op.index), this.fwire(wirePtr, op.weight), x, op.outWidth, B, op.inWidth, false);
    }
  }

  /** Backward of one op: reads the gradient of its output at this.g, leaves the gradient of its input there. */
  private backwardOp(op: PlanOp, wirePtr: number, gradPtr: number): void {
    const be = this.backend;
    const B = this.b;
    const g = this.g;
    const other = g === this.grad0 ? this.grad1 : this.grad0;
    const x = this.inPtr(op);
    const n = op.inWidth * B;
    switch (op.kind) {
      case 'linear': {
        const K = op.inWidth;
        const N = op.outWidth;
        const needDx = op.index > this.firstWeightOp;
        if (op.sparse) {
          const s = this.stream(op, wirePtr);
          be.spmmGrad(this.gradOf(gradPtr, op.weight), x, g, s, B);
          if (op.bias >= 0) be.biasGrad(this.gradOf(gradPtr, op.bias), g, N, B);
          if (needDx) be.spmmDelta(other, g, s, B);
        } else {
          const W = this.wire(wirePtr, op.weight);
          be.gemm('nt', this.gradOf(gradPtr, op.weight), x, g, K, N, B, false);
          if (op.bias >= 0) be.biasGrad(this.gradOf(gradPtr, op.bias), g, N, B);
          if (needDx) be.gemm('nn', other, W, g, K, B, N, false);
        }
        this.g = other;
        return;
      }
      case 'relu':
        be.reluBackward(other, g, x, n);
        this.g = other;
        return;
      case 'gelu':
        be.geluBackward(other, g, x, n);
        this.g = other;
        return;
      case 'layernorm': {
        const stats = this.statsP[op.index];
        be.layerNormBackward(other, this.gradOf(gradPtr, op.gamma), this.gradOf(gradPtr, op.beta), g, x, stats, stats + 4 * B, this.wire(wirePtr, op.gamma), op.outWidth, B);
        this.g = other;
        return;
      }
      case 'residual_end':
        // y = f(x) + x: the gradient goes on into f unchanged and is kept for the skip path
        be.copy(this.resP[op.begin], g, n);
        return;
      case 'residual_begin':
        // the skip path joins: dx = (gradient through f) + (gradient kept at the end)
        be.addTo(g, this.resP[op.index], n);
        return;
      case 'embedding': {
        // scatter-add into zeroed tables: only the rows of this batch's tokens (and its positions) are non-zero
        const V = op.vocab;
        const C = op.outWidth;
        this.w.f32(this.gradOf(gradPtr, op.wte), V * C).fill(0);
        this.w.f32(this.gradOf(gradPtr, op.wpe), op.positions * C).fill(0);
        be.embeddingBackward(this.gradOf(gradPtr, op.wte), this.gradOf(gradPtr, op.wpe), g, x, B, this.T, C);
        return;
      }
      case 'attention':
        be.attentionBackward(other, g, x, this.resP[op.index], this.ptr('attScratch'), this.samples, this.T, op.outWidth, op.heads);
        this.g = other;
        return;
      case 'lm_head': {
        const V = op.outWidth;
        const C = op.inWidth;
        const W = this.wire(wirePtr, op.weight);
        be.gemm('nt', this.gradOf(gradPtr, op.weight), g, x, V, C, B, false);
        be.gemm('tn', other, W, g, C, B, V, false);
        this.g = other;
        return;
      }
    }
  }
}

/** An executor for `plan` on a Kernels facade (or a bare Wasm instance) holding at most `capacity` samples a step. */
export function createExecutor(k: Kernels | Wasm, plan: Plan, capacity: number, opts: ExecutorOptions = {}): Executor {
  return new Executor(k, plan, capacity, opts);
}
