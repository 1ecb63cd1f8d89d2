// The at-scale estimate: how long a model trains on N CS-2 with MemoryX and SwarmX, dense or sparse,
// what bounds it, and what it needs (MemoryX bytes, wafer SRAM, SwarmX traffic). A pure function of
// (model, options, specs); every assumption it makes is returned in `assumptions`.
//
// Legend: N = systems, B = tokens per step (all systems), b = B / N tokens per system, m = micro-batches
// per step, t = b / m tokens per pass, s = weight sparsity, P = parameters, D = training tokens.
import { CapacityError, ValidationError, refuseUnknownFields, requireBool, requireInt, requireNumber, requireObject, requireOneOf, type EveryField } from '../errors.js';
import { bytesPerParam, waferFit, OPTIMIZERS, PRECISIONS, type BytesPerParam, type Optimizer, type Precision, type WaferFit } from './capacity.js';
import { constantEfficiency, type EfficiencyFn, type LayerShape } from './efficiency.js';
import { activeParams, type PerfModel } from './models.js';
import type { PerfLayer } from './layers.js';
import { stepTimeOfTable, type PipelineMode } from '../timeline/schedule.js';
import { layerStreamBytes, nonzeroParams, sparsityOf, unitCosts, ROW_HEADER_BYTES, type UnitCosts } from './layer-costs.js';
import { estimateAssumptions } from './assumptions.js';
import { cite, defaultSpecs, type Specs } from './specs.js';
import { swarmxTree, type SwarmxTree } from './swarmx.js';
import { computeSeconds, gradOutSeconds, hardwareRates, streamSeconds, updateSeconds, type Rates } from './rates.js';
import { PIPELINE_MODES } from '../timeline/schedule.js';
import type { Bound, Estimate, EstimateOptions, LayerRow, Recompute } from './types.js';
import { MAX_TOKENS, RECOMPUTE } from './types.js';
import { fmt, gb, tb } from './units.js';
import { scaleOut, scaledStep } from './scaleout.js';
import { bindingResource, boundResource } from './binding.js';
import { systemLabel } from './system.js';
import { checkSetPassesFit, passesReason, passesSet } from './passes.js';

export { layerStreamBytes, nonzeroParams, sparsityOf } from './layer-costs.js';
export { RECOMPUTE, type Bound, type Estimate, type EstimateOptions, type LayerRow, type Recompute } from './types.js';

interface Ctx {
  model: PerfModel;
  specs: Specs;
  sparsity: number;
  eff: EfficiencyFn;
  /** Bandwidths, peak and latencies from the specs (the shared conversion, src/perf/rates.ts). */
  rates: Rates;
  peak: number;
  bwOut: number;
  wb: number;
  gb: number;
  ib: number;
  updateBpp: number;
  tree: SwarmxTree;
}

/** Checks the options; errors name the option. */
/** Every field of EstimateOptions: any other is refused (a misspelt `tokens` for trainTokens would be ignored). */
const ESTIMATE_OPTION_FIELDS = [
  'systems', 'sparsity', 'trainTokens', 'batchTokens', 'efficiency', 'recompute', 'precision', 'optimizer', 'weightBytes', 'gradBytes',
  'sparseIndexBytes', 'pipeline', 'detail', 'passes', 'microBatchSeqs',
] as const satisfies ReadonlyArray<keyof EstimateOptions>;
const _everyOption: EveryField<EstimateOptions, typeof ESTIMATE_OPTION_FIELDS> = true;
void _everyOption;

function check(o: EstimateOptions) {
  if (o === null || typeof o !== 'object') throw new ValidationError('options', o, 'expected an object');
  refuseUnknownFields(o, ESTIMATE_OPTION_FIELDS, 'an estimate');
  requireInt('systems', o.systems, 1);
  if (o.sparsity !== undefined) requireNumber('sparsity', o.sparsity, 0, 1, true);
  if (o.trainTokens !== undefined) requireNumber('trainTokens', o.trainTokens, 1, MAX_TOKENS);
  if (o.batchTokens !== undefined) requireNumber('batchTokens', o.batchTokens, 1, MAX_TOKENS);
  if (o.detail !== undefined) requireBool('detail', o.detail); // YAML's "no" is a string: it turned the detail on
  if (typeof o.efficiency === 'number') {
    // one message for the one range taken: 0 is refused too (it said ">= 0, <= 1" for 2 and "(0, 1]" for 0)
    if (!(o.efficiency > 0 && o.efficiency <= 1)) throw new ValidationError('efficiency', o.efficiency, 'expected a number in (0, 1]');
  } else if (o.efficiency !== undefined && typeof o.efficiency !== 'function') throw new ValidationError('efficiency', o.efficiency, 'expected a number in (0, 1] or a function (shape, sparsity) => efficiency');
  if (o.recompute !== undefined) requireOneOf('recompute', o.recompute, RECOMPUTE);
  if (o.precision !== undefined) requireOneOf('precision', o.precision, PRECISIONS);
  if (o.optimizer !== undefined) requireOneOf('optimizer', o.optimizer, OPTIMIZERS);
  for (const k of ['weightBytes', 'gradBytes'] as const) if (o[k] !== undefined) requireNumber(k, o[k], 0.125, 16);
  if (o.sparseIndexBytes !== undefined) requireNumber('sparseIndexBytes', o.sparseIndexBytes, 0, 16);
  if (o.pipeline !== undefined) requireOneOf('pipeline', o.pipeline, PIPELINE_MODES);
  if (o.passes !== undefined) requireInt('passes', o.passes, 1);
  if (o.microBatchSeqs !== undefined) requireInt('microBatchSeqs', o.microBatchSeqs, 1);
}

/** Sparsity that applies to layer i. */
function layerSparsity(ctx: Ctx, i: number): number {
  return sparsityOf(ctx.model.layers[i], ctx.sparsity);
}

function streamBytes(ctx: Ctx, i: number, s: number, pass: 'forward' | 'backward' = 'backward'): number {
  return layerStreamBytes(ctx.model.layers[i], s, ctx.wb, ctx.ib, pass);
}

/** The streamed units' costs for `tokens` per pass (THE scheduler's input, src/perf/layer-costs.ts). */
function costs(ctx: Ctx, tokens: number, recompute: boolean, cached: boolean): UnitCosts {
  return unitCosts({ model: ctx.model, sparsity: ctx.sparsity, tokens, wb: ctx.wb, gb: ctx.gb, ib: ctx.ib, bpp: ctx.updateBpp, rates: ctx.rates, eff: ctx.eff, recompute, cached });
}

/** Busy seconds of one micro-batch per resource (updates: per step), from the units' costs. */
function busyPerPass(u: UnitCosts, cached: boolean) {
  let stream = 0, compute = 0, grad = 0, update = 0;
  const t = u.sec; // per unit: streamFwd, forward, streamBwd, delta, gradient, gradOut, reduce, update
  for (let i = 0; i < u.count; i++) {
    const o = 8 * i;
    const again = u.recomputeGroups !== undefined && u.recomputeGroups[i] >= 0;
    stream += t[o] * (again ? 2 : 1) + (again && cached ? 0 : t[o + 2]);
    compute += t[o + 1] * (again ? 2 : 1) + t[o + 3] + t[o + 4];
    grad += t[o + 5];
    update += t[o + 7];
  }
  return { stream, compute, grad, update };
}

/** What the wafer holds: tokens per CS-2 with and without recomputation (and with a block cached); refuses what cannot fit. */
function waferPlan(ctx: Ctx, T: number, want: Recompute) {
  const cs2 = ctx.specs.cs2;
  const capacity = cs2.v.waferSramGB * 1e9 * cs2.v.activationSramFraction;
  const fit = waferFit(ctx.model.layers, capacity, cs2.v.activationCheckpointsOffWafer);
  const fitsNone = fit.tokensNoRecompute >= T;
  const fitsFull = fit.tokensRecompute >= T;
  if (!fitsFull && !fitsNone) {
    throw new CapacityError(
      `wafer SRAM: one sequence of ${T} tokens needs ${gb(fit.bytesPerTokenRecompute * T)} of activations even with full recomputation, ` +
        `one ${systemLabel(cs2)} holds ${gb(capacity)} (${fmt((fit.bytesPerTokenRecompute * T) / capacity)}x too much): use shorter sequences (<= ${fit.tokensRecompute} tokens) or a smaller model`,
    );
  }
  if (want === 'none' && !fitsNone) throw new CapacityError(`wafer SRAM: without recomputation one sequence of ${T} tokens needs ${gb(fit.bytesPerTokenNoRecompute * T)}, one ${systemLabel(cs2)} holds ${gb(capacity)}: use recompute 'full' or 'auto'`);
  if (want === 'full' && !fitsFull) throw new CapacityError(`wafer SRAM: with full recomputation one sequence of ${T} tokens needs ${gb(fit.bytesPerTokenRecompute * T)}, one ${systemLabel(cs2)} holds ${gb(capacity)}: use recompute 'none' or 'auto'`);
  // 'cached': the largest recomputed group's weights sit on the wafer beside the activations.
  const cacheBytes = want === 'cached' ? largestGroupWeightBytes(ctx) : 0;
  const tokensCached = Math.max(0, Math.floor((capacity - cacheBytes) / fit.bytesPerTokenRecompute));
  if (want === 'cached' && tokensCached < T) throw new CapacityError(`wafer SRAM: with one block's weights cached (${gb(cacheBytes)}) one sequence of ${T} tokens (${gb(fit.bytesPerTokenRecompute * T)}) does not fit in ${gb(capacity)}: use recompute 'full'`);
  return { capacity, fit, fitsNone, fitsFull, cacheBytes, tokensCached };
}

/** Per-step totals from the layer list (one loop, no allocation): FLOP per token, bytes per pass, MemoryX state. */
function totals(ctx: Ctx, rec: boolean, cached: boolean, bpp: number) {
  const L = ctx.model.layers;
  let useful = 0;
  let dense = 0;
  let recomputeFlop = 0;
  let bytesPass = 0;
  let bytesPerPass = 0;
  let gradBytes = 0;
  let nzParams = 0;
  let stored = 0;
  let updateSecondsTotal = 0;
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
    const sbF = streamBytes(ctx, i, s, 'forward');
    const sb = streamBytes(ctx, i, s, 'backward');
    bytesPass += l.streamFwd ? sbF : 0;
    bytesPerPass += (l.streamFwd ? sbF : 0) * (again ? 2 : 1) + (l.streamBwd && !(again && cached) ? sb : 0);
    if (l.gradOut) gradBytes += (l.matWeights * (1 - s) + l.vecWeights) * ctx.gb;
    const nz = nonzeroParams(l, s);
    nzParams += nz;
    const index = s > 0 && l.params >= l.matWeights ? l.matWeights * (1 - s) * ctx.ib : 0;
    // MemoryX keeps a layer sparse (its non-zeros' state and their index) only where that is smaller than
    // dense: at 1 % sparsity the index (2 B a non-zero) costs more than the zeros' state saves, as the stream's
    // layout choice (streamBytes) weighs it
    stored += Math.min(nz * bpp + index, l.params * bpp);
    updateSecondsTotal += updateSeconds(ctx.rates, nz * bpp);
  }
  return { useful, dense, recomputeFlop, bytesPass, bytesPerPass, gradBytes, nzParams, stored, updateSecondsTotal };
}

type Mode = 'none' | 'full' | 'cached';

/**
 * The step's plan: recomputation mode and passes per step (set by the options, or the fewest whose
 * activations fit the wafer: src/perf/passes.ts), each candidate timed by the scheduler; with
 * recompute 'auto' the faster of no recomputation and full recomputation where both fit.
 * b = tokens per system per step, T = tokens per sequence.
 */
function choosePlan(ctx: Ctx, options: EstimateOptions, b: number, T: number) {
  const { cs2, memoryx } = ctx.specs;
  const precision = options.precision ?? 'mixed';
  const optimizer = options.optimizer ?? 'adam';
  const want = options.recompute ?? 'auto';
  const { capacity, fit, fitsNone, fitsFull, cacheBytes, tokensCached } = waferPlan(ctx, T, want);
  // The optimizer state touched per update depends on whether micro-batches accumulate: decide m first.
  const pipeline: PipelineMode = options.pipeline ?? 'full';
  const halfDuplex = !cs2.v.ioFullDuplex;
  // Passes per step: set by the options, or the fewest whose activations fit (src/perf/passes.ts).
  const setM = passesSet(options, b, T, systemLabel(cs2));
  const via: 'passes' | 'microBatchSeqs' | undefined = options.passes !== undefined ? 'passes' : options.microBatchSeqs !== undefined ? 'microBatchSeqs' : undefined;
  const tokensFitOf = (mode: Mode) => (mode === 'none' ? fit.tokensNoRecompute : mode === 'full' ? fit.tokensRecompute : tokensCached);
  const fitsAt = (mode: Mode) => setM === undefined || b / setM <= tokensFitOf(mode) + 1e-9;
  const plan = (mode: Mode) => {
    const m = setM ?? Math.ceil(b / tokensFitOf(mode) - 1e-9);
    const bpp = bytesPerParam(memoryx, precision, optimizer, m > 1);
    ctx.updateBpp = bpp.total;
    const units = costs(ctx, b / m, mode !== 'none', mode === 'cached');
    const t = stepTimeOfTable(units.sec, units.count, pipeline, { halfDuplex, microBatches: m, recomputeGroups: units.recomputeGroups, cacheRecomputed: mode === 'cached' });
    return { mode, rec: mode !== 'none', m, bpp, units, tail: t.updateTailSeconds, step: t.stepSeconds };
  };
  const first: Mode = want === 'auto' ? (fitsNone && fitsAt('none') ? 'none' : 'full') : want;
  if (setM !== undefined) checkSetPassesFit(setM, b, tokensFitOf(first), first, via ?? 'passes', systemLabel(cs2));
  let chosen = plan(first);
  if (want === 'auto' && first === 'none' && fitsFull) {
    const other = plan('full');
    if (other.step < chosen.step) chosen = other;
  }
  return { chosen, setM, via, tokensFitOf, fit, capacity, cacheBytes, tokensCached, pipeline };
}

/** The run's tokens: B per step, D in all (the options', else the model's), T per sequence; B in [T, D]. */
function runTokens(model: PerfModel, options: EstimateOptions): { B: number; D: number; T: number } {
  const B = options.batchTokens ?? model.batchTokens;
  const D = options.trainTokens ?? model.trainTokens;
  if (B === undefined) throw new ValidationError('batchTokens', undefined, `expected a batch size in tokens: model "${model.name}" does not give one (pass --batch-tokens)`);
  if (D === undefined) throw new ValidationError('trainTokens', undefined, `expected a training token count: model "${model.name}" does not give one (pass --tokens)`);
  const T = model.contextTokens;
  if (B < T) throw new ValidationError('batchTokens', B, `expected at least one sequence (${T} tokens)`);
  if (B > D) throw new ValidationError('batchTokens', B, `expected at most the training tokens ${D} (a run of at least one step)`);
  return { B, D, T };
}

/** The estimate's context: the efficiency hook, the hardware's rates, the SwarmX tree, the bytes a weight, gradient and index take. */
function estimateContext(model: PerfModel, options: EstimateOptions, specs: Specs): Ctx {
  const { cs2, swarmx } = specs;
  const N = options.systems;
  const effOpt = options.efficiency;
  const eff: EfficiencyFn =
    typeof effOpt === 'function' ? effOpt : constantEfficiency(effOpt ?? cs2.v.computeEfficiency, effOpt === undefined ? `constant ${cs2.v.computeEfficiency} of peak on the non-zero work (${systemLabel(cs2)} spec computeEfficiency: ${cite(cs2, 'computeEfficiency')})` : undefined);
  const rates = hardwareRates(specs, N);
  const fp32 = (options.precision ?? 'mixed') === 'fp32';
  return {
    model, specs, sparsity: options.sparsity ?? 0, eff, rates, peak: rates.peakFlopPerSecond, bwOut: rates.gradBytesPerSecond,
    wb: options.weightBytes ?? (fp32 ? 4 : 2), gb: options.gradBytes ?? (fp32 ? 4 : 2), ib: options.sparseIndexBytes ?? 2, updateBpp: 0,
    tree: swarmxTree(N, swarmx.v.fanIn, swarmx.v.hopLatencyUs),
  };
}

/** Each resource's busy share of the step (m passes of per-pass busy times mb), and the one that binds (the largest). */
function busyShares(m: number, mb: { compute: number; stream: number; grad: number; update: number }, step: number): { busy: Record<Bound, number>; bound: Bound } {
  const busy: Record<Bound, number> = { compute: (m * mb.compute) / step, stream: (m * mb.stream) / step, reduce: (m * mb.grad) / step, update: mb.update / step };
  let bound: Bound = 'compute';
  for (const k of ['stream', 'reduce', 'update'] as const) if (busy[k] > busy[bound]) bound = k;
  return { busy, bound };
}

/** Estimate for a model on N CS-2 (+ MemoryX + SwarmX). */
export function estimate(model: PerfModel, options: EstimateOptions, specs: Specs = defaultSpecs()): Estimate {
  requireObject('model', model); // not a TypeError reading its batchTokens
  check(options);
  const { cs2, memoryx, swarmx } = specs;
  const N = options.systems;
  const S = options.sparsity ?? 0;
  const { B, D, T } = runTokens(model, options);
  const assumptions: string[] = [];
  const A = (s: string) => assumptions.push(s);
  const ctx = estimateContext(model, options, specs);
  const { eff, rates, tree } = ctx;
  const linkGBps = rates.linkGBps;
  const precision = options.precision ?? 'mixed';

  // Tokens per system; with fewer sequences than systems the extra systems idle.
  let b = B / N;
  if (b < T) {
    A(`only ${fmt(B / T)} sequences per step for ${N} systems: each busy system takes one sequence (${T} tokens), the rest idle`);
    b = T;
  }
  const { chosen, setM, via, tokensFitOf, fit, capacity, cacheBytes, tokensCached, pipeline } = choosePlan(ctx, options, b, T);
  const { mode, rec, m, bpp, units, tail } = chosen;
  // the step waits for the slowest of the systems that work: with fewer sequences than systems, the idle ones wait for nothing
  const busySystems = Math.min(N, Math.ceil(B / T - 1e-9));
  const so = scaleOut(specs, busySystems, tree);
  const step = scaledStep(chosen.step, so);
  ctx.updateBpp = bpp.total;
  const mb = busyPerPass(units, mode === 'cached');

  const { useful, dense, recomputeFlop, bytesPass, bytesPerPass, gradBytes, nzParams, stored, updateSecondsTotal } = totals(ctx, rec, mode === 'cached', bpp.total);
  const bytesStep = bytesPerPass * m;
  const P = model.params;
  const steps = D / B;
  const trainSeconds = steps * step;
  const peakAll = N * ctx.peak;
  const { busy, bound } = busyShares(m, mb, step);
  const memoryxBytes = stored;
  const memoryxCapacityBytes = memoryx.v.maxCapacityTB * 1e12;
  const price = cs2.v.pricePerSystemHourUSD;

  assumptions.push(
    ...estimateAssumptions({
      specs, pipeline, model, eff, S, N, B, D, b, m, steps, mode, cacheBytes, capacity, linkGBps, tree, bpp, precision,
      wb: ctx.wb, gb: ctx.gb, ib: ctx.ib, rowHeaderBytes: ROW_HEADER_BYTES, memoryxBytes, memoryxCapacityBytes, lanes: rates.lanes,
    }),
  );

  A(`scale-out: ${busySystems} ${busySystems < N ? `busy systems (of ${N})` : 'systems'} wait each step for the slowest (jitter ${swarmx.v.stepJitterFraction} of a step x sqrt(2 ln N) = x${fmt(so.jitterFactor)}: ${cite(swarmx, 'stepJitterFraction')}) and ${fmt(so.barrierSeconds * 1e3)} ms of host barriers (${swarmx.v.hostStepOverheadMs} ms x depth ${tree.depth}: ${cite(swarmx, 'hostStepOverheadMs')})`);
  const system = systemLabel(cs2);
  const result: Estimate = {
    kind: 'cs2',
    system,
    systemName: cs2.name,
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
    passesSource: setM === undefined ? 'model' : 'set',
    passesReason: passesReason(setM !== undefined, via, m, b, tokensFitOf(mode), systemLabel(cs2)),
    microBatchTokens: b / m,
    balanceTokensPerPass: mb.compute > 0 ? mb.stream / (mb.compute / (b / m)) : Infinity,
    recompute: rec,
    recomputeMode: mode,
    trainFlop: 6 * activeParams(model) * D, // a mixture of experts: the parameters a token computes with
    modelFlop: dense * D,
    executedFlop: (useful + recomputeFlop) * D,
    steps,
    stepSeconds: step,
    trainSeconds,
    trainDays: trainSeconds / 86400,
    tokensPerSecond: B / step,
    samplesPerSecond: B / T / step,
    seqLen: T,
    batchSeqs: B / T,
    boundResource: boundResource(bound, rates),
    attentionFlop: attentionFlopPerToken(model) * D,
    ...(model.ignoredFields ? { ignoredFields: model.ignoredFields } : {}),
    utilization: (useful * B) / (step * peakAll),
    denseEquivalentUtilization: (dense * B) / (step * peakAll),
    bound,
    binding: bindingResource(bound, rates, system, swarmx.v.portGbps),
    boundShares: busy,
    scaleOut: { jitterFactor: so.jitterFactor, barrierSeconds: so.barrierSeconds, unscaledStepSeconds: chosen.step },
    layerBounds: units.bounds,
    stream: { GBps: linkGBps, bytesPerPass: bytesPass, bytesPerStep: bytesStep },
    swarmx: { ...tree, reduceBytesPerStep: m * gradBytes },
    update: { bytesPerStep: nzParams * bpp.total, seconds: updateSecondsTotal, exposedSeconds: tail },
    memoryxBytes,
    memoryxBytesPerParam: bpp.total,
    memoryxCapacityBytes,
    memoryxFits: memoryxBytes <= memoryxCapacityBytes,
    memoryxFitsSmallest: memoryxBytes <= memoryx.v.minCapacityTB * 1e12,
    memoryxSmallestCapacityBytes: memoryx.v.minCapacityTB * 1e12,
    waferBytesPerSystem: (b / m) * (rec ? fit.bytesPerTokenRecompute : fit.bytesPerTokenNoRecompute) + cacheBytes,
    waferCapacityBytes: capacity,
    waferTokensFit: { noRecompute: fit.tokensNoRecompute, recompute: fit.tokensRecompute, recomputeCached: mode === 'cached' ? tokensCached : Math.max(0, Math.floor((capacity - largestGroupWeightBytes(ctx)) / fit.bytesPerTokenRecompute)) },
    energyKWh: N * cs2.v.systemPowerKW * (trainSeconds / 3600),
    costUSD: price === null ? null : N * price * (trainSeconds / 3600),
    assumptions,
  };
  if (options.detail) result.layers = layerRows(ctx, b / m, mode === 'cached');
  return result;
}

/** One row per model layer (not per unit): its bytes, seconds and bound for `tokens` per pass. */
function layerRows(ctx: Ctx, tokens: number, cache: boolean): LayerRow[] {
  return ctx.model.layers.map((l, i) => {
    const s = layerSparsity(ctx, i);
    const scale = l.flopScalesWithWeights ? 1 - s : 1;
    const flopF = l.fwdFlop * scale * tokens;
    const flopB = (l.deltaFlop + l.gradFlop) * scale * tokens;
    const e = flopF > 0 || flopB > 0 ? ctx.eff({ kind: l.kind, in: l.in, out: l.out, tokens }, s) : 1;
    const bytes = streamBytes(ctx, i, s, 'backward');
    const bytesF = streamBytes(ctx, i, s, 'forward');
    const S = streamSeconds(ctx.rates, bytes);
    const F = flopF > 0 ? computeSeconds(ctx.rates, flopF, e) : 0;
    const Bw = flopB > 0 ? computeSeconds(ctx.rates, flopB, e) : 0;
    const gradBytes = l.gradOut ? (l.matWeights * (1 - s) + l.vecWeights) * ctx.gb : 0;
    const G = gradOutSeconds(ctx.rates, gradBytes);
    return {
      name: l.name, kind: l.kind, params: l.params, flopPerToken: flopF / tokens + flopB / tokens, sparsity: s, streamBytes: bytes, gradBytes,
      streamSeconds: S, streamFwdBytes: bytesF, streamFwdSeconds: streamSeconds(ctx.rates, bytesF), forwardSeconds: F, backwardSeconds: Bw, gradSeconds: G, updateSeconds: updateSeconds(ctx.rates, nonzeroParams(l, s) * ctx.updateBpp),
      bound: (G > S && G > Bw ? 'reduce' : S * 2 > F + Bw ? 'stream' : 'compute') as Bound,
    };
  });
}

/** Dense attention FLOP per token (forward and backward), 0 for a model without attention. */
function attentionFlopPerToken(model: PerfModel): number {
  let f = 0;
  for (const l of model.layers) if (l.kind === 'attention') f += l.fwdFlop + l.deltaFlop + l.gradFlop;
  return f;
}

/** Bytes of the largest recompute group's streamed weights (at this estimate's sparsity): a group is a block with a checkpoint. */
function largestGroupWeightBytes(ctx: Ctx): number {
  const L = ctx.model.layers;
  let max = 0;
  for (let a = 0; a < L.length; ) {
    let b = a;
    let sum = 0;
    let checkpoint = false;
    for (; b < L.length && L[b].block === L[a].block; b++) {
      if (L[b].checkpointBytes > 0) checkpoint = true;
      if (L[b].streamBwd) sum += streamBytes(ctx, b, layerSparsity(ctx, b));
    }
    if (checkpoint && sum > max) max = sum;
    a = b;
  }
  return max;
}

/** The wafer fit of a model (tokens per CS-2 with and without recomputation). */
export function waferFitOf(model: PerfModel, specs: Specs = defaultSpecs()): WaferFit {
  return waferFit(model.layers, specs.cs2.v.waferSramGB * 1e9 * specs.cs2.v.activationSramFraction, specs.cs2.v.activationCheckpointsOffWafer);
}

export type { BytesPerParam };
export { fmt } from './units.js';

