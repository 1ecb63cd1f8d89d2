// The estimate's options and result, as types (the arithmetic is in estimate.ts).
import type { Optimizer, Precision } from './capacity.js';
import type { EfficiencyFn } from './efficiency.js';
import type { SwarmxTree } from './swarmx.js';
import type { PipelineMode } from '../timeline/schedule.js';

export type Recompute = 'auto' | 'none' | 'full' | 'cached';
export const RECOMPUTE: readonly Recompute[] = ['auto', 'none', 'full', 'cached'];
export type Bound = 'compute' | 'stream' | 'reduce' | 'update';

export interface EstimateOptions {
  /** CS-2 systems (data parallel), >= 1. */
  systems: number;
  /** Unstructured sparsity of the sparsifiable weights (the transformer blocks' linears), in [0, 1). Default 0. */
  sparsity?: number;
  /** Training tokens (default: the model's). */
  trainTokens?: number;
  /** Tokens per optimizer step over all systems (default: the model's). */
  batchTokens?: number;
  /** Compute efficiency: a number in (0, 1] or a function of (layer shape, sparsity). Default: the CS-2 spec's computeEfficiency. */
  efficiency?: number | EfficiencyFn;
  /**
   * Activation recomputation: 'auto' (the faster of none / full that fits), 'none', 'full' (each block's
   * forward redone before its backward, its weights streamed a third time), 'cached' (like full, but the
   * block's weights stay on the wafer from the recomputed forward to its backward: two weight passes, less
   * SRAM for activations — a what-if beyond the article's "weights never stay on the wafer"). Default 'auto'.
   */
  recompute?: Recompute;
  /** MemoryX state: 'mixed' (FP16 + FP32 master) or 'fp32'. Default 'mixed'. */
  precision?: Precision;
  /** Optimizer whose state MemoryX keeps. Default 'adam'. */
  optimizer?: Optimizer;
  /** Bytes per streamed weight value / gradient value / sparse index. Defaults 2 / 2 / 2 (4 / 4 / 2 with precision 'fp32'). */
  weightBytes?: number;
  gradBytes?: number;
  sparseIndexBytes?: number;
  /**
   * The step's pipeline (src/timeline/schedule.ts, the engine's modes): 'none' (serial), 'coarse' (streams one
   * layer ahead, gradients out during the backward, updates after it), 'full' (coarse + each layer's update as
   * soon as its gradient is reduced). Default 'full'.
   */
  pipeline?: PipelineMode;
  /** Include one row per layer (a larger result; off for sweeps). */
  detail?: boolean;
  /** Passes (micro-batches) per step on one system, set; default: the fewest whose activations fit the wafer. */
  passes?: number;
  /** Sequences per pass on one system (passes = ceil(sequences per system / this)); not with passes. */
  microBatchSeqs?: number;
}

export interface LayerRow {
  name: string;
  kind: string;
  /** Parameters the layer owns. */
  params: number;
  /** FLOP per token it executes (forward + backward, non-zeros only, no recomputation). */
  flopPerToken: number;
  sparsity: number;
  /** Bytes and seconds of one backward pass's stream (a sparse weight in the row layout: a count per input). */
  streamBytes: number;
  gradBytes: number;
  streamSeconds: number;
  /** The same for the forward pass (a sparse weight in the column layout: a count per output). */
  streamFwdBytes: number;
  streamFwdSeconds: number;
  forwardSeconds: number;
  backwardSeconds: number;
  gradSeconds: number;
  /** MemoryX update seconds of the layer's non-zero parameters. */
  updateSeconds: number;
  bound: Bound;
}

export interface Estimate {
  kind: 'cs2';
  /** The system modelled, short ('CS-2', 'CS-3') and as the spec names it. */
  system: string;
  systemName: string;
  model: string;
  title: string;
  systems: number;
  sparsity: number;
  params: number;
  /** Non-zero parameters (= params when dense). */
  paramsNonzero: number;
  trainTokens: number;
  batchTokens: number;
  tokensPerSystem: number;
  microBatches: number;
  /** Whether the passes per step were set by the options or chosen by the model, and why. */
  passesSource: 'model' | 'set';
  passesReason: string;
  microBatchTokens: number;
  /** Tokens per pass at which compute time equals weight-stream time (below: stream-bound); the FACTS.md balance. */
  balanceTokensPerPass: number;
  recompute: boolean;
  recomputeMode: 'none' | 'full' | 'cached';
  /** 6 · P · D, the GPT-3 Table D.1 convention (dense, attention ignored). */
  trainFlop: number;
  /** Dense model FLOP including attention (what a dense machine does, no recomputation). */
  modelFlop: number;
  /** FLOP the CS-2s execute: non-zeros only, including recomputation. */
  executedFlop: number;
  steps: number;
  stepSeconds: number;
  trainSeconds: number;
  trainDays: number;
  tokensPerSecond: number;
  /** Sequences per second (all systems). */
  samplesPerSecond: number;
  /** Tokens per sequence of this run, and sequences per step. */
  seqLen: number;
  batchSeqs: number;
  /** The binding resource by name: wafer-compute, cs2-io, memoryx, swarmx-link or memoryx-update (`bound` is its kind). */
  boundResource: string;
  /** Dense attention FLOP of the whole run (0 without attention). */
  attentionFlop: number;
  /** Hugging Face config fields read and ignored (they change neither time nor capacity). */
  ignoredFields?: string[];
  /** Useful FLOP (non-zeros, no recomputation) per second / (N × peak). */
  utilization: number;
  /** Dense model FLOP per second / (N × peak): above 1 means sparsity beat dense peak. */
  denseEquivalentUtilization: number;
  bound: Bound;
  /** The binding resource by name: which unit or link (src/perf/binding.ts). */
  binding: string;
  /** Scale-out costs in the step (src/perf/scaleout.ts): straggler factor, host barriers, the step without them. */
  scaleOut: { jitterFactor: number; barrierSeconds: number; unscaledStepSeconds: number };
  /** Busy seconds per step of each resource, divided by the step time. */
  boundShares: Record<Bound, number>;
  /** Layers bound by each resource (forward includes recomputed forwards). */
  layerBounds: { forward: { compute: number; stream: number }; backward: { compute: number; stream: number; reduce: number } };
  /** Weights in: bandwidth (GB/s) and bytes per pass and per step on one system. */
  stream: { GBps: number; bytesPerPass: number; bytesPerStep: number };
  swarmx: SwarmxTree & { reduceBytesPerStep: number };
  update: { bytesPerStep: number; seconds: number; exposedSeconds: number };
  memoryxBytes: number;
  memoryxBytesPerParam: number;
  memoryxCapacityBytes: number;
  memoryxFits: boolean;
  /** Fits the smallest MemoryX configuration (minCapacityTB: 4 TB for the CS-2's, 1.5 TB for the CS-3's); larger ones add flash capacity. */
  memoryxFitsSmallest: boolean;
  /** The smallest MemoryX configuration's capacity (the spec's minCapacityTB). */
  memoryxSmallestCapacityBytes: number;
  waferBytesPerSystem: number;
  waferCapacityBytes: number;
  waferTokensFit: { noRecompute: number; recompute: number; recomputeCached: number };
  energyKWh: number;
  costUSD: number | null;
  assumptions: string[];
  layers?: LayerRow[];
}

/**
 * Largest token count the at-scale model takes (training tokens, tokens per step): 1e16, about 700x the
 * 15 T tokens of Llama 3's pre-training; past it a figure is a typo, and its "fraction of a step" outputs
 * would read as results.
 */
export const MAX_TOKENS = 1e16;
