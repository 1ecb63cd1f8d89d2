// Scale-out costs: why N systems train less than N times as fast (the one-system step is the
// scheduler's). Each step every system waits for the slowest (straggler jitter), and each SwarmX tree
// level adds a host/input-pipeline barrier. Both are swarmx spec parameters with stated defaults:
//   step(N) = step × (1 + σ · sqrt(2 ln N)) + depth(N) × hostStepOverheadMs
// σ = stepJitterFraction (the relative spread of one system's step time); sqrt(2 ln N) is the expected
// maximum of N independent normal delays in units of σ (0 for one system). Compared with the one
// published figure (15.3x on 16 CS-3 for a 1 T model) in test/perf/scaleout.test.ts and docs/at-scale.md.
import type { Specs } from './specs.js';
import type { SwarmxTree } from './swarmx.js';

export interface ScaleOut {
  /** Multiplier on the step from stragglers: 1 + σ·sqrt(2 ln N). */
  jitterFactor: number;
  /** Seconds added per step by host barriers: depth × hostStepOverheadMs. */
  barrierSeconds: number;
}

export function scaleOut(specs: Specs, systems: number, tree: SwarmxTree): ScaleOut {
  const sigma = specs.swarmx.v.stepJitterFraction;
  const jitterFactor = systems > 1 ? 1 + sigma * Math.sqrt(2 * Math.log(systems)) : 1;
  return { jitterFactor, barrierSeconds: (tree.depth * specs.swarmx.v.hostStepOverheadMs) / 1000 };
}

/** The step on N systems from the scheduled (jitter-free) step. */
export function scaledStep(step: number, s: ScaleOut): number {
  return step * s.jitterFactor + s.barrierSeconds;
}
