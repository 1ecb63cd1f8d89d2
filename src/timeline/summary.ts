// What a schedule says in a few numbers, the same for the training engine (measured bytes/FLOP) and the
// at-scale model (analytic bytes/FLOP): simulated seconds per step, the exposed latency per step (what
// the pipeline failed to hide behind the wafers' compute) and each resource's utilisation.
import { exposedSeconds, schedule, type LayerCost, type PipelineMode, type Resource, type Schedule, type ScheduleOptions } from './schedule.js';

export interface TimelineSummary {
  pipeline: PipelineMode;
  /** Steps scheduled. */
  steps: number;
  /** Steady-state simulated seconds per step (schedule.ts: stepSeconds). */
  simulatedStepSeconds: number;
  /** Simulated seconds of the first step (the pipeline filling, nothing to overlap with yet). */
  firstStepSeconds: number;
  /** Simulated seconds of all steps (the schedule's makespan). */
  simulatedSeconds: number;
  /** Per step (steady state): step seconds − the wafers' compute seconds = what the pipeline did not hide. */
  exposedLatencySeconds: number;
  /** Busy seconds / simulated seconds, per resource (stream, compute, gradOut, reduce, update). */
  utilization: Record<Resource, number>;
  /** Busy seconds per step of each resource (sum of its event durations in one step). */
  busySecondsPerStep: Record<Resource, number>;
}

/** Summary of an existing schedule. */
export function summarizeSchedule(layers: readonly LayerCost[], sched: Schedule): TimelineSummary {
  const steps = sched.stepEnds.length;
  const utilization = {} as Record<Resource, number>;
  const perStep = {} as Record<Resource, number>;
  for (const r of Object.keys(sched.busy) as Resource[]) {
    utilization[r] = sched.makespan > 0 ? sched.busy[r] / sched.makespan : 0;
    perStep[r] = sched.busy[r] / steps;
  }
  return {
    pipeline: sched.mode,
    steps,
    simulatedStepSeconds: sched.stepSeconds,
    firstStepSeconds: sched.stepEnds[0],
    simulatedSeconds: sched.makespan,
    exposedLatencySeconds: exposedSeconds(layers, sched),
    utilization,
    busySecondsPerStep: perStep,
  };
}

/** Steps scheduled event by event at most; longer runs are extrapolated (see summarize). */
export const MAX_SCHEDULED_STEPS = 1000;

/**
 * Schedules `steps` steps of `layers` in `mode` and summarises them. Every step costs the same, so after a
 * short transient the schedule repeats with a fixed period; beyond `maxScheduled` steps (default 1000)
 * only the first `maxScheduled` are scheduled and each further step adds the last scheduled step's
 * period (to the end time, the step average and the busy times alike), so memory stays bounded.
 */
export function summarize(layers: readonly LayerCost[], steps: number, mode: PipelineMode, options: ScheduleOptions = {}, maxScheduled = MAX_SCHEDULED_STEPS): TimelineSummary {
  const k = Math.min(steps, Math.max(2, maxScheduled));
  const sched = schedule(layers, k, mode, { ...options, events: false });
  const s = summarizeSchedule(layers, sched);
  if (k === steps) return s;
  const ends = sched.stepEnds;
  const period = ends[k - 1] - ends[k - 2];
  const extra = steps - k;
  const total = sched.makespan + extra * period;
  const stepSeconds = (ends[k - 1] - ends[0] + extra * period) / (steps - 1);
  const utilization = {} as Record<Resource, number>;
  for (const r of Object.keys(s.busySecondsPerStep) as Resource[]) utilization[r] = total > 0 ? (s.busySecondsPerStep[r] * steps) / total : 0;
  return { ...s, steps, simulatedStepSeconds: stepSeconds, simulatedSeconds: total, exposedLatencySeconds: Math.max(0, stepSeconds - sched.computeSecondsPerStep), utilization };
}
