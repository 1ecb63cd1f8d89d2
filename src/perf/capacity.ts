// Capacity of the two memories the article talks about: MemoryX (bytes per parameter by precision and
// optimizer, for dense and sparse layers) and the wafer's SRAM (how many tokens' activations one CS-2
// holds, with and without recomputation). Pure arithmetic on the layer list and the specs.
import type { PerfLayer } from './layers.js';
import type { MemoryxSpec } from './specs.js';

export type Precision = 'mixed' | 'fp32';
export type Optimizer = 'adam' | 'momentum' | 'sgd';
export const PRECISIONS: readonly Precision[] = ['mixed', 'fp32'];
export const OPTIMIZERS: readonly Optimizer[] = ['adam', 'momentum', 'sgd'];

export interface BytesPerParam {
  total: number;
  /** The parts, for the assumption line. */
  parts: Record<string, number>;
}

/**
 * MemoryX bytes per (non-zero) parameter.
 * mixed: FP16 weights (2) + FP16 gradients (2) + FP32 master (4) + optimizer state (Adam 8, momentum 4,
 *        SGD 0) [+ FP32 gradient accumulator (4) when gradients of several micro-batches are summed].
 *        Mixed Adam = 16 B (ZeRO); with the accumulator 20 B = the article's 2.4 PB / 120 T.
 * fp32:  weights (4) + gradients (4, also the accumulator) + optimizer state.
 */
export function bytesPerParam(mx: MemoryxSpec, precision: Precision, optimizer: Optimizer, accumulate: boolean): BytesPerParam {
  const v = mx.v;
  const state = optimizer === 'adam' ? v.adamStateBytesPerParam : optimizer === 'momentum' ? v.momentumStateBytesPerParam : 0;
  const parts: Record<string, number> =
    precision === 'mixed'
      ? { fp16Weights: v.halfBytesPerParam, fp16Grads: v.halfBytesPerParam, fp32Master: v.masterBytesPerParam, optimizerState: state, ...(accumulate ? { fp32GradAccum: v.gradAccumBytesPerParam } : {}) }
      : { fp32Weights: v.masterBytesPerParam, fp32Grads: v.masterBytesPerParam, optimizerState: state };
  let total = 0;
  for (const k in parts) total += parts[k];
  return { total, parts };
}

/** Optimizer-state bytes MemoryX reads and writes per parameter in one update (everything but the gradient accumulator's reset). */
export function updateBytesPerParam(bpp: BytesPerParam): number {
  return bpp.total;
}

export interface WaferFit {
  /** Bytes per token kept on the wafer without recomputation: every layer's saved activations. */
  bytesPerTokenNoRecompute: number;
  /** With full recomputation: every group's input (checkpoint) + the largest group's activations. */
  bytesPerTokenRecompute: number;
  /** Tokens of activations one CS-2 holds (capacity / bytes per token), each way. */
  tokensNoRecompute: number;
  tokensRecompute: number;
  capacityBytes: number;
}

/**
 * How many tokens' activations fit in one wafer's SRAM (capacity = waferSramGB × activationSramFraction).
 * checkpointsOffWafer (the spec's activationCheckpointsOffWafer): with recomputation the wafer keeps only
 * the largest group's activations; the group inputs live off the wafer (the rule that matches the
 * compiler's one-pass LLaMA-7B 99 x 2048 step on one CS-2: specs/hardware/cs2.json).
 */
export function waferFit(layers: readonly PerfLayer[], capacityBytes: number, checkpointsOffWafer = false): WaferFit {
  let all = 0;
  let checkpoints = 0;
  let maxGroup = 0;
  let group = 0;
  let cur = -1;
  for (const l of layers) {
    all += l.actBytes;
    checkpoints += l.checkpointBytes;
    if (l.block !== cur) {
      if (group > maxGroup) maxGroup = group;
      group = 0;
      cur = l.block;
    }
    group += l.actBytes;
  }
  if (group > maxGroup) maxGroup = group;
  const rec = (checkpointsOffWafer ? 0 : checkpoints) + maxGroup;
  return {
    bytesPerTokenNoRecompute: all,
    bytesPerTokenRecompute: rec,
    tokensNoRecompute: all > 0 ? Math.floor(capacityBytes / all) : Infinity,
    tokensRecompute: rec > 0 ? Math.floor(capacityBytes / rec) : Infinity,
    capacityBytes,
  };
}
