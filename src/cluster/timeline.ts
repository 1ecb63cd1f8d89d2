// The simulated timeline of a run, read AFTER it from what the steps recorded (costs.ts CostRecorder):
// measured bytes and FLOP → durations on the spec'd hardware (src/perf/rates.ts) → the schedule of the
// pipeline mode (src/timeline) → its summary, and the Chrome trace when asked. Nothing here runs during a
// step; the step only records.
import type { CostRecorder } from './costs.js';
import { schedule } from '../timeline/schedule.js';
import { summarize } from '../timeline/summary.js';
import { toTrace, writeTrace } from '../timeline/trace.js';
import { hardwareRates } from '../perf/rates.js';
import type { Settings, TraceInfo, TrainResult } from './options.js';

/** The timeline of the committed steps (null when none ran); writes the trace to `tracePath` when given. */
export function buildTimeline(recorder: CostRecorder, s: Settings, N: number, trainSeconds: number, tracePath?: string): TrainResult['timeline'] {
  const layers = recorder.layerCosts(hardwareRates(s.specs, N), s.efficiency);
  if (!layers) return null;
  const halfDuplex = !s.specs.cs2.v.ioFullDuplex;
  const { pipeline } = s;
  let trace: TraceInfo | null = null;
  if (tracePath) {
    // a schedule's first k steps do not depend on later ones: the drawn prefix is scheduled alone
    const drawn = Math.min(recorder.steps, s.traceMaxSteps);
    const sched = schedule(layers, drawn, pipeline, { halfDuplex });
    const tr = toTrace(sched, layers, N, {
      pipeline,
      systems: N,
      stepsRun: recorder.steps,
      stepsDrawn: drawn,
      rule: `the first ${s.traceMaxSteps} steps are drawn; later ones repeat the steady state`,
      timeUnit: 'simulated microseconds of the spec\'d hardware',
      simulatorWallSecondsPerStep: trainSeconds / recorder.steps,
    });
    const bytes = writeTrace(tracePath, tr);
    trace = { file: tracePath, steps: drawn, events: tr.traceEvents.length, bytes };
  }
  return { ...summarize(layers, recorder.steps, pipeline, { halfDuplex }), layers, trace };
}
