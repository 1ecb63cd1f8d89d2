// THE step scheduler of weightstream: one training step of weight streaming as a dependency graph of
// events in simulated time, used by the training engine's simulated time (measured bytes/FLOP, via
// src/cluster) and by the at-scale model (analytic bytes/FLOP, src/perf/estimate.ts and pipeline.ts).
// Per step s, micro-batch k and layer l (forward order 0..L-1, backward L-1..0):
//   streamFwd(l) → forward(l) … streamBwd(l) → delta(l) → gradient(l) → gradOut(l) → reduce(l) → update(l)
// (update only after the last micro-batch). With recomputation, a recomputed group of layers [a, b) has
// its forward redone — weights streamed again (streamFwd, forward marked `recompute`) — right before its
// backward; with `cacheRecomputed` its weights then stay on the wafer and its streamBwd events are dropped.
// Each event runs on one resource; a resource runs its events one at a time in program order, and an
// event starts when its resource is free and all its dependencies have ended (ASAP list scheduling).
// A layer computes once its weights have arrived (store-and-forward per layer, one layer of weights
// buffered ahead: a stream starts when the compute pass before the one it feeds has started).
// The pipeline mode only changes the dependency edges:
//   none   every event waits for the previous event of the step program (one serial chain);
//   coarse the coarse-grained pipeline: the one-layer look-ahead above, gradients of layer l stream out
//          and reduce while layer l-1 runs its backward; the optimizer runs once every gradient is reduced
//          (as an ordinary optimizer.step()), and the next step's forward waits for every update (a barrier);
//   full   coarse plus the fine-grained pipeline: MemoryX updates layer l as soon as its gradient is
//          reduced (overlapping the backward of layers < l), and the next step's forward of layer l (its
//          weight stream) waits only for update(s,l). Only the update of layer 0 — the last gradient to
//          arrive — stays exposed, at the iteration boundary.
// One exception to "one event at a time": the SwarmX reduce tree is pipelined (it sums the gradients at
// line rate as they stream through, so the next layer's gradients enter right behind the previous ones);
// a reduce event lasts the tree's latency after its gradient-out ends but never holds the tree — its
// line-rate occupancy is the gradient-out time, already on the gradOut resource.
// Every step ends with update(s, 0), after which all resources are free: the schedule repeats with the
// period of one step from the start (so the at-scale model schedules one step; the engine averages).
// Durations are inputs (seconds of the simulated hardware), computed from bytes and FLOP by
// src/perf/rates.ts (eventSeconds), the same conversion for both levels.
import { ValidationError } from '../errors.js';
import { StepRun, type EventSink, type ModeCode, type RunConfig } from './run.js';

export type PipelineMode = 'none' | 'coarse' | 'full';
export const PIPELINE_MODES: readonly PipelineMode[] = ['none', 'coarse', 'full'];

/** THE event vocabulary of one layer in one step (the engine's recorder, the rates and the trace use it). */
export type EventKind = 'streamFwd' | 'forward' | 'streamBwd' | 'delta' | 'gradient' | 'gradOut' | 'reduce' | 'update';
export const EVENT_KINDS: readonly EventKind[] = ['streamFwd', 'forward', 'streamBwd', 'delta', 'gradient', 'gradOut', 'reduce', 'update'];

/** stream: MemoryX → SwarmX → CS-2 broadcast; compute: the CS-2 wafers (in lockstep); gradOut: CS-2 → SwarmX;
 *  reduce: the SwarmX tree; update: the optimizer in MemoryX. */
export type Resource = 'stream' | 'compute' | 'gradOut' | 'reduce' | 'update';
const RESOURCES: readonly Resource[] = ['stream', 'compute', 'gradOut', 'reduce', 'update'];

/** Resources whose events overlap one another (a pipeline of fixed latency): the SwarmX tree. */
export const PIPELINED: ReadonlySet<Resource> = new Set<Resource>(['reduce']);

/** The resource each kind of event occupies (gradOut: 'stream' when the I/O is half duplex). */
export const RESOURCE_OF: Record<EventKind, Resource> = {
  streamFwd: 'stream',
  forward: 'compute',
  streamBwd: 'stream',
  delta: 'compute',
  gradient: 'compute',
  gradOut: 'gradOut',
  reduce: 'reduce',
  update: 'update',
};

/** Durations (simulated seconds) of one layer's events, plus what they moved and computed (for the trace). */
export interface LayerCost {
  name: string;
  seconds: Record<EventKind, number>;
  /** Bytes moved / FLOP done per event kind (optional, recorded as trace arguments). */
  bytes?: Partial<Record<EventKind, number>>;
  flop?: Partial<Record<EventKind, number>>;
}

export interface ScheduledEvent {
  step: number;
  layer: number;
  kind: EventKind;
  resource: Resource;
  start: number;
  end: number;
  /** Micro-batch index (present only with microBatches > 1). */
  micro?: number;
  /** A recomputed forward (or its weight stream), present only when true. */
  recompute?: true;
}

export interface Schedule {
  mode: PipelineMode;
  /** Every event (empty when scheduled with `events: false`). */
  events: ScheduledEvent[];
  /** End of the last event. */
  makespan: number;
  /** End of each step's last event (its last update). */
  stepEnds: number[];
  /** Steady-state seconds per step: (stepEnds[S-1] - stepEnds[0]) / (S-1), or the makespan when S = 1. */
  stepSeconds: number;
  /** Busy seconds per resource over the whole schedule (a pipelined resource: seconds with work in flight). */
  busy: Record<Resource, number>;
  /** The wafers' compute seconds in one step (every micro-batch, recomputed forwards included). */
  computeSecondsPerStep: number;
  /** First step: end of each micro-batch's last compute event (the marks of the micro-batch period). */
  microEnds: number[];
  /** Last step: seconds from its last event other than an update to its end (the exposed updates). */
  updateTailSeconds: number;
}

export interface ScheduleOptions {
  /**
   * The CS-2 I/O is half duplex: gradients go out on the weight-stream link (resource 'stream'), in
   * program order with the streams (the spec's `ioFullDuplex: false`). Default false: their own link.
   */
  halfDuplex?: boolean;
  /** Micro-batches per step (gradient accumulation): each runs forward and backward and sends its gradients; the updates follow the last. Default 1. */
  microBatches?: number;
  /** Per layer, its recompute group (a contiguous run of one id) or -1: a group's forward is redone, weights streamed again, before its backward. */
  recomputeGroups?: ArrayLike<number>;
  /** Recomputed groups keep their weights on the wafer from the recomputed forward to their backward (no streamBwd). */
  cacheRecomputed?: boolean;
  /** Record every event (default true); false: only the times (the at-scale model's fast path). */
  events?: boolean;
}

function check(layers: readonly LayerCost[], steps: number, mode: PipelineMode, o: ScheduleOptions): void {
  if (!PIPELINE_MODES.includes(mode)) throw new ValidationError('pipeline', mode, `expected one of ${PIPELINE_MODES.join(', ')}`);
  if (!Number.isInteger(steps) || steps < 1) throw new ValidationError('steps', steps, 'expected an integer >= 1');
  if (layers.length === 0) throw new ValidationError('layers', layers, 'expected at least one layer');
  const m = o.microBatches ?? 1;
  if (!Number.isInteger(m) || m < 1) throw new ValidationError('microBatches', m, 'expected an integer >= 1');
  if (o.recomputeGroups !== undefined && o.recomputeGroups.length !== layers.length) throw new ValidationError('recomputeGroups', o.recomputeGroups.length, `expected one group per layer (${layers.length})`);
  layers.forEach((c, l) => {
    for (const k of EVENT_KINDS) {
      const s = c.seconds[k];
      if (typeof s !== 'number' || !Number.isFinite(s) || s < 0) throw new ValidationError(`layers[${l}].seconds.${k}`, s, 'expected a finite number >= 0');
    }
  });
}

/** The wafers' compute seconds of one step: every micro-batch's forward, delta and gradient, plus recomputed forwards. */
function computePerStep(layers: readonly LayerCost[], o: ScheduleOptions): number {
  let compute = 0;
  for (let l = 0; l < layers.length; l++) {
    const c = layers[l].seconds;
    compute += c.forward + c.delta + c.gradient;
    if (o.recomputeGroups && o.recomputeGroups[l] >= 0) compute += c.forward;
  }
  return compute * (o.microBatches ?? 1);
}

const MODE_CODE: Record<PipelineMode, ModeCode> = { none: 0, coarse: 1, full: 2 };

/** The per-layer seconds as a table, 8 per layer in EVENT_KINDS order (the core's input). */
export function secondsTable(layers: readonly LayerCost[]): Float64Array {
  const sec = new Float64Array(8 * layers.length);
  for (let l = 0; l < layers.length; l++) for (let k = 0; k < 8; k++) sec[8 * l + k] = layers[l].seconds[EVENT_KINDS[k]];
  return sec;
}

function config(sec: Float64Array, L: number, mode: PipelineMode, o: ScheduleOptions, microBatches = o.microBatches ?? 1, sink?: EventSink): RunConfig {
  return { sec, L, mode: MODE_CODE[mode], halfDuplex: o.halfDuplex === true, microBatches, groups: o.recomputeGroups, cached: o.cacheRecomputed === true, sink };
}

/** Schedules `steps` training steps of a model whose layers cost `layers`, in the given pipeline mode. */
export function schedule(layers: readonly LayerCost[], steps: number, mode: PipelineMode, options: ScheduleOptions = {}): Schedule {
  check(layers, steps, mode, options);
  const events: ScheduledEvent[] = [];
  const multi = (options.microBatches ?? 1) > 1;
  const sink: EventSink | undefined =
    options.events === false
      ? undefined
      : (step, layer, k, r, start, end, micro, recompute) => {
          const ev: ScheduledEvent = { step, layer, kind: EVENT_KINDS[k], resource: RESOURCES[r], start, end };
          if (multi) ev.micro = micro;
          if (recompute) ev.recompute = true;
          events.push(ev);
        };
  const run = new StepRun(config(secondsTable(layers), layers.length, mode, options, undefined, sink));
  for (let s = 0; s < steps; s++) run.runStep();
  const stepEnds = run.stepEnds;
  const makespan = Math.max(...stepEnds);
  const stepSeconds = steps === 1 ? makespan : (stepEnds[steps - 1] - stepEnds[0]) / (steps - 1);
  const busy = {} as Record<Resource, number>;
  RESOURCES.forEach((r, i) => (busy[r] = run.busy[i]));
  return { mode, events, makespan, stepEnds, stepSeconds, busy, computeSecondsPerStep: computePerStep(layers, options), microEnds: run.microEnds, updateTailSeconds: stepEnds[steps - 1] - run.work };
}

/** Micro-batches scheduled event by event at first by stepTime (then doubled until the period settles). */
export const STEP_TIME_MICRO_BATCHES = 4;

/**
 * The steady-state seconds of one step and its exposed update tail, as `schedule` gives them (every step
 * ends with all resources free, so the period is one step's makespan). With more than
 * STEP_TIME_MICRO_BATCHES micro-batches, schedules the first M (the last of them with the updates) and
 * adds (m − M) × the micro-batch period, once the last two periods of the middle micro-batches agree
 * (relative 1e-12; otherwise M doubles, up to m): the middle micro-batches repeat exactly by then.
 * `sec`: the per-layer seconds table (secondsTable), trusted (the at-scale model's fast path).
 */
export function stepTimeOfTable(sec: Float64Array, L: number, mode: PipelineMode, options: ScheduleOptions = {}): { stepSeconds: number; updateTailSeconds: number } {
  const m = options.microBatches ?? 1;
  for (let M = Math.min(m, STEP_TIME_MICRO_BATCHES); ; M = Math.min(m, 2 * M)) {
    const run = new StepRun(config(sec, L, mode, options, M));
    run.runStep();
    const stepSeconds = run.stepEnds[0];
    const updateTailSeconds = stepSeconds - run.work;
    if (M === m) return { stepSeconds, updateTailSeconds };
    const e = run.microEnds;
    const p1 = e[M - 2] - e[M - 3];
    const p0 = e[M - 3] - e[M - 4];
    if (Math.abs(p1 - p0) <= 1e-12 * Math.abs(p1)) return { stepSeconds: stepSeconds + (m - M) * p1, updateTailSeconds };
  }
}

/** stepTimeOfTable for LayerCost[] (checked). */
export function stepTime(layers: readonly LayerCost[], mode: PipelineMode, options: ScheduleOptions = {}): { stepSeconds: number; updateTailSeconds: number } {
  check(layers, 1, mode, options);
  return stepTimeOfTable(secondsTable(layers), layers.length, mode, options);
}

/** Seconds per step the wafers sit idle: what the pipeline failed to hide (steady state). */
export function exposedSeconds(layers: readonly LayerCost[], sched: Schedule): number {
  return Math.max(0, sched.stepSeconds - sched.computeSecondsPerStep);
}
