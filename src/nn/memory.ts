// Activation memory of the layer executor: which buffers a system keeps for `batch` samples of a plan,
// op by op, and their byte offsets in one region (one allocation per kind, llm.c style). The engine
// checks the total against a CS-2's wafer-SRAM budget before it runs anything.
//
// Legend: S = samples on this system, T = columns per sample (tokens of a sequence; 1 without an embedding),
// B = S·T columns, F = an op's output width, D = input width (1 token id for a GPT), C = classes, H = heads.
// Buffers (f32 unless said):
//   input        [D, B]     the batch, feature-major (a GPT: B token ids, i32)
//   att[j]       [S, H, T, T] attention probabilities of op j, kept for its backward (the scores never leave the wafer)
//   attScratch   [4T]       the attention backward's rows of dP (one per system; kernels/attention.ts)
//   out[j]       [F_j, B]   output of op j, kept for the backward pass (a residual begin aliases its input)
//   ln[j]        [2, B]     LayerNorm mean and rstd per sample
//   res[j]       [F_j, B]   gradient carried around a residual block during the backward pass
//   grad0, grad1 [maxF, B]  the backward pass's ping-pong gradient buffers (logit gradients start in grad0)
//   labels       [B] i32
import { CapacityError } from '../errors.js';
import type { Plan } from '../model/plan.js';
import { attentionScratchFloats } from '../kernels/attention.js';

export interface ActivationBuffer {
  name: string;
  /** The op it belongs to (-1: the executor's own). */
  op: number;
  floats: number;
  /** Byte offset within the region (16-byte aligned). */
  offset: number;
  bytes: number;
}

export interface ActivationLayout {
  /** Samples (S). */
  batch: number;
  /** Columns (B = S·T). */
  columns: number;
  buffers: ActivationBuffer[];
  /** Bytes of the whole region. */
  bytes: number;
  /** Bytes per sample (region bytes are batch · this, up to 16-byte alignment and the per-system scratch). */
  bytesPerSample: number;
  /** Per op: bytes it keeps (its output, LayerNorm stats, residual gradient). */
  perOp: number[];
}

/** The activation buffers of `batch` samples of `plan`. */
export function activationLayout(plan: Plan, batch: number): ActivationLayout {
  const T = plan.seqLen;
  const B = batch * T;
  const buffers: ActivationBuffer[] = [];
  let at = 0;
  const perOp = new Array<number>(plan.ops.length).fill(0);
  const add = (name: string, op: number, floats: number) => {
    const bytes = floats * 4;
    buffers.push({ name, op, floats, offset: at, bytes });
    at += Math.ceil(bytes / 16) * 16;
    if (op >= 0) perOp[op] += bytes;
  };
  add('input', -1, plan.input * B);
  for (const op of plan.ops) {
    if (op.kind !== 'residual_begin') add(`out[${op.index}]`, op.index, op.outWidth * B);
    if (op.kind === 'layernorm') add(`ln[${op.index}]`, op.index, 2 * B);
    if (op.kind === 'residual_begin') add(`res[${op.index}]`, op.index, op.outWidth * B);
    if (op.kind === 'attention') add(`att[${op.index}]`, op.index, batch * op.heads * T * T);
  }
  const attention = plan.ops.some((o) => o.kind === 'attention');
  add('grad0', -1, plan.maxWidth * B);
  add('grad1', -1, plan.maxWidth * B);
  add('labels', -1, B);
  let perSample = 0;
  for (const b of buffers) perSample += b.bytes / batch;
  if (attention) add('attScratch', -1, attentionScratchFloats(T));
  return { batch, columns: B, buffers, bytes: at, bytesPerSample: perSample, perOp };
}


/** Throws a CapacityError when `batch` samples of `plan` do not fit in `budgetBytes`, saying by how much and what to change. */
export function checkActivationBudget(plan: Plan, batch: number, budgetBytes: number, who = 'CS-2 wafer SRAM'): ActivationLayout {
  const layout = activationLayout(plan, batch);
  if (layout.bytes > budgetBytes) {
    const fit = largestFit(plan, batch - 1, budgetBytes);
    const att = layout.buffers.filter((b) => b.name.startsWith('att[')).reduce((s, b) => s + b.bytes, 0);
    const unit = plan.seqLen > 1 ? 'sequences' : 'samples';
    let hint = fit >= 1 ? `use at most ${fit} ${unit} per system (more systems or a smaller batch)` : `not even one ${unit.slice(0, -1)} fits: use a smaller model (narrower layers)`;
    if (att > 0) hint += `; the attention scores (S·H·T·T, T = ${plan.seqLen}) take ${att} bytes of it: a shorter sequence length cuts them quadratically`;
    throw new CapacityError(
      `${who}: the activations of ${batch} ${unit} need ${layout.bytes} bytes (${layout.bytesPerSample} per sample), ` +
        `the budget is ${budgetBytes} bytes: over by ${layout.bytes - budgetBytes} bytes; ${hint}`,
    );
  }
  return layout;
}

/** The most samples in [0, hi] whose activations fit `budgetBytes` (binary search: alignment and scratch make it not quite linear). */
function largestFit(plan: Plan, hi: number, budgetBytes: number): number {
  let lo = 0;
  while (lo < hi) {
    const mid = Math.ceil((lo + hi) / 2);
    if (activationLayout(plan, mid).bytes <= budgetBytes) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}
