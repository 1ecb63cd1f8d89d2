// The at-scale model's input to THE scheduler (src/timeline/schedule.ts): its ANALYTIC bytes and FLOP
// per streamed layer, turned into event seconds by the conversion the engine uses too (src/perf/rates.ts).
// Both `estimate()` and `pipelineEstimate()` build their LayerCost[] here, so the at-scale step and the
// engine's simulated step are one schedule of one kind of input.
//
// Layers are grouped as the engine streams them: a unit is a layer with weights plus the weight-free
// layers after it (leading weight-free layers join the first unit); its FLOP and seconds are the sums of
// its layers' (each layer's compute seconds at its own efficiency(shape, sparsity)). A unit's recompute
// group is its weighted layer's block, when that block keeps a checkpoint (full recomputation).
// Legend: t = tokens per pass on one system, s = a layer's sparsity, wb/gb/ib = bytes per streamed weight /
// gradient / sparse index, bpp = optimizer-state bytes MemoryX touches per non-zero parameter.
import { ValidationError } from '../errors.js';
import { EVENT_KINDS, type EventKind, type LayerCost } from '../timeline/schedule.js';
import type { EfficiencyFn } from './efficiency.js';
import type { PerfLayer } from './layers.js';
import type { PerfModel } from './models.js';
import { computeSeconds, eventSecondsOf, type Rates } from './rates.js';

const ROW_HEADER_BYTES = 4; // a u32 count of non-zeros per row of the layout: per output column forward, per input row backward (the weight-stream format)
export { ROW_HEADER_BYTES };

/** Sparsity of a layer under the option `sparsity`: its own fixed one, the option's, or 0 (not sparsifiable). */
export function sparsityOf(l: PerfLayer, sparsity: number): number {
  return l.fixedSparsity >= 0 ? l.fixedSparsity : l.sparsifiable ? sparsity : 0;
}

/**
 * Bytes one pass of a layer's weights streams: dense K·N·wb, or sparse (the weight-stream format) the
 * non-zeros with their indices plus a count per row of the pass's layout (the forward's column layout: per
 * output; the backward's row layout: per input), whichever is smaller; plus the vectors.
 */
export function layerStreamBytes(l: PerfLayer, s: number, wb: number, ib: number, pass: 'forward' | 'backward' = 'backward'): number {
  let m = 0;
  if (l.matWeights > 0) {
    const dense = l.matWeights * wb;
    const rows = pass === 'forward' ? l.out : l.in;
    m = s > 0 ? Math.min(dense, l.matWeights * (1 - s) * (wb + ib) + rows * (l.experts ?? 1) * ROW_HEADER_BYTES) : dense;
  }
  return m + l.vecWeights * wb;
}

/** Non-zero parameters a layer owns at sparsity s (what MemoryX keeps and updates). */
export function nonzeroParams(l: PerfLayer, s: number): number {
  return l.params >= l.matWeights ? l.params - l.matWeights * s : l.params;
}

export interface CostInputs {
  model: PerfModel;
  /** The option `sparsity` (layers may fix their own). */
  sparsity: number;
  /** Tokens per pass on one system. */
  tokens: number;
  wb: number;
  gb: number;
  ib: number;
  /** Optimizer-state bytes touched per non-zero parameter in one update. */
  bpp: number;
  rates: Rates;
  eff: EfficiencyFn;
  /** Full recomputation: units in blocks with a checkpoint get a recompute group. */
  recompute: boolean;
  /** The recomputed groups keep their weights for the backward (no backward stream): for the layer bounds. */
  cached?: boolean;
}

/** Layers bound by each resource (forward counts recomputed forwards too); matmul or compute layers only. */
export interface LayerBounds {
  forward: { compute: number; stream: number };
  backward: { compute: number; stream: number; reduce: number };
}

export interface UnitCosts {
  /** Streamed units. */
  count: number;
  names: string[];
  /** Per unit, 8 values in EVENT_KINDS order: seconds (the scheduler's table), bytes moved, FLOP per system. */
  sec: Float64Array;
  bytes: Float64Array;
  flop: Float64Array;
  /** Per unit: its recompute group, or -1 (undefined when nothing is recomputed). */
  recomputeGroups: Int32Array | undefined;
  bounds: LayerBounds;
}

/** The events whose seconds come from bytes: streamFwd, streamBwd, gradOut, reduce, update (EVENT_KINDS codes). */
const BYTE_KINDS = [0, 2, 5, 6, 7];

/** The efficiency of a layer's shape, checked. */
function efficiencyOf(x: CostInputs, l: PerfLayer, s: number): number {
  const e = x.eff({ kind: l.kind, in: l.in, out: l.out, tokens: x.tokens }, s);
  if (!(e > 0 && e <= 1)) throw new ValidationError(`efficiency(${l.name})`, e, 'expected the efficiency function to return a number in (0, 1]');
  return e;
}

/**
 * The at-scale model's costs per streamed unit, for `tokens` per pass on one system: the model's layers
 * grouped into units, their bytes, FLOP and compute seconds summed, then the other events' seconds.
 */
export function unitCosts(x: CostInputs): UnitCosts {
  const layers = x.model.layers;
  const n = layers.length;
  const bounds: LayerBounds = { forward: { compute: 0, stream: 0 }, backward: { compute: 0, stream: 0, reduce: 0 } };
  const buf = new Float64Array(24 * n); // one allocation: seconds, bytes, FLOP
  const sec = buf.subarray(0, 8 * n);
  const bytes = buf.subarray(8 * n, 16 * n);
  const flop = buf.subarray(16 * n, 24 * n);
  const names: string[] = [];
  const blockOf: number[] = [];
  const checkpointed = new Set<number>();
  if (x.recompute) for (const l of layers) if (l.checkpointBytes > 0) checkpointed.add(l.block);
  let units = 0;
  let pending = false; // leading weight-free layers sit in unit 0 before it has weights
  for (const l of layers) {
    const s = sparsityOf(l, x.sparsity);
    let u: number;
    if (l.streamFwd || l.streamBwd) {
      u = pending ? 0 : units;
      pending = false;
      units = u + 1;
      names[u] = l.name;
      blockOf[u] = l.block;
    } else if (units > 0) u = units - 1;
    else (u = 0), (pending = true);
    const o = 8 * u;
    const scale = l.flopScalesWithWeights ? 1 - s : 1;
    const fwd = l.fwdFlop * scale * x.tokens;
    const delta = l.deltaFlop * scale * x.tokens;
    const grad = l.gradFlop * scale * x.tokens;
    const e = fwd > 0 || delta > 0 || grad > 0 ? efficiencyOf(x, l, s) : 1;
    flop[o + 1] += fwd;
    flop[o + 3] += delta;
    flop[o + 4] += grad;
    const cF = fwd > 0 ? computeSeconds(x.rates, fwd, e) : 0;
    const cD = delta > 0 ? computeSeconds(x.rates, delta, e) : 0;
    const cG = grad > 0 ? computeSeconds(x.rates, grad, e) : 0;
    sec[o + 1] += cF;
    sec[o + 3] += cD;
    sec[o + 4] += cG;
    const sbF = layerStreamBytes(l, s, x.wb, x.ib, 'forward');
    const sb = layerStreamBytes(l, s, x.wb, x.ib, 'backward');
    if (l.streamFwd) bytes[o] += sbF;
    if (l.streamBwd) bytes[o + 2] += sb;
    const g = l.gradOut ? (l.matWeights * (1 - s) + l.vecWeights) * x.gb : 0;
    bytes[o + 5] += g;
    bytes[o + 6] += g;
    bytes[o + 7] += nonzeroParams(l, s) * x.bpp;
    countBounds(bounds, l, x, sbF, sb, g, cF, cD + cG, checkpointed.has(l.block));
  }
  if (units === 0) throw new ValidationError('model.layers', n, 'expected at least one layer with weights');
  for (let u = 0; u < units; u++) {
    const o = 8 * u;
    for (let j = 0; j < BYTE_KINDS.length; j++) {
      const k = BYTE_KINDS[j];
      sec[o + k] = eventSecondsOf(x.rates, EVENT_KINDS[k], bytes[o + k], 0, 1);
    }
  }
  const recomputeGroups = x.recompute ? Int32Array.from(blockOf.slice(0, units), (b) => (checkpointed.has(b) ? b : -1)) : undefined;
  return { count: units, names: names.slice(0, units), sec: sec.subarray(0, 8 * units), bytes: bytes.subarray(0, 8 * units), flop: flop.subarray(0, 8 * units), recomputeGroups, bounds };
}

/** The units as the scheduler's LayerCost records (with bytes and FLOP for the trace). */
export function toLayerCosts(u: UnitCosts): LayerCost[] {
  return u.names.map((name, i) => {
    const at = (t: Float64Array, k: number) => t[8 * i + k];
    const seconds = {} as Record<EventKind, number>;
    EVENT_KINDS.forEach((k, j) => (seconds[k] = at(u.sec, j)));
    return {
      name,
      seconds,
      bytes: { streamFwd: at(u.bytes, 0), streamBwd: at(u.bytes, 2), gradOut: at(u.bytes, 5), reduce: at(u.bytes, 6), update: at(u.bytes, 7) },
      flop: { forward: at(u.flop, 1), delta: at(u.flop, 3), gradient: at(u.flop, 4) },
    };
  });
}

/** A layer's bound in the forward (stream or compute) and backward (reduce, stream or compute) pass. */
function countBounds(b: LayerBounds, l: PerfLayer, x: CostInputs, bytesF: number, bytes: number, gradBytes: number, fwd: number, bwd: number, recomputed: boolean): void {
  const S = l.streamFwd ? eventSecondsOf(x.rates, 'streamFwd', bytesF, 0, 1) : 0;
  const times = recomputed ? 2 : 1;
  if (fwd > 0 || l.matWeights > 0) {
    if (S > fwd) b.forward.stream += times;
    else b.forward.compute += times;
  }
  if (!(bwd > 0 || l.matWeights > 0)) return;
  const Sb = l.streamBwd && !(recomputed && x.cached) ? eventSecondsOf(x.rates, 'streamBwd', bytes, 0, 1) : 0;
  const G = l.gradOut ? eventSecondsOf(x.rates, 'gradOut', gradBytes, 0, 1) : 0;
  if (G > Sb && G > bwd) b.backward.reduce++;
  else if (Sb > bwd) b.backward.stream++;
  else b.backward.compute++;
}
