// The at-scale model's step as a timeline (src/timeline/schedule.ts) in a chosen pipeline mode
// (none / coarse / full), fed with the model's ANALYTIC bytes and FLOP and converted to seconds by the
// same function the training engine uses for its measured ones (src/perf/rates.ts eventSeconds). The
// two levels then agree when they count the same work: test/cluster/pipeline-crosscheck.test.ts.
//
// Layers are grouped as the engine streams them: a unit is a layer with weights plus the weight-free
// layers after it (leading weight-free layers join the first unit); its FLOP are the sum of its layers'.
// No micro-batching and no recomputation here (the engine does neither): one pass of B/N tokens per system.
// Legend: N = systems, B = tokens (samples) per step over all systems, t = B/N per system, s = sparsity.
import { ValidationError, requireInt, requireNumber, requireOneOf } from '../errors.js';
import type { LayerCost, PipelineMode } from '../timeline/schedule.js';
import { PIPELINE_MODES } from '../timeline/schedule.js';
import { summarize, type TimelineSummary } from '../timeline/summary.js';
import { bytesPerParam, OPTIMIZERS, PRECISIONS, type Optimizer, type Precision } from './capacity.js';
import { layerStreamBytes, nonzeroParams, sparsityOf } from './estimate.js';
import type { PerfModel } from './models.js';
import { eventSeconds, hardwareRates, type RateEventKind } from './rates.js';
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

const KINDS: RateEventKind[] = ['streamFwd', 'forward', 'streamBwd', 'delta', 'gradient', 'gradOut', 'reduce', 'update'];

/** Per-unit bytes and FLOP (per system) and their seconds, from the model's analytic counts. */
export function pipelineLayerCosts(model: PerfModel, o: PipelineEstimateOptions, specs: Specs = defaultSpecs()): LayerCost[] {
  const N = requireInt('systems', o.systems, 1);
  const B = requireNumber('batchTokens', o.batchTokens, 1);
  const S = o.sparsity === undefined ? 0 : requireNumber('sparsity', o.sparsity, 0, 1, true);
  const eff = requireNumber('efficiency', o.efficiency ?? specs.cs2.v.computeEfficiency, 0, 1);
  if (eff <= 0) throw new ValidationError('efficiency', eff, 'expected a number in (0, 1]');
  const precision = o.precision === undefined ? 'mixed' : requireOneOf('precision', o.precision, PRECISIONS);
  const optimizer = o.optimizer === undefined ? 'adam' : requireOneOf('optimizer', o.optimizer, OPTIMIZERS);
  const wb = o.weightBytes ?? (precision === 'fp32' ? 4 : 2);
  const gb = o.gradBytes ?? (precision === 'fp32' ? 4 : 2);
  const ib = o.sparseIndexBytes ?? 2;
  const bpp = bytesPerParam(specs.memoryx, precision, optimizer, false).total;
  const rates = hardwareRates(specs, N);
  const t = B / N;

  type Acc = { name: string; bytes: Record<RateEventKind, number>; flop: Record<RateEventKind, number> };
  const zero = () => Object.fromEntries(KINDS.map((k) => [k, 0])) as Record<RateEventKind, number>;
  const units: Acc[] = [];
  let pending: Acc | null = null; // leading weight-free layers
  for (const l of model.layers) {
    const s = sparsityOf(l, S);
    const hasWeights = l.streamFwd || l.streamBwd;
    let u: Acc;
    if (hasWeights) {
      u = pending ?? { name: l.name, bytes: zero(), flop: zero() };
      u.name = l.name;
      pending = null;
      units.push(u);
    } else if (units.length) u = units[units.length - 1];
    else u = pending ??= { name: l.name, bytes: zero(), flop: zero() };
    const scale = l.flopScalesWithWeights ? 1 - s : 1;
    u.flop.forward += l.fwdFlop * scale * t;
    u.flop.delta += l.deltaFlop * scale * t;
    u.flop.gradient += l.gradFlop * scale * t;
    const sb = layerStreamBytes(l, s, wb, ib);
    if (l.streamFwd) u.bytes.streamFwd += sb;
    if (l.streamBwd) u.bytes.streamBwd += sb;
    if (l.gradOut) {
      const g = (l.matWeights * (1 - s) + l.vecWeights) * gb;
      u.bytes.gradOut += g;
      u.bytes.reduce += g;
    }
    u.bytes.update += nonzeroParams(l, s) * bpp;
  }
  if (units.length === 0) throw new ValidationError('model.layers', model.layers.length, 'expected at least one layer with weights');
  return units.map((u) => ({
    name: u.name,
    seconds: Object.fromEntries(KINDS.map((k) => [k, eventSeconds(rates, k, u.bytes[k], u.flop[k], eff)])) as Record<RateEventKind, number>,
    bytes: { streamFwd: u.bytes.streamFwd, streamBwd: u.bytes.streamBwd, gradOut: u.bytes.gradOut, reduce: u.bytes.reduce, update: u.bytes.update },
    flop: { forward: u.flop.forward, delta: u.flop.delta, gradient: u.flop.gradient },
  }));
}

/** The at-scale model's step in a pipeline mode: seconds per step, exposed latency, utilisation. */
export function pipelineEstimate(model: PerfModel, o: PipelineEstimateOptions, specs: Specs = defaultSpecs()): PipelineEstimate {
  const mode = requireOneOf('pipeline', o.pipeline, PIPELINE_MODES);
  const steps = requireInt('steps', o.steps ?? 3, 1);
  const layers = pipelineLayerCosts(model, o, specs);
  return { ...summarize(layers, steps, mode, { halfDuplex: !specs.cs2.v.ioFullDuplex }), layers };
}
