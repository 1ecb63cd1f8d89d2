// The weight-streaming step as a dependency graph of events in simulated time (issue 6, M3).
// Per step s and layer l (forward order 0..L-1, backward L-1..0):
//   streamFwd(s,l) → forward(s,l) … streamBwd(s,l) → delta(s,l) → gradient(s,l) → gradOut(s,l) → reduce(s,l) → update(s,l)
// Each event runs on one resource; a resource runs its events one at a time in program order, and an
// event starts when its resource is free and all its dependencies have ended (ASAP list scheduling).
// The pipeline mode only changes the dependency edges:
//   none   every event waits for the previous event of the step program (one serial chain);
//   coarse the coarse-grained pipeline: weights of layer l+1 stream while layer l computes (one layer of
//          look-ahead: a layer's weights start streaming when the previous layer's compute starts, as with
//          double buffering), and gradients of layer l stream out and reduce while layer l-1 runs its
//          backward; the optimizer runs once every gradient is reduced (as an ordinary optimizer.step()),
//          and the next step's forward waits for every update (an iteration barrier);
//   full   coarse plus the fine-grained pipeline: MemoryX updates layer l as soon as its gradient is
//          reduced (overlapping the backward of layers < l), and the next step's forward of layer l (its
//          weight stream) waits only for update(s,l). Only the update of layer 0 — the last gradient to
//          arrive — stays exposed, at the iteration boundary.
// One exception to "one event at a time": the SwarmX reduce tree is pipelined (it sums the gradients at
// line rate as they stream through, so the next layer's gradients enter right behind the previous ones);
// a reduce event lasts the tree's latency after its gradient-out ends but never holds the tree — its
// line-rate occupancy is the gradient-out time, already on the gradOut resource.
// Durations are inputs (seconds of the simulated hardware), computed from bytes and FLOP by
// src/perf/rates.ts (eventSeconds), the same conversion the at-scale model uses.
import { ValidationError } from '../errors.js';

export type PipelineMode = 'none' | 'coarse' | 'full';
export const PIPELINE_MODES: readonly PipelineMode[] = ['none', 'coarse', 'full'];

export type EventKind = 'streamFwd' | 'forward' | 'streamBwd' | 'delta' | 'gradient' | 'gradOut' | 'reduce' | 'update';

/** Resources whose events overlap one another (a pipeline of fixed latency): the SwarmX tree. */
export const PIPELINED: ReadonlySet<Resource> = new Set<Resource>(['reduce']);

/** The resource each kind of event occupies. */
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
/** stream: MemoryX → SwarmX → CS-2 broadcast; compute: the CS-2 wafers (in lockstep); gradOut: CS-2 → SwarmX;
 *  reduce: the SwarmX tree; update: the optimizer in MemoryX. */
export type Resource = 'stream' | 'compute' | 'gradOut' | 'reduce' | 'update';

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
}

export interface Schedule {
  mode: PipelineMode;
  events: ScheduledEvent[];
  /** End of the last event. */
  makespan: number;
  /** End of each step's last event (its last update). */
  stepEnds: number[];
  /** Steady-state seconds per step: (stepEnds[S-1] - stepEnds[0]) / (S-1), or the makespan when S = 1. */
  stepSeconds: number;
  /** Busy seconds per resource over the whole schedule (a pipelined resource: seconds with work in flight). */
  busy: Record<Resource, number>;
}

/** The program order of one step's events: forward 0..L-1, then backward L-1..0; in 'coarse' the updates
 *  come after the whole backward pass, otherwise each layer's update follows its reduce. */
function stepProgram(L: number, mode: PipelineMode): Array<[EventKind, number]> {
  const p: Array<[EventKind, number]> = [];
  for (let l = 0; l < L; l++) p.push(['streamFwd', l], ['forward', l]);
  for (let l = L - 1; l >= 0; l--) {
    p.push(['streamBwd', l], ['delta', l], ['gradient', l], ['gradOut', l], ['reduce', l]);
    if (mode !== 'coarse') p.push(['update', l]);
  }
  if (mode === 'coarse') for (let l = L - 1; l >= 0; l--) p.push(['update', l]);
  return p;
}

export interface ScheduleOptions {
  /**
   * The CS-2 I/O is half duplex: gradients go out on the weight-stream link (resource 'stream'), in
   * program order with the streams (the spec's `ioFullDuplex: false`). Default false: their own link.
   */
  halfDuplex?: boolean;
}

/** Schedules `steps` training steps of a model whose layers cost `layers`, in the given pipeline mode. */
export function schedule(layers: readonly LayerCost[], steps: number, mode: PipelineMode, options: ScheduleOptions = {}): Schedule {
  if (!PIPELINE_MODES.includes(mode)) throw new ValidationError('pipeline', mode, `expected one of ${PIPELINE_MODES.join(', ')}`);
  if (!Number.isInteger(steps) || steps < 1) throw new ValidationError('steps', steps, 'expected an integer >= 1');
  if (layers.length === 0) throw new ValidationError('layers', layers, 'expected at least one layer');
  layers.forEach((c, l) => {
    for (const k of Object.keys(RESOURCE_OF) as EventKind[]) {
      const s = c.seconds[k];
      if (typeof s !== 'number' || !Number.isFinite(s) || s < 0) throw new ValidationError(`layers[${l}].seconds.${k}`, s, 'expected a finite number >= 0');
    }
  });
  const L = layers.length;
  const program = stepProgram(L, mode);
  const free: Record<Resource, number> = { stream: 0, compute: 0, gradOut: 0, reduce: 0, update: 0 };
  const busy: Record<Resource, number> = { stream: 0, compute: 0, gradOut: 0, reduce: 0, update: 0 };
  const covered: Record<Resource, number> = { stream: 0, compute: 0, gradOut: 0, reduce: 0, update: 0 };
  const events: ScheduledEvent[] = [];
  const stepEnds: number[] = [];
  let prevEnd = 0; // end of the previous event in program order (the serial chain of 'none')
  let prevUpdates: number[] = []; // end of update(s-1, l)
  let prevStepEnd = 0;
  for (let s = 0; s < steps; s++) {
    const end = new Map<string, number>();
    const begin = new Map<string, number>();
    const at = (k: EventKind, l: number) => end.get(`${k}:${l}`) ?? 0;
    const startOf = (k: EventKind, l: number) => begin.get(`${k}:${l}`) ?? 0;
    let stepEnd = 0;
    for (const [kind, l] of program) {
      const deps: number[] = [];
      if (mode === 'none') deps.push(prevEnd);
      else {
        switch (kind) {
          case 'streamFwd':
            // the weights must be updated before they stream again
            deps.push(mode === 'full' ? (prevUpdates[l] ?? 0) : prevStepEnd);
            if (l > 0) deps.push(startOf('forward', l - 1)); // one layer of look-ahead
            break;
          case 'forward':
            deps.push(at('streamFwd', l), l > 0 ? at('forward', l - 1) : 0);
            break;
          case 'streamBwd':
            // one layer of look-ahead: starts when the compute of the layer before it (in backward order) starts
            deps.push(l === L - 1 ? startOf('forward', L - 1) : startOf('delta', l + 1));
            break;
          case 'delta':
            deps.push(at('streamBwd', l), l === L - 1 ? at('forward', L - 1) : at('gradient', l + 1));
            break;
          case 'gradient':
            deps.push(at('delta', l));
            break;
          case 'gradOut':
            deps.push(at('gradient', l));
            break;
          case 'reduce':
            deps.push(at('gradOut', l));
            break;
          case 'update':
            deps.push(at('reduce', l));
            if (mode === 'coarse') deps.push(at('reduce', 0)); // after every gradient is reduced
            break;
        }
      }
      const resource = kind === 'gradOut' && options.halfDuplex ? 'stream' : RESOURCE_OF[kind];
      const pipelined = PIPELINED.has(resource);
      const start = Math.max(pipelined ? 0 : free[resource], ...deps);
      const e = start + layers[l].seconds[kind];
      if (!pipelined) free[resource] = e;
      // busy: the time the resource has work (for a pipelined one, the union of its events' intervals)
      busy[resource] += Math.max(0, e - Math.max(start, covered[resource]));
      covered[resource] = Math.max(covered[resource], e);
      end.set(`${kind}:${l}`, e);
      begin.set(`${kind}:${l}`, start);
      events.push({ step: s, layer: l, kind, resource, start, end: e });
      prevEnd = e;
      stepEnd = Math.max(stepEnd, e);
    }
    prevUpdates = Array.from({ length: L }, (_, l) => at('update', l));
    prevStepEnd = stepEnd;
    stepEnds.push(stepEnd);
  }
  const makespan = Math.max(...events.map((e) => e.end));
  const stepSeconds = steps === 1 ? makespan : (stepEnds[steps - 1] - stepEnds[0]) / (steps - 1);
  return { mode, events, makespan, stepEnds, stepSeconds, busy };
}

/** Seconds per step the wafers sit idle: what the pipeline failed to hide (steady state). */
export function exposedSeconds(layers: readonly LayerCost[], sched: Schedule): number {
  let compute = 0;
  for (const c of layers) compute += c.seconds.forward + c.seconds.delta + c.seconds.gradient;
  return Math.max(0, sched.stepSeconds - compute);
}
