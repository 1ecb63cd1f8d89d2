// The article's claims (mission M4, M6, M7, M11) checked with the at-scale model: one row per claim with
// what the article says, what the model says, the assumptions behind it, and a verdict — holds /
// holds only if … / does not hold. Every number comes from estimate()/estimateGpu() on the presets.
import { refuseUnknownFields, requireInt, requireNumber, requireObject } from '../errors.js';
import { bytesPerParam } from './capacity.js';
import { estimate, fmt, waferFitOf, type Estimate, type EstimateOptions } from './estimate.js';
import { estimateGpu } from './gpu.js';
import { preset, type PerfModel } from './models.js';
import { defaultSpecs, type Specs } from './specs.js';
import { systemLabel } from './system.js';

export type Verdict = 'holds' | 'holds only if' | 'does not hold';

export interface ClaimRow {
  id: string;
  mission: 'M4' | 'M6' | 'M7' | 'M11';
  claim: string;
  /** What the model says, in one or two sentences. */
  model: string;
  verdict: Verdict;
  /** For 'holds only if': the condition; for the others: why. */
  condition: string;
  /** The numbers behind the row. */
  figures: Record<string, number | string | boolean | null>;
  assumptions: string[];
}

export interface ScalingPoint {
  systems: number;
  trainDays: number;
  speedup: number;
  efficiency: number;
  bound: string;
  microBatches: number;
  tokensPerSystem: number;
}

export interface Claims {
  rows: ClaimRow[];
  /** GPT-3 175B, dense, 1..192 systems: the efficiency curve (T1 / (N · TN)). */
  scaling: ScalingPoint[];
  /** Assumptions shared by every CS-2 row (those of the 192-system GPT-3 estimate). */
  assumptions: string[];
}

export interface ClaimsOptions {
  /** "A long weekend", in days. Default 3 (Friday evening to Monday evening). */
  longWeekendDays?: number;
  /** Systems of "the largest cluster". Default: SwarmX's maxSystems (192). */
  systems?: number;
}

export const SCALING_SYSTEMS = [1, 2, 4, 8, 16, 32, 64, 96, 128, 160, 192];

/** Smallest sparsity (to 1e-4) with trainDays <= target, or null when even 0.9999 is not enough. */
export function sparsityFor(model: PerfModel, target: number, opts: Omit<EstimateOptions, 'sparsity'>, specs: Specs): number | null {
  const days = (s: number) => estimate(model, { ...opts, sparsity: s }, specs).trainDays;
  if (days(0) <= target) return 0;
  let hi = 0.9999;
  if (days(hi) > target) return null;
  let lo = 0;
  while (hi - lo > 1e-4) {
    const mid = (lo + hi) / 2;
    if (days(mid) <= target) hi = mid;
    else lo = mid;
  }
  return hi;
}

const pct = (x: number) => `${fmt(100 * x)} %`;
const near = (a: number, b: number, tol: number) => Math.abs(a / b - 1) <= tol;

function lambdaRow(specs: Specs): ClaimRow {
  const m = preset('gpt3-175b');
  const v = estimateGpu(m, { gpu: 'v100', devices: 1 }, specs);
  const h = specs.gpus.h200 ? estimateGpu(m, { gpu: 'h200', devices: 1 }, specs) : null;
  const ok = near(v.deviceYears, 355, 0.01) && v.costUSD !== null && near(v.costUSD, 4.6e6, 0.01);
  return {
    id: 'M7-lambda', mission: 'M7',
    claim: "Lambda's estimate: GPT-3 on V100 cloud GPUs takes 355 GPU-years and costs $4.6 M",
    model: `${fmt(v.trainFlop)} FLOP / ${fmt(specs.gpus.v100.v.peakTFLOPs * v.utilization)} TFLOP/s = ${fmt(v.deviceYears)} V100-years` +
      (v.costUSD !== null ? `, x ${specs.gpus.v100.v.pricePerDeviceHourUSD} $/GPU-hour = $${fmt(v.costUSD / 1e6)} M` : '') +
      (h ? `; on H200 at the measured ${pct(h.utilization)} MFU: ${fmt(h.deviceYears)} GPU-years` : ''),
    verdict: ok ? 'holds' : 'does not hold',
    condition: ok ? 'reproduced within 1 % (arithmetic on 3.14e23 FLOP at 28 TFLOP/s per V100)' : 'not reproduced within 1 %',
    figures: { trainFlop: v.trainFlop, v100Years: v.deviceYears, costUSD: v.costUSD, h200Years: h?.deviceYears ?? null },
    assumptions: v.assumptions,
  };
}

/** "peak", or "0.3046 of peak (the spec's computeEfficiency)": the compute rate the verdict assumes. */
function computeAt(specs: Specs): string {
  const e = specs.cs2.v.computeEfficiency;
  return e === 1 ? 'peak' : `${fmt(e)} of peak (the spec's computeEfficiency)`;
}

function timeClaim(id: string, claim: string, model: PerfModel, N: number, targetDays: number, specs: Specs): { row: ClaimRow; dense: Estimate } {
  const dense = estimate(model, { systems: N }, specs);
  const peakDays = dense.trainFlop / (N * specs.cs2.v.peakPFLOPs * 1e15) / 86400;
  const needCompute = peakDays / targetDays;
  const s = sparsityFor(model, targetDays, { systems: N }, specs);
  const at = s === null ? null : estimate(model, { systems: N, sparsity: s }, specs);
  // What-if beyond the article: the recomputed block's weights kept on the wafer (two weight passes, not three).
  let cachedDays: number | null = null;
  try {
    cachedDays = estimate(model, { systems: N, recompute: 'cached' }, specs).trainDays;
  } catch {
    cachedDays = null;
  }
  const why = `${dense.bound}-bound: ${fmt(dense.tokensPerSystem)} tokens per CS-2 per step in ${dense.microBatches} pass${dense.microBatches > 1 ? 'es' : ''} of ${fmt(dense.microBatchTokens)} (the wafer holds ${fmt(dense.recompute ? dense.waferTokensFit.recompute : dense.waferTokensFit.noRecompute)} with${dense.recompute ? '' : 'out'} recomputation), each streaming ${fmt(dense.stream.bytesPerStep / dense.microBatches / 1e9)} GB of weights at ${fmt(dense.stream.GBps)} GB/s; compute would hide the stream only from ${fmt(dense.balanceTokensPerPass)} tokens per pass`;
  const verdict: Verdict = dense.trainDays <= targetDays ? 'holds' : s === null ? 'does not hold' : 'holds only if';
  const condition =
    verdict === 'holds' ? `dense at the default assumptions: ${fmt(dense.trainDays)} days`
    : verdict === 'does not hold' ? `even 99.99 % sparsity is not enough at the default assumptions (${why})`
    : `>= ${pct(s as number)} unstructured sparsity on the block weights (end-to-end speed-up ${fmt(dense.trainDays / (at as Estimate).trainDays)}x) with compute at ${computeAt(specs)} and the MemoryX -> SwarmX -> CS-2 path at ${fmt(dense.stream.GBps)} GB/s; the compute-only view (FACTS.md) asks ${fmt(needCompute)}x`;
  return {
    dense,
    row: {
      id, mission: 'M6', claim,
      model: `${N} CS-2, dense: ${fmt(dense.trainDays)} days (${why}); at 100 % of peak with no streaming limit it would be ${fmt(peakDays)} days, so the claim needs ${fmt(needCompute)}x from sparsity or a higher peak` +
        (at ? `; the full model reaches ${targetDays} day${targetDays === 1 ? '' : 's'} at ${pct(s as number)} sparsity (${at.bound}-bound)` : '') +
      (cachedDays !== null && dense.recompute
        ? `; keeping each recomputed block's weights on the wafer (a what-if beyond the article) would make it ${fmt(cachedDays)} days dense${cachedDays > dense.trainDays ? ' — slower: the cached block takes SRAM from the activations, so more passes' : ''}`
        : ''),
      verdict, condition,
      figures: {
        systems: N, targetDays, trainFlop: dense.trainFlop, peakOnlyDays: peakDays, requiredSpeedupAtPeak: needCompute, denseDays: dense.trainDays,
        denseBound: dense.bound, denseUtilization: dense.utilization, sparsityNeeded: s, daysAtSparsityNeeded: at?.trainDays ?? null,
        microBatches: dense.microBatches, tokensPerSystem: dense.tokensPerSystem, denseDaysBlockWeightsCached: cachedDays,
      },
      assumptions: [`"${targetDays} day${targetDays === 1 ? '' : 's'}" read as ${targetDays * 24} hours of training, no restarts`, ...dense.assumptions],
    },
  };
}

function memoryxRow(specs: Specs): ClaimRow {
  const m = preset('gpt-120t');
  const cap = specs.memoryx.v.maxCapacityTB * 1e12;
  const nominal = specs.memoryx.v.maxParamsTrillion * 1e12;
  const perParam = cap / nominal;
  const table: Record<string, number> = {};
  for (const p of ['mixed', 'fp32'] as const) for (const o of ['adam', 'momentum', 'sgd'] as const) for (const acc of [false, true]) {
    if (p === 'fp32' && acc) continue;
    table[`${p}-${o}${acc ? '+accum' : ''}`] = bytesPerParam(specs.memoryx, p, o, acc).total;
  }
  const mixedAdam = table['mixed-adam'];
  const withAccum = table['mixed-adam+accum'];
  const fit = waferFitOf(m, specs);
  const T = m.contextTokens;
  const seqBytes = fit.bytesPerTokenRecompute * T;
  const fits = fit.tokensRecompute >= T;
  const sys = systemLabel(specs.cs2);
  const passSeconds = (m.params * 2) / (Math.min(specs.cs2.v.ioGBps, specs.memoryx.v.streamGBps) * 1e9);
  const peakYears = (6 * m.params * (m.trainTokens ?? 3e11)) / (specs.cs2.v.peakPFLOPs * 1e15) / (365 * 86400);
  return {
    id: 'M4-memoryx-120t', mission: 'M4',
    claim: 'MemoryX (up to 2.4 PB) stores models of up to 120 T parameters, so a 120 T model trains "on one CS-2"',
    model: `2.4 PB / 120 T = ${fmt(perParam)} B per parameter. Mixed-precision Adam needs ${mixedAdam} B (ZeRO) -> ${fmt((nominal * mixedAdam) / 1e15)} PB; with an FP32 gradient accumulator for micro-batches ${withAccum} B -> ${fmt((nominal * withAccum) / 1e15)} PB (exactly full). ` +
      `${fits ? 'Time is the limit' : 'The wafer is the limit'}: the ${m.title} (${fmt(m.params)} params) needs ${fmt(seqBytes / 1e9)} GB of wafer SRAM for one ${T}-token sequence with full recomputation${specs.cs2.v.activationCheckpointsOffWafer ? ' (block inputs off the wafer, the compiler-matching rule of specs/hardware/cs2.json)' : ''} (one ${sys} holds ${fmt(fit.capacityBytes / 1e9)} GB: ${fmt(fit.tokensRecompute)} tokens), one pass over its FP16 weights takes ${fmt(passSeconds / 60)} min, and 300 B tokens at peak would take ${fmt(peakYears)} years`,
    verdict: 'holds only if',
    condition: `MemoryX keeps <= ${fmt(perParam)} B per parameter (mixed-precision Adam: ${mixedAdam} B, +${withAccum - mixedAdam} B if micro-batches accumulate; FP32 weights with momentum or Adam: ${table['fp32-momentum']}-${table['fp32-adam']} B); "trains on one ${sys}" only as storage: ${fits ? `the wafer holds a ${T}-token sequence (${fit.tokensRecompute} tokens fit)` : `the wafer cannot hold one ${T}-token sequence's activations (sequences <= ${fit.tokensRecompute} tokens fit)`} but training would take centuries`,
    figures: {
      capacityPB: cap / 1e15, bytesPerParamAvailable: perParam, ...Object.fromEntries(Object.entries(table).map(([k, v]) => [`bytesPerParam.${k}`, v])),
      params120t: m.params, waferBytesOneSequence: seqBytes, waferTokensFit: fit.tokensRecompute, weightPassSeconds: passSeconds, peakYears300B: peakYears,
    },
    assumptions: [
      `bytes per parameter: ${Object.entries(table).map(([k, v]) => `${k} ${v}`).join(', ')} (specs/hardware/memoryx.json)`,
      `shape of the 120 T model: ${m.figures?.nLayer?.source ?? 'see specs/models/gpt-120t.json'}`,
      specs.cs2.v.activationCheckpointsOffWafer ? 'activations per token on the wafer with full recomputation: one block\'s 34·d (Korthikanti et al. 2022); block inputs off the wafer' : 'activations per token with full recomputation: 2·d per block (its input) + one block\'s 34·d (Korthikanti et al. 2022)',
    ],
  };
}

function scalingRow(specs: Specs, N: number): { row: ClaimRow; points: ScalingPoint[] } {
  const m = preset('gpt3-175b');
  const list = SCALING_SYSTEMS.filter((n) => n < N).concat([N]);
  const t1 = estimate(m, { systems: 1 }, specs);
  const points = list.map((n) => {
    const e = n === 1 ? t1 : estimate(m, { systems: n }, specs);
    return { systems: n, trainDays: e.trainDays, speedup: t1.trainDays / e.trainDays, efficiency: t1.trainDays / (n * e.trainDays), bound: e.bound, microBatches: e.microBatches, tokensPerSystem: e.tokensPerSystem };
  });
  const last = points[points.length - 1];
  const bend = points.find((p) => p.efficiency < 0.9);
  const e = estimate(m, { systems: N }, specs);
  const fitTokens = e.recompute ? e.waferTokensFit.recompute : e.waferTokensFit.noRecompute;
  const holds = last.efficiency >= 0.9;
  const sys = systemLabel(specs.cs2);
  // Where the per-system batch falls under one wafer-full, more systems cannot cut the passes per step.
  const floorN = Math.ceil(e.batchTokens / fitTokens);
  return {
    points,
    row: {
      id: 'M6-scaling', mission: 'M6',
      claim: 'Scaling to 192 CS-2 is near-linear: training time falls as 1/N',
      model: `GPT-3 175B dense, ${fmt(e.batchTokens)}-token batch: ${points.map((p) => `${p.systems}: ${pct(p.efficiency)}`).join(', ')} (efficiency T1/(N·TN)). ` +
        `At 1 system the step is bound by ${t1.binding}, at ${N} by ${e.binding}: each pass streams all weights at ${fmt(e.stream.GBps)} GB/s and computes its tokens, passes = ceil(tokens per ${sys} / ${fmt(fitTokens)} the wafer holds), and ${N} systems wait each step for the slowest (x${fmt(e.scaleOut.jitterFactor)}: src/perf/scaleout.ts). ` +
        `At ${N}: ${fmt(e.tokensPerSystem)} tokens per CS-2 take ${e.microBatches} pass${e.microBatches === 1 ? "" : "es"} of ${fmt(e.microBatchTokens)}${bend ? `; the curve bends at ${bend.systems} systems` : ''}; from ${floorN} systems on a step is one pass, and each pass streams all the weights: more systems still cut each one's compute, not that stream or the wait for the slowest, so time falls by less than 1/N`,
      verdict: holds ? 'holds' : 'holds only if',
      condition: holds
        ? `efficiency ${pct(last.efficiency)} at ${N} systems`
        : `${e.microBatches > 1 ? `the batch per ${sys} splits into whole wafer-fulls` : `the weight stream of each step's one pass hides behind its compute`} and the per-step straggler wait (x${fmt(e.scaleOut.jitterFactor)} at ${N}) is small (efficiency ${pct(last.efficiency)} at ${N}, where ${fmt(e.tokensPerSystem)} tokens need ${e.microBatches} pass${e.microBatches === 1 ? "" : "es"} of ${fmt(e.microBatchTokens)}; ${pct(points.find((p) => p.systems === 128)?.efficiency ?? NaN)} at 128); ` +
          `linear only while tokens per CS-2 >= what the wafer holds (${fmt(fitTokens)}), i.e. up to ${floorN} systems for this batch; for comparison, 16 CS-3 gave 15.3x on a 1 T model (Sandia/Cerebras 2024)`,
      figures: { systems: N, efficiencyAtMax: last.efficiency, speedupAtMax: last.speedup, bendAt: bend?.systems ?? null, waferTokensFit: fitTokens, floorSystems: floorN, bound: e.bound },
      assumptions: ['efficiency = T(1) / (N · T(N)) with the global batch fixed (3.2 M tokens); more systems never change the model\'s convergence', ...e.assumptions.filter((a) => a.startsWith('micro-batching') || a.startsWith('weights stream') || a.startsWith('wafer SRAM'))],
    },
  };
}

function sparsityRow(specs: Specs, N: number): ClaimRow {
  const m = preset('gpt3-175b');
  const curve = [0.5, 0.75, 0.9, 0.95, 0.99];
  const d0 = estimate(m, { systems: N }, specs);
  const s90 = estimate(m, { systems: N, sparsity: 0.9 }, specs);
  const noIndex = estimate(m, { systems: N, sparsity: 0.9, sparseIndexBytes: 0 }, specs);
  const one0 = estimate(m, { systems: 1 }, specs);
  const one90 = estimate(m, { systems: 1, sparsity: 0.9 }, specs);
  const speed = d0.trainDays / s90.trainDays;
  const points = curve.map((s) => ({ s, x: d0.trainDays / estimate(m, { systems: N, sparsity: s }, specs).trainDays }));
  const flopRatio = d0.executedFlop / s90.executedFlop;
  return {
    id: 'M11-sparsity', mission: 'M11',
    claim: 'Sparsity gives about 10x (dataflow triggers skip zeros; unstructured sparsity speeds training up)',
    model: `GPT-3 175B on ${N} CS-2: speed-up over dense ${points.map((p) => `${pct(p.s)}: ${fmt(p.x)}x`).join(', ')} (ideal 1/(1-s): 2, 4, 10, 20, 100). ` +
      `At 90 %: ${fmt(speed)}x end to end (${fmt(one0.trainDays / one90.trainDays)}x on 1 CS-2); executed FLOP fall ${fmt(flopRatio)}x (attention and the LM head stay dense), streamed bytes fall only ${fmt(d0.stream.bytesPerStep / s90.stream.bytesPerStep)}x because each non-zero carries a ${2} B index; with a free index the speed-up end to end would be ${fmt(d0.trainDays / noIndex.trainDays)}x (streamed bytes ${fmt(d0.stream.bytesPerStep / noIndex.stream.bytesPerStep)}x)`,
    verdict: speed >= 9.5 ? 'holds' : 'holds only if',
    condition: speed >= 9.5 ? `${fmt(speed)}x at 90 %` : `per layer, compute falls 10x at 90 % (taking M8's full-throughput zero skipping at face value); end to end ${fmt(speed)}x, since ${s90.binding} bounds the sparse step and sparse weights cost ${2 + 2} B per non-zero vs 2 B dense — about 10x needs >= 95 % sparsity or an index-free stream`,
    figures: { systems: N, speedupAt90: speed, speedupAt90OneSystem: one0.trainDays / one90.trainDays, speedupAt90FreeIndex: d0.trainDays / noIndex.trainDays, executedFlopRatio: flopRatio, ...Object.fromEntries(points.map((p) => [`speedupAt${p.s}`, p.x])) },
    assumptions: s90.assumptions.filter((a) => a.startsWith('sparsity') || a.startsWith('a sparse layer') || a.startsWith('compute efficiency')),
  };
}

/** Every claim row, plus the scaling curve; a pure function of the specs. */
export function claims(specs: Specs = defaultSpecs(), o: ClaimsOptions = {}): Claims {
  for (const k of ['cs2', 'memoryx', 'swarmx', 'gpus'] as const) requireObject(`specs.${k}`, requireObject('specs', specs)[k]); // Specs from loadSpecs
  requireObject('options', o);
  refuseUnknownFields(o, ['systems', 'longWeekendDays'], 'claims options');
  const N = requireInt('systems', o.systems ?? specs.swarmx.v.maxSystems, 1);
  const weekend = requireNumber('longWeekendDays', o.longWeekendDays ?? 3, 0.01, 1000); // as the CLI's --long-weekend-days
  const gpt3 = timeClaim('M6-gpt3-one-day', `GPT-3 (175 B) trains in one day on the largest cluster (${N} CS-2)`, preset('gpt3-175b'), N, 1, specs);
  const t1 = timeClaim('M6-1t-long-weekend', `A 1 T-parameter model trains in "a long weekend" (${weekend} days) on ${N} CS-2`, preset('gpt-1t'), N, weekend, specs);
  const scaling = scalingRow(specs, N);
  return {
    rows: [lambdaRow(specs), gpt3.row, t1.row, memoryxRow(specs), scaling.row, sparsityRow(specs, N)],
    scaling: scaling.points,
    assumptions: gpt3.dense.assumptions,
  };
}
