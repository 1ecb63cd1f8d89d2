// The at-scale model's step as the engine's timeline shows it: the model's ANALYTIC bytes and FLOP per
// streamed unit (src/perf/layer-costs.ts, the input estimate() schedules too), summarised over a few
// steps by the engine's own summary (src/timeline/summary.ts) — with the per-layer costs and the
// utilisation the engine's result carries. The two levels agree when they count the same work:
// test/cluster/pipeline-crosscheck.test.ts; estimate() gives the same step: test/timeline/unified.test.ts.
// No micro-batching and no recomputation here (the engine does neither): one pass of B/N tokens per system.
// Legend: N = systems, B = tokens (samples) per step over all systems, t = B/N per system, s = sparsity.
import { ValidationError, requireInt, requireNumber, requireOneOf, requireObject } from '../errors.js';
import type { LayerCost, PipelineMode } from '../timeline/schedule.js';
import { PIPELINE_MODES } from '../timeline/schedule.js';
import { summarize, type TimelineSummary } from '../timeline/summary.js';
import { bytesPerParam, OPTIMIZERS, PRECISIONS, type Optimizer, type Precision } from './capacity.js';
import { constantEfficiency } from './efficiency.js';
import { toLayerCosts, unitCosts } from './layer-costs.js';
import type { PerfModel } from './models.js';
import { hardwareRates } from './rates.js';
import { defaultSpecs, type Specs } from './specs.js';

export interface PipelineEstimateOptions {
  systems: number;
  /** Tokens (samples) per step over all systems. */
  batchTokens: number;
  pipeline: PipelineMode;
  /** Steps scheduled (default 3: steady state from the second). */
  steps?: number;
  /** Sparsity of the sparsifiable layers without their own (default 0). */
  sparsity?: number;
  /** Compute efficiency in (0, 1] (default: the CS-2 spec's computeEfficiency). */
  efficiency?: number;
  /** MemoryX state and default byte widths: 'mixed' (2 B streamed) or 'fp32' (4 B, as the engine). Default 'mixed'. */
  precision?: Precision;
  optimizer?: Optimizer;
  weightBytes?: number;
  gradBytes?: number;
  sparseIndexBytes?: number;
}

export interface PipelineEstimate extends TimelineSummary {
  layers: LayerCost[];
}

/** Per-unit bytes and FLOP (per system) and their seconds, from the model's analytic counts. */
export function pipelineLayerCosts(model: PerfModel, o: PipelineEstimateOptions, specs: Specs = defaultSpecs()): LayerCost[] {
  requireObject('options', o);
  const N = requireInt('systems', o.systems, 1);
  const B = requireNumber('batchTokens', o.batchTokens, 1);
  const S = o.sparsity === undefined ? 0 : requireNumber('sparsity', o.sparsity, 0, 1, true);
  const eff = requireNumber('efficiency', o.efficiency ?? specs.cs2.v.computeEfficiency, 0, 1);
  if (eff <= 0) throw new ValidationError('efficiency', eff, 'expected a number in (0, 1]');
  const precision = o.precision === undefined ? 'mixed' : requireOneOf('precision', o.precision, PRECISIONS);
  const optimizer = o.optimizer === undefined ? 'adam' : requireOneOf('optimizer', o.optimizer, OPTIMIZERS);
  const units = unitCosts({
    model, sparsity: S, tokens: B / N, rates: hardwareRates(specs, N), eff: constantEfficiency(eff), recompute: false,
    wb: o.weightBytes ?? (precision === 'fp32' ? 4 : 2), gb: o.gradBytes ?? (precision === 'fp32' ? 4 : 2), ib: o.sparseIndexBytes ?? 2,
    bpp: bytesPerParam(specs.memoryx, precision, optimizer, false).total,
  });
  return toLayerCosts(units);
}

/** The at-scale model's step in a pipeline mode: seconds per step, exposed latency, utilisation. */
export function pipelineEstimate(model: PerfModel, o: PipelineEstimateOptions, specs: Specs = defaultSpecs()): PipelineEstimate {
  requireObject('options', o);
  const mode = requireOneOf('pipeline', o.pipeline, PIPELINE_MODES);
  const steps = requireInt('steps', o.steps ?? 3, 1);
  const layers = pipelineLayerCosts(model, o, specs);
  return { ...summarize(layers, steps, mode, { halfDuplex: !specs.cs2.v.ioFullDuplex }), layers };
}
