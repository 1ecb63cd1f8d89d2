// What one step of the engine did, as events per layer (and later per system), with the bytes moved and
// the FLOP computed: the record a timeline (issue 6, src/timeline) turns into simulated time. The engine
// calls TrainOptions.onEvent for each; nothing is kept unless a caller keeps it.
// Legend: B = global batch, K = in, N = out features, nnz = kept weights, F = width.
import type { Plan } from '../model/plan.js';

/**
 * Event kinds, named as src/timeline/schedule.ts names them, except 'backward': the engine runs a layer's
 * delta and gradient as one command, so it reports them as one event (its flop = delta + gradient).
 */
export type EventKind = 'streamFwd' | 'forward' | 'streamBwd' | 'backward' | 'gradOut' | 'reduce' | 'update';

export interface StepEvent {
  step: number;
  layer: number;
  kind: EventKind;
  /** The system it ran on (compute events: one per system), -1 for MemoryX / SwarmX work (one event for all systems). */
  system: number;
  /**
   * MemoryX / SwarmX work (system -1) that ran on the systems' threads, each on its slice (a REDUCE command:
   * reduceOn or updateOn 'systems'): its span is the command's, from the first system's start to the last
   * one's end, not time of the main thread. Absent for work on the main thread.
   */
  onSystems?: true;
  /**
   * Wall-clock epoch milliseconds (performance.timeOrigin + performance.now(), comparable across threads)
   * of the simulator itself, never simulated time.
   */
  startMs: number;
  endMs: number;
  bytes: number;
  flop: number;
}

/** Epoch milliseconds, comparable between the main thread and the workers. */
export function nowMs(): number {
  return performance.timeOrigin + performance.now();
}

/**
 * FLOP of streamed layer l for B samples (a sample = T columns: the tokens of a sequence): forward, delta
 * (input gradient) and weight gradient. Matmuls (linear, the LM head): 2 per multiply-add per column, over
 * the non-zeros of a sparse weight. Causal attention per sequence and head: Q·Kᵀ and P·V take hd·T(T+1)/2
 * multiply-adds each forward (only t2 ≤ t1), the backward four such products (dP, dV, dQ, dK): twice the forward.
 */
export function layerFlop(plan: Plan, l: number, B: number): { forward: number; delta: number; gradient: number } {
  let forward = 0;
  let delta = 0;
  let gradient = 0;
  const T = plan.seqLen;
  for (const j of plan.layers[l].ops) {
    const op = plan.ops[j];
    if (op.kind === 'attention') {
      const macs = op.outWidth * ((T * (T + 1)) / 2); // Σ over heads of hd·T(T+1)/2 = C·T(T+1)/2
      forward += 2 * 2 * macs * B;
      delta += 2 * 4 * macs * B;
      continue;
    }
    if (op.kind !== 'linear' && op.kind !== 'lm_head') continue;
    const macs = op.kind === 'linear' && op.sparse ? op.sparse.nnz : op.inWidth * op.outWidth;
    forward += 2 * macs * B * T;
    gradient += 2 * macs * B * T;
    if (op.index > plan.layers[0].weightOp) delta += 2 * macs * B * T;
  }
  return { forward, delta, gradient };
}
