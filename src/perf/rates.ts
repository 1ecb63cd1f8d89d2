// The ONE conversion from what a layer's events move and compute to seconds of the simulated hardware,
// shared by the at-scale estimate (analytic bytes / FLOP) and the training engine's timeline (the bytes
// and FLOP a functional run really moved and computed). Rates come from the spec files (src/perf/specs.ts).
//
// Per event of one layer on one CS-2 (all N systems alike, data parallel):
//   weights in   (streamFwd, streamBwd)  bytes / min(CS-2 I/O, MemoryX stream, SwarmX lanes × port rate)
//   compute      (forward, delta, gradient) FLOP / (CS-2 peak × efficiency)
//   gradient out (gradOut)                bytes / the same link (full duplex: its own direction)
//   reduce       (reduce)                 depth × hop latency of the SwarmX tree (ceil(log_fanIn N) levels);
//                                         the tree sums at line rate as the gradients stream through, so
//                                         its bandwidth term is the gradient-out time already counted
//   update       (update)                 optimizer-state bytes MemoryX touches / MemoryX update bandwidth
import type { EventKind } from '../timeline/schedule.js';
import type { Specs } from './specs.js';
import { swarmxTree } from './swarmx.js';

import { ValidationError, requireInt, requireObject } from '../errors.js';
/** The rates of one configuration (N systems): what the durations divide by. */
export interface Rates {
  /** Weight-stream link, MemoryX → SwarmX → one CS-2 (GB/s): min of CS-2 I/O, MemoryX stream, SwarmX lanes. */
  linkGBps: number;
  /** The three terms of that min: the system's I/O, MemoryX's stream, SwarmX lanes × port rate (GB/s). */
  ioGBps: number;
  memoryxGBps: number;
  lanesGBps: number;
  /** SwarmX lanes per system: the spec's portsPerSystem, or derived ceil(I/O × 8 / port rate) when it is null. */
  lanes: number;
  /** Whether the lane count was derived from the I/O (the spec gave none). */
  lanesDerived: boolean;
  streamBytesPerSecond: number;
  gradBytesPerSecond: number;
  /** CS-2 peak FLOP/s (one system). */
  peakFlopPerSecond: number;
  /** SwarmX tree latency of one traversal (s). */
  reduceLatencySeconds: number;
  /** MemoryX optimizer-state bandwidth (bytes/s). */
  updateBytesPerSecond: number;
}

/** Rates of N CS-2 with MemoryX and SwarmX from the spec files. */
export function hardwareRates(specs: Specs, systems: number): Rates {
  requireObject('specs', specs);
  requireInt('systems', systems, 1);
  const { cs2, memoryx, swarmx } = specs;
  const lanesDerived = swarmx.v.portsPerSystem === null;
  const lanes = swarmx.v.portsPerSystem ?? derivedLanes(cs2.v.ioGBps, swarmx.v.portGbps);
  const lanesGBps = (swarmx.v.portGbps / 8) * lanes;
  const linkGBps = Math.min(cs2.v.ioGBps, memoryx.v.streamGBps, lanesGBps);
  return {
    linkGBps,
    ioGBps: cs2.v.ioGBps,
    memoryxGBps: memoryx.v.streamGBps,
    lanesGBps,
    lanes,
    lanesDerived,
    streamBytesPerSecond: linkGBps * 1e9,
    gradBytesPerSecond: linkGBps * 1e9,
    peakFlopPerSecond: cs2.v.peakPFLOPs * 1e15,
    reduceLatencySeconds: swarmxTree(systems, swarmx.v.fanIn, swarmx.v.hopLatencyUs).latencySeconds,
    updateBytesPerSecond: memoryx.v.updateGBps * 1e9,
  };
}

/** SwarmX lanes a system's I/O fills: ceil(I/O GB/s × 8 / port Gb/s) (1.2 Tb/s / 100 Gb/s = 12 for a CS-2). */
export function derivedLanes(ioGBps: number, portGbps: number): number {
  return Math.ceil((ioGBps * 8) / portGbps - 1e-9);
}

export const streamSeconds = (r: Rates, bytes: number): number => bytes / r.streamBytesPerSecond;
export const computeSeconds = (r: Rates, flop: number, efficiency: number): number => flop / (r.peakFlopPerSecond * efficiency);
export const gradOutSeconds = (r: Rates, bytes: number): number => bytes / r.gradBytesPerSecond;
export const updateSeconds = (r: Rates, bytes: number): number => bytes / r.updateBytesPerSecond;

/** The event kinds of one layer in one step: the scheduler's vocabulary (src/timeline/schedule.ts EventKind). */
export type RateEventKind = EventKind;

/**
 * Seconds one event takes on the simulated hardware, from the bytes it moves and the FLOP it computes
 * (per system for compute and gradient out). A reduce costs the tree latency (only when the layer
 * sends gradients: bytes > 0).
 */
export function eventSeconds(r: Rates, kind: EventKind, bytes: number, flop: number, efficiency: number): number {
  if (!(bytes >= 0 && bytes < Infinity)) throw new ValidationError('bytes', bytes, 'expected a finite number >= 0');
  if (!(flop >= 0 && flop < Infinity)) throw new ValidationError('flop', flop, 'expected a finite number >= 0');
  if (!(efficiency > 0 && efficiency <= 1)) throw new ValidationError('efficiency', efficiency, 'expected a number in (0, 1]');
  return eventSecondsOf(r, kind, bytes, flop, efficiency);
}

/** eventSeconds for values the caller has checked (the estimate's and the engine's per-layer loops). */
export function eventSecondsOf(r: Rates, kind: EventKind, bytes: number, flop: number, efficiency: number): number {
  switch (kind) {
    case 'streamFwd':
    case 'streamBwd':
      return streamSeconds(r, bytes);
    case 'forward':
    case 'delta':
    case 'gradient':
      return flop > 0 ? computeSeconds(r, flop, efficiency) : 0;
    case 'gradOut':
      return gradOutSeconds(r, bytes);
    case 'reduce':
      return bytes > 0 ? r.reduceLatencySeconds : 0;
    case 'update':
      return updateSeconds(r, bytes);
    default:
      throw new ValidationError('kind', kind, `expected one of streamFwd, streamBwd, forward, delta, gradient, gradOut, reduce, update`);
  }
}
