// The at-scale model's prediction for one measurement: samples/s of its run (or the speed-up of N
// systems over the base count), with the binding resource, at a given compute efficiency.
import { ValidationError, renamePath } from '../../errors.js';
import { estimate } from '../estimate.js';
import { resolveModel } from '../models.js';
import type { Specs } from '../specs.js';
import { withSystem } from '../system.js';
import type { Measurement } from './measurements.js';

export interface Prediction {
  /** samples/s (throughput) or the speed-up (speedup). */
  value: number;
  binding: string;
  /** Passes (micro-batches) per step on one system. */
  passes: number;
  stepSeconds: number;
}

/** samples/s of `m`'s run on `systems` systems at efficiency `eff`. */
function samplesPerSecond(m: Measurement, systems: number, eff: number, specs: Specs) {
  let model;
  try {
    model = resolveModel(m.model, 'causal', m.seqLen);
  } catch (e) {
    throw e instanceof ValidationError ? renamePath(e, `${m.id}: model`) : e;
  }
  if (model.contextTokens !== m.seqLen) throw new ValidationError(`${m.id}: seqLen`, m.seqLen, `expected the context of ${m.model} (${model.contextTokens})`);
  const e = estimate(model, { systems, batchTokens: m.batchSeqs * m.seqLen, trainTokens: m.batchSeqs * m.seqLen, efficiency: eff }, withSystem(specs, m.system));
  return { sps: m.batchSeqs / e.stepSeconds, e };
}

export function predict(m: Measurement, eff: number, specs: Specs): Prediction {
  const { sps, e } = samplesPerSecond(m, m.systems, eff, specs);
  if (m.kind === 'throughput') return { value: sps, binding: e.binding, passes: e.microBatches, stepSeconds: e.stepSeconds };
  const base = samplesPerSecond(m, m.baseSystems ?? 1, eff, specs);
  return { value: sps / base.sps, binding: e.binding, passes: e.microBatches, stepSeconds: e.stepSeconds };
}
