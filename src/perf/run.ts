// One entry for "estimate this configuration" as plain data — what the CLI and the sweep runner pass:
// { model: NAME|FILE|object, systems, sparsity?, tokens?, batchTokens?, spec?: FILE[], gpu?, devices?, ... }.
// Specs load once per distinct --spec list; the estimate itself is a pure function.
import { ValidationError, refuseUnknownFields, requireInt, requireNumber, requireOneOf } from '../errors.js';
import { ESTIMATE_CONFIG_FIELDS } from './estimate-fields.js';
import type { Optimizer, Precision } from './capacity.js';
import type { EfficiencyFn } from './efficiency.js';
import { estimate, RECOMPUTE, type Estimate, type Recompute } from './estimate.js';
import { MAX_TOKENS, type EstimateOptions } from './types.js';
import { estimateGpu, type GpuEstimate } from './gpu.js';
import { modelFromObject, resolveModel, type PerfModel } from './models.js';
import { defaultSpecs, loadSpecs, type Specs } from './specs.js';
import type { PipelineMode } from '../timeline/schedule.js';
import { withSystem } from './system.js';

export interface EstimateConfig {
  /** A preset name, a JSON file, or a model object (GPT preset, HF config, or engine description). */
  model: string | Record<string, unknown>;
  systems?: number;
  sparsity?: number;
  tokens?: number;
  batchTokens?: number;
  /** Spec files replacing or amending the built-in ones. */
  spec?: string[];
  /** The system modelled: 'cs2' (default), 'cs3', or a system id from a spec file. */
  system?: string;
  /** GPU comparison instead of CS-2: the GPU id and the device count. */
  gpu?: string;
  devices?: number;
  /** A number in (0, 1], or (CS-2 only) a function (layer shape, sparsity) => efficiency, e.g. the fabric's. */
  efficiency?: number | EfficiencyFn;
  recompute?: Recompute;
  /** The step's pipeline mode (the engine's: none, coarse, full). Default 'full'. */
  pipeline?: PipelineMode;
  precision?: Precision;
  optimizer?: Optimizer;
  attention?: 'causal' | 'full';
  detail?: boolean;
  /** Tokens per sequence for this run (default: the model's context); at most the model's positions. */
  seqLen?: number;
  /** Global batch in sequences (instead of batchTokens). */
  batchSeqs?: number;
  /** Passes per step on one system, set (default: chosen by the model); or sequences per pass. Not both. */
  passes?: number;
  microBatchSeqs?: number;
}

const specCache = new Map<string, Specs>();

/** Specs for a list of files (applied after the system is chosen: `--system`), loaded once per distinct list. */
export function specsFor(files: readonly string[] = [], system?: string): Specs {
  const key = `${system ?? ''}\0${files.join('\0')}`;
  let s = specCache.get(key);
  if (!s) {
    s = loadSpecs(files, withSystem(defaultSpecs(), system));
    specCache.set(key, s);
  }
  return s;
}

export function modelFor(model: EstimateConfig['model'], attention: 'causal' | 'full' = 'causal', seqLen?: number): PerfModel {
  if (typeof model === 'string') return resolveModel(model, attention, seqLen);
  if (model && typeof model === 'object') return modelFromObject(model, 'model', attention, seqLen);
  throw new ValidationError('model', model, 'expected a preset name, a JSON file or a model object');
}

/** A configuration's specs, model and tokens per step, every field it shares with both paths checked. */
function resolved(c: EstimateConfig): { specs: Specs; model: PerfModel; batchTokens: number | undefined } {
  if (c === null || typeof c !== 'object') throw new ValidationError('config', c, 'expected an object');
  refuseUnknownFields(c, ESTIMATE_CONFIG_FIELDS, 'an estimate');
  if (c.spec !== undefined && (!Array.isArray(c.spec) || c.spec.some((f) => typeof f !== 'string'))) throw new ValidationError('spec', c.spec, 'expected a list of spec file paths');
  const attention = c.attention === undefined ? 'causal' : requireOneOf('attention', c.attention, ['causal', 'full'] as const);
  if (c.system !== undefined && typeof c.system !== 'string') throw new ValidationError('system', c.system, 'expected a system id such as "cs2" or "cs3"');
  const specs = specsFor(c.spec, c.system);
  if (c.seqLen !== undefined) requireInt('seqLen', c.seqLen, 1);
  // checked under the configuration's own name (the estimates' is trainTokens: a sweep named base.trainTokens for axes.tokens[1])
  if (c.tokens !== undefined) requireNumber('tokens', c.tokens, 1, MAX_TOKENS);
  const model = modelFor(c.model, attention, c.seqLen);
  return { specs, model, batchTokens: batchTokensOf(c, model) };
}

/** The CS-2/CS-3 estimate's inputs for a configuration (not a GPU one): what runEstimate and the sensitivity run. */
export function systemInputs(c: EstimateConfig): { model: PerfModel; options: EstimateOptions; specs: Specs } {
  const { specs, model, batchTokens } = resolved(c);
  if (c.devices !== undefined) throw new ValidationError('devices', c.devices, 'expected no devices without gpu (use systems)');
  if (c.recompute !== undefined) requireOneOf('recompute', c.recompute, RECOMPUTE);
  const options: EstimateOptions = {
    systems: c.systems ?? 1, sparsity: c.sparsity, trainTokens: c.tokens, batchTokens, efficiency: c.efficiency,
    recompute: c.recompute, pipeline: c.pipeline, precision: c.precision, optimizer: c.optimizer, detail: c.detail,
    passes: c.passes, microBatchSeqs: c.microBatchSeqs,
  };
  return { model, options, specs };
}

/** Runs one configuration: the CS-2 estimate, or the GPU one when `gpu` is given. */
export function runEstimate(c: EstimateConfig): Estimate | GpuEstimate {
  if (c !== null && typeof c === 'object' && c.gpu !== undefined) {
    const { specs, model, batchTokens } = resolved(c);
    if (c.passes !== undefined || c.microBatchSeqs !== undefined) throw new ValidationError(c.passes !== undefined ? 'passes' : 'microBatchSeqs', c.passes ?? c.microBatchSeqs, 'expected none with gpu (passes per step are a CS-2 setting)');
    if (c.systems !== undefined) throw new ValidationError('systems', c.systems, 'expected no systems with gpu (use devices)');
    if (typeof c.efficiency === 'function') throw new ValidationError('efficiency', 'a function', 'expected a number for a GPU estimate');
    return estimateGpu(model, { gpu: c.gpu, devices: c.devices ?? 1, trainTokens: c.tokens, batchTokens, sparsity: c.sparsity, efficiency: c.efficiency }, specs);
  }
  const { model, options, specs } = systemInputs(c);
  return estimate(model, options, specs);
}

/** Tokens per step from batchTokens or batchSeqs (sequences of the run's context); both at once are refused. */
export function batchTokensOf(c: EstimateConfig, model: PerfModel): number | undefined {
  if (c.batchSeqs === undefined) return c.batchTokens;
  if (c.batchTokens !== undefined) throw new ValidationError('batchSeqs', c.batchSeqs, 'expected either batchSeqs or batchTokens, not both');
  requireInt('batchSeqs', c.batchSeqs, 1);
  return c.batchSeqs * model.contextTokens;
}
