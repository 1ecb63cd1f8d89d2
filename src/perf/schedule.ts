// One training step of one CS-2 as a layer-level schedule (all N systems are alike: data parallel).
// Per micro-batch: forward over the layers in order, then backward in reverse order (with full
// recomputation, each group's forward is redone — weights streamed again — before its backward; with
// `cacheBlockWeights` the group's weights then stay on the wafer for its backward instead of a third pass).
//
// Coarse-grained pipeline, per layer l (times relative to the micro-batch start):
//   stream  s_l: starts when the input link is free and layer l-1 has started computing (one layer of
//                weights in flight ahead of the compute), lasts S_l = bytes_l / link bandwidth
//   compute c_l: starts when layer l-1 is done and l's weights have started arriving (the wafer computes
//                as weights stream through), ends at max(start + C_l, end of s_l)
//   backward only — gradient out g_l: on the output link (full duplex: its own link), as computed,
//                ends at max(link free + G_l, end of c_l); reduced in SwarmX at line rate (+ depth × hop)
//   last micro-batch only — update u_l in MemoryX: FIFO in backward order, from the reduced gradient,
//                P_l × bytes touched / update bandwidth. The next step's layer-l forward waits for u_l;
//                the first layer's update is the last one, so only it is exposed (the iteration boundary).
// Step = (m − 1) × T_microbatch + T_last, with T_last including the exposed update and one broadcast latency.
import type { PerfLayer } from './layers.js';

/** Per-layer inputs of one schedule run (seconds), filled by the estimate; index = layer. */
export interface LayerTimes {
  /** Stream seconds of the layer's weights (one pass). */
  stream: Float64Array;
  /** Compute seconds: forward, and backward (delta + gradient). */
  fwd: Float64Array;
  bwd: Float64Array;
  /** Gradient-out seconds. */
  grad: Float64Array;
  /** Update seconds in MemoryX. */
  update: Float64Array;
}

export interface ScheduleResult {
  microBatchSeconds: number;
  lastMicroBatchSeconds: number;
  /** Time after the last compute/gradient of the step until the next step's forward can start. */
  exposedSeconds: number;
  /** Busy seconds per micro-batch (update: per step) by resource. */
  computeSeconds: number;
  streamSeconds: number;
  gradSeconds: number;
  updateSeconds: number;
  /** Layers with matrix weights or compute (not norms) bound by each resource; forward counts recomputed forwards too. */
  forward: { compute: number; stream: number };
  backward: { compute: number; stream: number; reduce: number };
}

const groupCache = new WeakMap<readonly PerfLayer[], Int32Array>();

/** [start0, end0, start1, end1, ...]: the recompute groups as index ranges (end exclusive), in order. */
export function groups(layers: readonly PerfLayer[]): Int32Array {
  const hit = groupCache.get(layers);
  if (hit) return hit;
  const out: number[] = [];
  let start = 0;
  for (let i = 1; i <= layers.length; i++) {
    if (i === layers.length || layers[i].block !== layers[start].block) {
      out.push(start, i);
      start = i;
    }
  }
  const g = Int32Array.from(out);
  groupCache.set(layers, g);
  return g;
}

/**
 * Runs one step's schedule. `recompute`: redo each group's forward (streaming its weights again) before
 * its backward. `fullDuplex`: gradients leave on their own link; otherwise they share the input link.
 */
export function runSchedule(
  layers: readonly PerfLayer[],
  t: LayerTimes,
  recompute: boolean,
  fullDuplex: boolean,
  treeLatency: number,
  cacheBlockWeights = false,
): ScheduleResult {
  let linkFree = 0;
  let outFree = 0;
  let prevCStart = 0;
  let prevCEnd = 0;
  let uFree = 0;
  let cStart = 0;
  let cEnd = 0;
  let busyC = 0;
  let busyS = 0;
  let busyG = 0;
  let busyU = 0;
  let fC = 0;
  let fS = 0;
  let bC = 0;
  let bS = 0;
  let bR = 0;

  // One layer through the link and the compute; updates the shared state, returns nothing.
  const step = (S: number, C: number) => {
    if (S > 0) {
      const sStart = linkFree > prevCStart ? linkFree : prevCStart;
      const sEnd = sStart + S;
      linkFree = sEnd;
      cStart = prevCEnd > sStart ? prevCEnd : sStart;
      cEnd = cStart + C > sEnd ? cStart + C : sEnd;
    } else {
      cStart = prevCEnd;
      cEnd = cStart + C;
    }
    prevCStart = cStart;
    prevCEnd = cEnd;
    busyS += S;
    busyC += C;
  };
  const forward = (i: number) => {
    const S = layers[i].streamFwd ? t.stream[i] : 0;
    const C = t.fwd[i];
    step(S, C);
    if (C > 0 || layers[i].matWeights > 0) {
      if (S > C) fS++;
      else fC++;
    }
  };
  let cached = false; // the current group's weights stayed on the wafer from its recomputed forward
  const backward = (i: number) => {
    const l = layers[i];
    const S = l.streamBwd && !cached ? t.stream[i] : 0;
    const C = t.bwd[i];
    step(S, C);
    let G = 0;
    if (l.gradOut) {
      G = t.grad[i];
      const free = fullDuplex ? outFree : linkFree > outFree ? linkFree : outFree;
      const gStart = free > cStart ? free : cStart;
      const gEnd = gStart + G > cEnd ? gStart + G : cEnd;
      outFree = gEnd;
      if (!fullDuplex) linkFree = gEnd;
      busyG += G;
      const U = t.update[i];
      if (U > 0) {
        const rEnd = gEnd + treeLatency;
        const uStart = uFree > rEnd ? uFree : rEnd;
        uFree = uStart + U;
        busyU += U;
      }
    }
    if (C > 0 || l.matWeights > 0) {
      if (G > S && G > C) bR++;
      else if (S > C) bS++;
      else bC++;
    }
  };

  const n = layers.length;
  for (let i = 0; i < n; i++) forward(i);
  const g = groups(layers);
  for (let k = g.length - 2; k >= 0; k -= 2) {
    const a = g[k];
    const b = g[k + 1];
    const again = recompute && hasCheckpoint(layers, a, b);
    if (again) for (let i = a; i < b; i++) forward(i);
    cached = again && cacheBlockWeights;
    for (let i = b - 1; i >= a; i--) backward(i);
  }
  const work = prevCEnd > outFree ? prevCEnd : outFree;
  const last = (uFree > work ? uFree : work) + treeLatency;
  return {
    microBatchSeconds: work,
    lastMicroBatchSeconds: last,
    exposedSeconds: last - work,
    computeSeconds: busyC,
    streamSeconds: busyS,
    gradSeconds: busyG,
    updateSeconds: busyU,
    forward: { compute: fC, stream: fS },
    backward: { compute: bC, stream: bS, reduce: bR },
  };
}

function hasCheckpoint(layers: readonly PerfLayer[], a: number, b: number): boolean {
  for (let i = a; i < b; i++) if (layers[i].checkpointBytes > 0) return true;
  return false;
}
