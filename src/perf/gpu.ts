// The GPU comparison: the same model trained on D GPUs at the spec's peak × efficiency, where the
// efficiency is a measured (H200, FACTS.md) or assumed (Lambda's V100) model-FLOP utilisation and
// applies to the FLOP convention it was measured with. Scaling across GPUs is taken as perfect.
//
// Legend: P = parameters, D = training tokens, L = layers, d = d_model, T = context tokens.
import { ValidationError, ownEntry, requireInt, requireNumber, requireObject } from '../errors.js';
import { fmt } from './units.js';
import { MAX_TOKENS } from './types.js';
import { activeParams, type PerfModel } from './models.js';
import { cite, defaultSpecs, type Specs } from './specs.js';

export interface GpuEstimateOptions {
  /** GPU id: a spec in specs/hardware/gpu-<id>.json (v100, a100, h100, h200) or one passed with --spec. */
  gpu: string;
  devices: number;
  trainTokens?: number;
  batchTokens?: number;
  /** Accepted for symmetry with the CS-2 estimate: dense tensor cores do not skip unstructured zeros. */
  sparsity?: number;
  /** Override the spec's efficiency, in (0, 1]. */
  efficiency?: number;
}

export interface GpuEstimate {
  kind: 'gpu';
  gpu: string;
  gpuName: string;
  model: string;
  title: string;
  devices: number;
  sparsity: number;
  params: number;
  trainTokens: number;
  batchTokens: number | null;
  /** 6 · P · D (GPT-3 Table D.1). */
  trainFlop: number;
  /** The FLOP the efficiency applies to (the spec's convention). */
  countedFlop: number;
  flopConvention: string;
  steps: number | null;
  stepSeconds: number | null;
  trainSeconds: number;
  trainDays: number;
  deviceYears: number;
  tokensPerSecond: number;
  utilization: number;
  bound: 'compute';
  /** Model state (mixed-precision Adam, 16 B/param) per device when sharded over all devices (ZeRO-3). */
  stateBytesPerDevice: number;
  stateFits: boolean;
  memoryxBytes: null;
  waferBytesPerSystem: null;
  energyKWh: number;
  costUSD: number | null;
  assumptions: string[];
}

const STATE_BYTES_PER_PARAM = 16; // mixed-precision Adam: ZeRO (Rajbhandari et al. 2020)

export function estimateGpu(model: PerfModel, o: GpuEstimateOptions, specs: Specs = defaultSpecs()): GpuEstimate {
  requireObject('model', model);
  requireObject('options', o);
  const g = ownEntry(specs.gpus, o.gpu);
  if (!g) throw new ValidationError('gpu', o.gpu, `expected one of ${Object.keys(specs.gpus).join(', ')}`);
  const devices = requireInt('devices', o.devices, 1);
  const S = o.sparsity === undefined ? 0 : requireNumber('sparsity', o.sparsity, 0, 1, true);
  const eff = o.efficiency === undefined ? g.v.efficiency : requireNumber('efficiency', o.efficiency, 1e-9, 1);
  const D = o.trainTokens ?? model.trainTokens;
  if (D === undefined) throw new ValidationError('trainTokens', undefined, `expected a training token count: model "${model.name}" does not give one (pass --tokens)`);
  requireNumber('trainTokens', D, 1, MAX_TOKENS);
  const B = o.batchTokens ?? model.batchTokens ?? null;
  if (B !== null) requireNumber('batchTokens', B, 1, D);
  const P = model.params;
  const Pa = activeParams(model); // a mixture of experts computes with its routed experts only
  const conv = g.v.efficiencyFlopConvention;
  // attention reads at most the sliding window (Mistral: 4,096 of 32,768 positions), as the CS-2 side counts it
  const window = model.arch?.slidingWindow ?? Infinity;
  const attnContext = model.gpt ? Math.min(model.gpt.contextTokens, window) : 0;
  const attnPerToken = conv === '6ND+12LdT' && model.gpt ? 12 * model.gpt.nLayer * model.gpt.dModel * attnContext : 0;
  const perToken = 6 * Pa + attnPerToken;
  const rate = devices * g.v.peakTFLOPs * 1e12 * eff;
  const trainSeconds = (perToken * D) / rate;
  const price = g.v.pricePerDeviceHourUSD;
  const state = (P * STATE_BYTES_PER_PARAM) / devices;
  const assumptions = [
    `${g.name}: peak ${g.v.peakTFLOPs} TFLOP/s (${cite(g, 'peakTFLOPs')})`,
    `efficiency ${fmt(eff)} of peak = ${fmt(g.v.peakTFLOPs * eff)} TFLOP/s per device (${o.efficiency === undefined ? cite(g, 'efficiency') : 'given'})`,
    `FLOP counted as ${conv === '6ND' ? '6 · P · D (GPT-3 Table D.1: attention ignored)' : `(6 · P + 12 · L · d · T) · D (attention included, as the efficiency was measured${attnContext < (model.gpt?.contextTokens ?? 0) ? `; T = the ${attnContext}-token sliding window` : ''})`}`,
    ...(Pa < P ? [`a mixture of experts: P = the ${fmt(Pa / 1e9)} B parameters a token computes with (${model.arch!.expertsPerToken} of ${model.arch!.experts} experts), of ${fmt(P / 1e9)} B stored`] : []),
    `perfect scaling over ${devices} devices (no communication cost: favours the GPUs)`,
    `model state ${STATE_BYTES_PER_PARAM} B/param (mixed-precision Adam, ZeRO) sharded over all devices: ${fmt(state / 1e9)} GB per device of ${g.v.memoryGB} GB${state > g.v.memoryGB * 1e9 ? ' — does not fit: needs more devices or offload (ZeRO-Infinity streams from host memory at about 55 GB/s per H200, FACTS.md)' : ''}`,
    `energy: ${g.v.powerKW} kW per device (${cite(g, 'powerKW')}), hosts and network not included`,
    price === null ? `cost: ${cite(g, 'pricePerDeviceHourUSD')}` : `cost: ${price} USD per device-hour (${cite(g, 'pricePerDeviceHourUSD')})`,
  ];
  if (S > 0) assumptions.push(`sparsity ${S} gives no speed-up here: dense tensor cores do not skip unstructured zeros (2:4 structured sparsity is not modelled)`);
  const steps = B === null ? null : D / B;
  return {
    kind: 'gpu', gpu: g.id, gpuName: g.name, model: model.name, title: model.title, devices, sparsity: S, params: P, trainTokens: D,
    batchTokens: B, trainFlop: 6 * Pa * D, countedFlop: perToken * D, flopConvention: conv, steps,
    stepSeconds: B === null ? null : (perToken * B) / rate, trainSeconds, trainDays: trainSeconds / 86400,
    deviceYears: (devices * trainSeconds) / (365 * 86400), tokensPerSecond: rate / perToken, utilization: eff, bound: 'compute',
    stateBytesPerDevice: state, stateFits: state <= g.v.memoryGB * 1e9, memoryxBytes: null, waferBytesPerSystem: null,
    energyKWh: devices * g.v.powerKW * (trainSeconds / 3600), costUSD: price === null ? null : devices * price * (trainSeconds / 3600), assumptions,
  };
}
