// The at-scale estimate: how long a model trains on N CS-2 with MemoryX and SwarmX, dense or sparse,
// what bounds it, and what it needs (MemoryX bytes, wafer SRAM, SwarmX traffic). A pure function of
// (model, options, specs); every assumption it makes is returned in `assumptions`.
//
// Legend: N = systems, B = tokens per step (all systems), b = B / N tokens per system, m = micro-batches
// per step, t = b / m tokens per pass, s = weight sparsity, P = parameters, D = training tokens.
import { CapacityError, ValidationError, requireInt, requireNumber, requireOneOf } from '../errors.js';
import { bytesPerParam, waferFit, OPTIMIZERS, PRECISIONS, type BytesPerParam, type Optimizer, type Precision, type WaferFit } from './capacity.js';
import { constantEfficiency, type EfficiencyFn, type LayerShape } from './efficiency.js';
import type { PerfModel } from './models.js';
import { groups, runSchedule, type LayerTimes, type ScheduleResult } from './schedule.js';
import { cite, defaultSpecs, type Specs } from './specs.js';
import { swarmxTree, type SwarmxTree } from './swarmx.js';

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
  /** Include one row per layer (a larger result; off for sweeps). */
  detail?: boolean;
}

export interface LayerRow {
  name: string;
  kind: string;
  sparsity: number;
  streamBytes: number;
  gradBytes: number;
  streamSeconds: number;
  forwardSeconds: number;
  backwardSeconds: number;
  gradSeconds: number;
  bound: Bound;
}

export interface Estimate {
  kind: 'cs2';
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
  microBatchTokens: number;
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
  /** Useful FLOP (non-zeros, no recomputation) per second / (N × peak). */
  utilization: number;
  /** Dense model FLOP per second / (N × peak): above 1 means sparsity beat dense peak. */
  denseEquivalentUtilization: number;
  bound: Bound;
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
  /** Fits the smallest MemoryX configuration (minCapacityTB, 4 TB); larger ones add flash capacity. */
  memoryxFitsSmallest: boolean;
  waferBytesPerSystem: number;
  waferCapacityBytes: number;
  waferTokensFit: { noRecompute: number; recompute: number; recomputeCached: number };
  energyKWh: number;
  costUSD: number | null;
  assumptions: string[];
  layers?: LayerRow[];
}

interface Ctx {
  model: PerfModel;
  specs: Specs;
  sparsity: number;
  eff: EfficiencyFn;
  peak: number;
  bwIn: number;
  bwOut: number;
  wb: number;
  gb: number;
  ib: number;
  updateBpp: number;
  tree: SwarmxTree;
}

const ROW_HEADER_BYTES = 4; // a u32 count of non-zeros per input row (the weight-stream format)

/** Checks the options; errors name the option. */
function check(o: EstimateOptions, specs: Specs) {
  if (o === null || typeof o !== 'object') throw new ValidationError('options', o, 'expected an object');
  requireInt('systems', o.systems, 1);
  if (o.sparsity !== undefined) requireNumber('sparsity', o.sparsity, 0, 1, true);
  if (o.trainTokens !== undefined) requireNumber('trainTokens', o.trainTokens, 1);
  if (o.batchTokens !== undefined) requireNumber('batchTokens', o.batchTokens, 1);
  if (typeof o.efficiency === 'number') {
    requireNumber('efficiency', o.efficiency, 0, 1);
    if (o.efficiency <= 0) throw new ValidationError('efficiency', o.efficiency, 'expected a number in (0, 1]');
  } else if (o.efficiency !== undefined && typeof o.efficiency !== 'function') throw new ValidationError('efficiency', o.efficiency, 'expected a number in (0, 1] or a function (shape, sparsity) => efficiency');
  if (o.recompute !== undefined) requireOneOf('recompute', o.recompute, RECOMPUTE);
  if (o.precision !== undefined) requireOneOf('precision', o.precision, PRECISIONS);
  if (o.optimizer !== undefined) requireOneOf('optimizer', o.optimizer, OPTIMIZERS);
  for (const k of ['weightBytes', 'gradBytes'] as const) if (o[k] !== undefined) requireNumber(k, o[k], 0.125, 16);
  if (o.sparseIndexBytes !== undefined) requireNumber('sparseIndexBytes', o.sparseIndexBytes, 0, 16);
  void specs;
}

/** Sparsity that applies to layer i. */
function layerSparsity(ctx: Ctx, i: number): number {
  const l = ctx.model.layers[i];
  return l.fixedSparsity >= 0 ? l.fixedSparsity : l.sparsifiable ? ctx.sparsity : 0;
}

function streamBytes(ctx: Ctx, i: number, s: number): number {
  const l = ctx.model.layers[i];
  let m = 0;
  if (l.matWeights > 0) {
    const dense = l.matWeights * ctx.wb;
    m = s > 0 ? Math.min(dense, l.matWeights * (1 - s) * (ctx.wb + ctx.ib) + l.in * ROW_HEADER_BYTES) : dense;
  }
  return m + l.vecWeights * ctx.wb;
}

function nonzeroParams(l: PerfModel['layers'][number], s: number): number {
  return l.params >= l.matWeights ? l.params - l.matWeights * s : l.params;
}

// Per-layer times, reused across estimates (no allocation per call); a nested estimate (an efficiency
// function that itself estimates) gets fresh arrays instead of clobbering the outer call's.
let scratch: LayerTimes | undefined;
let inUse = false;
function newTimes(n: number): LayerTimes {
  const mk = () => new Float64Array(n);
  return { stream: mk(), fwd: mk(), bwd: mk(), grad: mk(), update: mk() };
}

/** Fills the per-layer times for `tokens` per pass and runs the schedule. */
function schedule(ctx: Ctx, tokens: number, recompute: boolean, lastUpdate: boolean, cache = false): ScheduleResult {
  const layers = ctx.model.layers;
  const nested = inUse;
  if (!nested && (!scratch || scratch.stream.length < layers.length)) scratch = newTimes(layers.length);
  const t = nested ? newTimes(layers.length) : (scratch as LayerTimes);
  inUse = true;
  try {
    return fillAndRun(ctx, t, tokens, recompute, lastUpdate, cache);
  } finally {
    if (!nested) inUse = false;
  }
}

function fillAndRun(ctx: Ctx, t: LayerTimes, tokens: number, recompute: boolean, lastUpdate: boolean, cache = false): ScheduleResult {
  const layers = ctx.model.layers;
  for (let i = 0; i < layers.length; i++) {
    const l = layers[i];
    const s = layerSparsity(ctx, i);
    t.stream[i] = streamBytes(ctx, i, s) / ctx.bwIn;
    const scale = l.flopScalesWithWeights ? 1 - s : 1;
    const flopF = l.fwdFlop * scale * tokens;
    const flopB = (l.deltaFlop + l.gradFlop) * scale * tokens;
    if (flopF > 0 || flopB > 0) {
      const shape: LayerShape = { kind: l.kind, in: l.in, out: l.out, tokens };
      const e = ctx.eff(shape, s);
      if (!(e > 0 && e <= 1)) throw new ValidationError(`efficiency(${l.name})`, e, 'expected the efficiency function to return a number in (0, 1]');
      t.fwd[i] = flopF / (ctx.peak * e);
      t.bwd[i] = flopB / (ctx.peak * e);
    } else {
      t.fwd[i] = 0;
      t.bwd[i] = 0;
    }
    t.grad[i] = l.gradOut ? ((l.matWeights * (1 - s) + l.vecWeights) * ctx.gb) / ctx.bwOut : 0;
    t.update[i] = lastUpdate ? (nonzeroParams(l, s) * ctx.updateBpp) / (ctx.specs.memoryx.v.updateGBps * 1e9) : 0;
  }
  return runSchedule(layers, t, recompute, ctx.specs.cs2.v.ioFullDuplex, ctx.tree.latencySeconds, cache);
}

/** Estimate for a model on N CS-2 (+ MemoryX + SwarmX). */
export function estimate(model: PerfModel, options: EstimateOptions, specs: Specs = defaultSpecs()): Estimate {
  check(options, specs);
  const { cs2, memoryx, swarmx } = specs;
  const N = options.systems;
  const S = options.sparsity ?? 0;
  const B = options.batchTokens ?? model.batchTokens;
  const D = options.trainTokens ?? model.trainTokens;
  if (B === undefined) throw new ValidationError('batchTokens', undefined, `expected a batch size in tokens: model "${model.name}" does not give one (pass --batch-tokens)`);
  if (D === undefined) throw new ValidationError('trainTokens', undefined, `expected a training token count: model "${model.name}" does not give one (pass --tokens)`);
  const T = model.contextTokens;
  if (B < T) throw new ValidationError('batchTokens', B, `expected at least one sequence (${T} tokens)`);
  const assumptions: string[] = [];
  const A = (s: string) => assumptions.push(s);

  const effOpt = options.efficiency;
  const eff: EfficiencyFn =
    typeof effOpt === 'function' ? effOpt : constantEfficiency(effOpt ?? cs2.v.computeEfficiency, effOpt === undefined ? `constant ${cs2.v.computeEfficiency} of peak on the non-zero work (CS-2 spec computeEfficiency: ${cite(cs2, 'computeEfficiency')})` : undefined);
  const lanesGBps = (swarmx.v.portGbps / 8) * swarmx.v.portsPerSystem;
  const linkGBps = Math.min(cs2.v.ioGBps, memoryx.v.streamGBps, lanesGBps);
  const tree = swarmxTree(N, swarmx.v.fanIn, swarmx.v.hopLatencyUs);
  const precision = options.precision ?? 'mixed';
  const optimizer = options.optimizer ?? 'adam';
  const ctx: Ctx = {
    model, specs, sparsity: S, eff, peak: cs2.v.peakPFLOPs * 1e15, bwIn: linkGBps * 1e9, bwOut: linkGBps * 1e9,
    wb: options.weightBytes ?? (precision === 'fp32' ? 4 : 2), gb: options.gradBytes ?? (precision === 'fp32' ? 4 : 2), ib: options.sparseIndexBytes ?? 2, updateBpp: 0, tree,
  };

  // Tokens per system; with fewer sequences than systems the extra systems idle.
  let b = B / N;
  if (b < T) {
    A(`only ${fmt(B / T)} sequences per step for ${N} systems: each busy system takes one sequence (${T} tokens), the rest idle`);
    b = T;
  }
  const capacity = cs2.v.waferSramGB * 1e9 * cs2.v.activationSramFraction;
  const fit = waferFit(model.layers, capacity);
  const want = options.recompute ?? 'auto';
  const fitsNone = fit.tokensNoRecompute >= T;
  const fitsFull = fit.tokensRecompute >= T;
  if (!fitsFull && !fitsNone) {
    throw new CapacityError(
      `wafer SRAM: one sequence of ${T} tokens needs ${gb(fit.bytesPerTokenRecompute * T)} of activations even with full recomputation, ` +
        `one CS-2 holds ${gb(capacity)} (${fmt((fit.bytesPerTokenRecompute * T) / capacity)}x too much): use shorter sequences (<= ${fit.tokensRecompute} tokens) or a smaller model`,
    );
  }
  if (want === 'none' && !fitsNone) throw new CapacityError(`wafer SRAM: without recomputation one sequence of ${T} tokens needs ${gb(fit.bytesPerTokenNoRecompute * T)}, one CS-2 holds ${gb(capacity)}: use recompute 'full' or 'auto'`);
  if (want === 'full' && !fitsFull) throw new CapacityError(`wafer SRAM: with full recomputation one sequence of ${T} tokens needs ${gb(fit.bytesPerTokenRecompute * T)}, one CS-2 holds ${gb(capacity)}: use recompute 'none' or 'auto'`);
  // 'cached': the largest recomputed group's weights sit on the wafer beside the activations.
  const cacheBytes = want === 'cached' ? largestGroupWeightBytes(ctx) : 0;
  const tokensCached = Math.max(0, Math.floor((capacity - cacheBytes) / fit.bytesPerTokenRecompute));
  if (want === 'cached' && tokensCached < T) throw new CapacityError(`wafer SRAM: with one block's weights cached (${gb(cacheBytes)}) one sequence of ${T} tokens (${gb(fit.bytesPerTokenRecompute * T)}) does not fit in ${gb(capacity)}: use recompute 'full'`);

  // The optimizer state touched per update depends on whether micro-batches accumulate: decide m first.
  type Mode = 'none' | 'full' | 'cached';
  const plan = (mode: Mode) => {
    const tokensFit = mode === 'none' ? fit.tokensNoRecompute : mode === 'full' ? fit.tokensRecompute : tokensCached;
    const m = Math.ceil(b / tokensFit - 1e-9);
    const bpp = bytesPerParam(memoryx, precision, optimizer, m > 1);
    ctx.updateBpp = bpp.total;
    const mb = schedule(ctx, b / m, mode !== 'none', true, mode === 'cached');
    const step = m > 1 ? (m - 1) * mb.microBatchSeconds + mb.lastMicroBatchSeconds : mb.lastMicroBatchSeconds;
    return { mode, rec: mode !== 'none', m, bpp, mb, step };
  };
  let chosen = want === 'auto' ? plan(fitsNone ? 'none' : 'full') : plan(want);
  if (want === 'auto' && fitsNone && fitsFull) {
    const other = plan('full');
    if (other.step < chosen.step) chosen = other;
  }
  const { mode, rec, m, bpp, mb, step } = chosen;
  ctx.updateBpp = bpp.total;

  // Totals from the layer list (one loop, no allocation).
  const L = model.layers;
  let useful = 0;
  let dense = 0;
  let recomputeFlop = 0;
  let bytesPass = 0;
  let bytesStep = 0;
  let gradBytes = 0;
  let nzParams = 0;
  let sparseIndex = 0;
  let updateSeconds = 0;
  const recomputeGroups = rec ? new Set<number>() : undefined;
  if (recomputeGroups) for (const l of L) if (l.checkpointBytes > 0) recomputeGroups.add(l.block);
  for (let i = 0; i < L.length; i++) {
    const l = L[i];
    const s = layerSparsity(ctx, i);
    const scale = l.flopScalesWithWeights ? 1 - s : 1;
    useful += (l.fwdFlop + l.deltaFlop + l.gradFlop) * scale;
    dense += l.fwdFlop + l.deltaFlop + l.gradFlop;
    const again = recomputeGroups?.has(l.block) ?? false;
    if (again) recomputeFlop += l.fwdFlop * scale;
    const sb = streamBytes(ctx, i, s);
    bytesPass += l.streamFwd ? sb : 0;
    bytesStep += (l.streamFwd ? sb : 0) * (again ? 2 : 1) + (l.streamBwd && !(again && mode === 'cached') ? sb : 0);
    if (l.gradOut) gradBytes += (l.matWeights * (1 - s) + l.vecWeights) * ctx.gb;
    const nz = nonzeroParams(l, s);
    nzParams += nz;
    if (s > 0 && l.params >= l.matWeights) sparseIndex += l.matWeights * (1 - s) * ctx.ib;
    updateSeconds += (nz * bpp.total) / (memoryx.v.updateGBps * 1e9);
  }
  bytesStep *= m;
  const P = model.params;
  const steps = D / B;
  const trainSeconds = steps * step;
  const peakAll = N * ctx.peak;
  const busy: Record<Bound, number> = {
    compute: (m * mb.computeSeconds) / step,
    stream: (m * mb.streamSeconds) / step,
    reduce: (m * mb.gradSeconds) / step,
    update: mb.updateSeconds / step,
  };
  let bound: Bound = 'compute';
  for (const k of ['stream', 'reduce', 'update'] as const) if (busy[k] > busy[bound]) bound = k;
  const memoryxBytes = nzParams * bpp.total + sparseIndex;
  const memoryxCapacityBytes = memoryx.v.maxCapacityTB * 1e12;
  const price = cs2.v.pricePerSystemHourUSD;

  // Assumptions, each with its figure and source.
  A(`peak ${cs2.v.peakPFLOPs} PFLOP/s dense FP16 per CS-2 (${cite(cs2, 'peakPFLOPs')})`);
  A(`compute efficiency: ${eff.description ?? 'a user-supplied function of (layer shape, sparsity)'}`);
  if (S > 0) A(`sparsity ${S} (unstructured) on the transformer blocks' linear weights; embeddings, LM head and attention scores stay dense; compute, streamed bytes, gradients and MemoryX state scale with the non-zeros (dataflow triggers skip zeros, M8/M10)`);
  if (S > 0) A(`a sparse layer streams ${ctx.wb} B value + ${ctx.ib} B delta-coded column index per non-zero + ${ROW_HEADER_BYTES} B count per input row (or dense, whichever is smaller); gradients only at non-zeros, in stream order (no index)`);
  A(`weights stream at ${fmt(linkGBps)} GB/s per CS-2 = min(CS-2 I/O ${cs2.v.ioGBps} GB/s [${cite(cs2, 'ioGBps')}], MemoryX ${memoryx.v.streamGBps} GB/s [${cite(memoryx, 'streamGBps')}], SwarmX ${swarmx.v.portsPerSystem} x ${swarmx.v.portGbps} Gb/s lanes [${cite(swarmx, 'portsPerSystem')}]); SwarmX broadcasts, so MemoryX sends each weight once whatever N`);
  A(`streamed weights ${ctx.wb} B and gradients ${ctx.gb} B per value (${precision === 'fp32' ? 'FP32 training' : 'mixed precision: FP16'}), activations 2 B per value`);
  A(cs2.v.ioFullDuplex ? `gradients leave on the output side of the same links while weights arrive (full duplex: ${cite(cs2, 'ioFullDuplex')})` : 'gradients share the input link with the weights (half duplex)');
  A(`SwarmX: fan-in ${swarmx.v.fanIn}, depth ${tree.depth} for ${N} systems, reduce at line rate, ${swarmx.v.hopLatencyUs} us per hop (${cite(swarmx, 'hopLatencyUs')})`);
  A(`coarse pipeline: layer l+1's weights stream while layer l computes (one layer in flight); the wafer computes as the weights arrive`);
  A(`backward streams every layer's weights again, in reverse order (Cerebras docs); gradients are summed in SwarmX and applied in MemoryX`);
  A(`MemoryX update: ${bpp.total} B of state per parameter touched (${Object.entries(bpp.parts).map(([k, v]) => `${k} ${v}`).join(' + ')}) at ${memoryx.v.updateGBps} GB/s (${cite(memoryx, 'updateGBps')}); overlapped with the backward and the next forward, exposed only for the first layer at the iteration boundary`);
  A(`attention: ${model.gpt ? 'score FLOP per token and layer 2·T·d forward (causal, Kaplan et al. 2020) or 4·T·d (full), backward 2x forward; scores recomputed, never stored' : 'none (not a sequence model)'}`);
  A(`elementwise work (LayerNorm, GELU, softmax, residual adds, the embedding gather) costs no compute time`);
  A(`wafer SRAM for activations ${gb(capacity)} per CS-2 (${cs2.v.waferSramGB} GB x ${cs2.v.activationSramFraction}: ${cite(cs2, 'activationSramFraction')}); ${model.gpt ? 'per block and token 34·d bytes without recomputation (Korthikanti et al. 2022), 2·d (the block input) with full recomputation plus one block\'s 34·d' : 'each layer keeps its input (2 B per value)'}`);
  A(
    mode === 'full' ? `full activation recomputation: each block's forward is redone before its backward, streaming its weights a third time (weights are never kept on the wafer)`
    : mode === 'cached' ? `full activation recomputation with the block's weights kept on the wafer from its recomputed forward to its backward (${gb(cacheBytes)} of SRAM; two weight passes per micro-batch): a what-if beyond the article, whose weights never stay on the wafer`
    : 'no activation recomputation',
  );
  A(`micro-batching: ${m} micro-batch${m > 1 ? 'es' : ''} of ${fmt(b / m)} tokens per system per step; each streams all weights again (forward and backward) and sends its gradients; MemoryX sums them across micro-batches, assumed to keep pace with the gradient stream`);
  A(`data parallel: ${fmt(B)} tokens per step split evenly over ${N} systems (whole sequences not enforced); ${fmt(steps)} steps for ${fmt(D)} tokens`);
  A(`trainFlop = 6 · P · D (GPT-3 Table D.1 convention: dense, attention ignored); modelFlop adds attention and is what the time model executes (times the non-zero fraction, plus recomputation)`);
  A(`energy: ${cs2.v.systemPowerKW} kW per CS-2 including hosts, MemoryX and SwarmX (${cite(cs2, 'systemPowerKW')})`);
  if (price === null) A(`cost: no CS-2 price is published (${cite(cs2, 'pricePerSystemHourUSD')})`);
  if (N > swarmx.v.maxSystems) A(`${N} systems is beyond the published maximum of ${swarmx.v.maxSystems}`);
  if (memoryxBytes > memoryxCapacityBytes) A(`MemoryX: the model needs ${tb(memoryxBytes)}, more than the largest MemoryX (${memoryx.v.maxCapacityTB} TB)`);

  const result: Estimate = {
    kind: 'cs2',
    model: model.name,
    title: model.title,
    systems: N,
    sparsity: S,
    params: P,
    paramsNonzero: nzParams,
    trainTokens: D,
    batchTokens: B,
    tokensPerSystem: b,
    microBatches: m,
    microBatchTokens: b / m,
    recompute: rec,
    recomputeMode: mode,
    trainFlop: 6 * P * D,
    modelFlop: dense * D,
    executedFlop: (useful + recomputeFlop) * D,
    steps,
    stepSeconds: step,
    trainSeconds,
    trainDays: trainSeconds / 86400,
    tokensPerSecond: B / step,
    utilization: (useful * B) / (step * peakAll),
    denseEquivalentUtilization: (dense * B) / (step * peakAll),
    bound,
    boundShares: busy,
    layerBounds: { forward: mb.forward, backward: mb.backward },
    stream: { GBps: linkGBps, bytesPerPass: bytesPass, bytesPerStep: bytesStep },
    swarmx: { ...tree, reduceBytesPerStep: m * gradBytes },
    update: { bytesPerStep: nzParams * bpp.total, seconds: updateSeconds, exposedSeconds: mb.exposedSeconds },
    memoryxBytes,
    memoryxBytesPerParam: bpp.total,
    memoryxCapacityBytes,
    memoryxFits: memoryxBytes <= memoryxCapacityBytes,
    memoryxFitsSmallest: memoryxBytes <= memoryx.v.minCapacityTB * 1e12,
    waferBytesPerSystem: (b / m) * (rec ? fit.bytesPerTokenRecompute : fit.bytesPerTokenNoRecompute) + cacheBytes,
    waferCapacityBytes: capacity,
    waferTokensFit: { noRecompute: fit.tokensNoRecompute, recompute: fit.tokensRecompute, recomputeCached: mode === 'cached' ? tokensCached : Math.max(0, Math.floor((capacity - largestGroupWeightBytes(ctx)) / fit.bytesPerTokenRecompute)) },
    energyKWh: N * cs2.v.systemPowerKW * (trainSeconds / 3600),
    costUSD: price === null ? null : N * price * (trainSeconds / 3600),
    assumptions,
  };
  if (options.detail) result.layers = layerRows(ctx, b / m, rec, mode === 'cached');
  return result;
}

function layerRows(ctx: Ctx, tokens: number, rec: boolean, cache: boolean): LayerRow[] {
  const t = newTimes(ctx.model.layers.length);
  fillAndRun(ctx, t, tokens, rec, true, cache);
  return ctx.model.layers.map((l, i) => {
    const s = layerSparsity(ctx, i);
    const S = t.stream[i];
    const C = t.fwd[i] + t.bwd[i];
    const G = t.grad[i];
    return {
      name: l.name, kind: l.kind, sparsity: s, streamBytes: streamBytes(ctx, i, s), gradBytes: G * ctx.bwOut,
      streamSeconds: S, forwardSeconds: t.fwd[i], backwardSeconds: t.bwd[i], gradSeconds: G,
      bound: (G > S && G > t.bwd[i] ? 'reduce' : S * 2 > C ? 'stream' : 'compute') as Bound,
    };
  });
}

/** Bytes of the largest recompute group's streamed weights (at this estimate's sparsity). */
function largestGroupWeightBytes(ctx: Ctx): number {
  const L = ctx.model.layers;
  const g = groups(L);
  let max = 0;
  for (let k = 0; k < g.length; k += 2) {
    let sum = 0;
    let checkpoint = false;
    for (let i = g[k]; i < g[k + 1]; i++) {
      if (L[i].checkpointBytes > 0) checkpoint = true;
      if (L[i].streamBwd) sum += streamBytes(ctx, i, layerSparsity(ctx, i));
    }
    if (checkpoint && sum > max) max = sum;
  }
  return max;
}

/** The wafer fit of a model (tokens per CS-2 with and without recomputation). */
export function waferFitOf(model: PerfModel, specs: Specs = defaultSpecs()): WaferFit {
  return waferFit(model.layers, specs.cs2.v.waferSramGB * 1e9 * specs.cs2.v.activationSramFraction);
}

export type { BytesPerParam };

export function fmt(x: number): string {
  if (!Number.isFinite(x)) return String(x);
  const a = Math.abs(x);
  if (a !== 0 && (a >= 1e6 || a < 1e-3)) return x.toExponential(3).replace(/\.?0+e/, 'e');
  return Number(x.toPrecision(4)).toString();
}
function gb(bytes: number): string {
  return `${fmt(bytes / 1e9)} GB`;
}
function tb(bytes: number): string {
  return `${fmt(bytes / 1e12)} TB`;
}
