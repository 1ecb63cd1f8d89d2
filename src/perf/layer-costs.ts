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
import { computeSeconds, eventSeconds, type Rates } from './rates.js';

const ROW_HEADER_BYTES = 4; // a u32 count of non-zeros per input row (the weight-stream format)
export { ROW_HEADER_BYTES };

/** Sparsity of a layer under the option `sparsity`: its own fixed one, the option's, or 0 (not sparsifiable). */
export function sparsityOf(l: PerfLayer, sparsity: number): number {
  return l.fixedSparsity >= 0 ? l.fixedSparsity : l.sparsifiable ? sparsity : 0;
}

/**
 * Bytes one pass of a layer's weights streams: dense K·N·wb, or sparse (the weight-stream format) the
 * non-zeros with their indices plus a count per input row, whichever is smaller; plus the vectors.
 */
export function layerStreamBytes(l: PerfLayer, s: number, wb: number, ib: number): number {
  let m = 0;
  if (l.matWeights > 0) {
    const dense = l.matWeights * wb;
    m = s > 0 ? Math.min(dense, l.matWeights * (1 - s) * (wb + ib) + l.in * ROW_HEADER_BYTES) : dense;
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
  layers: LayerCost[];
  /** Per unit: its recompute group, or -1 (undefined when nothing is recomputed). */
  recomputeGroups: number[] | undefined;
  bounds: LayerBounds;
}

type Counts = Record<EventKind, number>;
const zero = (): Counts => ({ streamFwd: 0, forward: 0, streamBwd: 0, delta: 0, gradient: 0, gradOut: 0, reduce: 0, update: 0 });
interface Unit { name: string; block: number; checkpoint: boolean; bytes: Counts; flop: Counts; compute: Counts }

/** The efficiency of a layer's shape, checked. */
function efficiencyOf(x: CostInputs, l: PerfLayer, s: number): number {
  const e = x.eff({ kind: l.kind, in: l.in, out: l.out, tokens: x.tokens }, s);
  if (!(e > 0 && e <= 1)) throw new ValidationError(`efficiency(${l.name})`, e, 'expected the efficiency function to return a number in (0, 1]');
  return e;
}

/** Groups the model's layers into streamed units with their bytes, FLOP and compute seconds. */
function gather(x: CostInputs, bounds: LayerBounds): Unit[] {
  const units: Unit[] = [];
  let pending: Unit | null = null; // leading weight-free layers
  const blocksWithCheckpoint = new Set<number>();
  if (x.recompute) for (const l of x.model.layers) if (l.checkpointBytes > 0) blocksWithCheckpoint.add(l.block);
  const fresh = (l: PerfLayer): Unit => ({ name: l.name, block: l.block, checkpoint: false, bytes: zero(), flop: zero(), compute: zero() });
  for (const l of x.model.layers) {
    const s = sparsityOf(l, x.sparsity);
    let u: Unit;
    if (l.streamFwd || l.streamBwd) {
      u = pending ?? fresh(l);
      u.name = l.name;
      u.block = l.block;
      u.checkpoint = blocksWithCheckpoint.has(l.block);
      pending = null;
      units.push(u);
    } else if (units.length) u = units[units.length - 1];
    else u = pending ??= fresh(l);
    const scale = l.flopScalesWithWeights ? 1 - s : 1;
    const fwd = l.fwdFlop * scale * x.tokens;
    const delta = l.deltaFlop * scale * x.tokens;
    const grad = l.gradFlop * scale * x.tokens;
    const e = fwd > 0 || delta > 0 || grad > 0 ? efficiencyOf(x, l, s) : 1;
    u.flop.forward += fwd;
    u.flop.delta += delta;
    u.flop.gradient += grad;
    const cF = fwd > 0 ? computeSeconds(x.rates, fwd, e) : 0;
    const cD = delta > 0 ? computeSeconds(x.rates, delta, e) : 0;
    const cG = grad > 0 ? computeSeconds(x.rates, grad, e) : 0;
    u.compute.forward += cF;
    u.compute.delta += cD;
    u.compute.gradient += cG;
    const sb = layerStreamBytes(l, s, x.wb, x.ib);
    if (l.streamFwd) u.bytes.streamFwd += sb;
    if (l.streamBwd) u.bytes.streamBwd += sb;
    const g = l.gradOut ? (l.matWeights * (1 - s) + l.vecWeights) * x.gb : 0;
    u.bytes.gradOut += g;
    u.bytes.reduce += g;
    u.bytes.update += nonzeroParams(l, s) * x.bpp;
    countBounds(bounds, l, x, sb, g, cF, cD + cG, blocksWithCheckpoint.has(l.block));
  }
  if (units.length === 0) throw new ValidationError('model.layers', x.model.layers.length, 'expected at least one layer with weights');
  return units;
}

/** A layer's bound in the forward (stream or compute) and backward (reduce, stream or compute) pass. */
function countBounds(b: LayerBounds, l: PerfLayer, x: CostInputs, bytes: number, gradBytes: number, fwd: number, bwd: number, recomputed: boolean): void {
  const S = l.streamFwd ? eventSeconds(x.rates, 'streamFwd', bytes, 0, 1) : 0;
  const times = recomputed ? 2 : 1;
  if (fwd > 0 || l.matWeights > 0) {
    if (S > fwd) b.forward.stream += times;
    else b.forward.compute += times;
  }
  if (!(bwd > 0 || l.matWeights > 0)) return;
  const Sb = l.streamBwd && !(recomputed && x.cached) ? eventSeconds(x.rates, 'streamBwd', bytes, 0, 1) : 0;
  const G = l.gradOut ? eventSeconds(x.rates, 'gradOut', gradBytes, 0, 1) : 0;
  if (G > Sb && G > bwd) b.backward.reduce++;
  else if (Sb > bwd) b.backward.stream++;
  else b.backward.compute++;
}

/** The at-scale model's LayerCost per streamed unit, for `tokens` per pass on one system. */
export function unitCosts(x: CostInputs): UnitCosts {
  const bounds: LayerBounds = { forward: { compute: 0, stream: 0 }, backward: { compute: 0, stream: 0, reduce: 0 } };
  const units = gather(x, bounds);
  const layers = units.map((u): LayerCost => {
    const seconds = zero();
    for (const k of EVENT_KINDS) seconds[k] = k === 'forward' || k === 'delta' || k === 'gradient' ? u.compute[k] : eventSeconds(x.rates, k, u.bytes[k], 0, 1);
    return {
      name: u.name,
      seconds,
      bytes: { streamFwd: u.bytes.streamFwd, streamBwd: u.bytes.streamBwd, gradOut: u.bytes.gradOut, reduce: u.bytes.reduce, update: u.bytes.update },
      flop: { forward: u.flop.forward, delta: u.flop.delta, gradient: u.flop.gradient },
    };
  });
  const recomputeGroups = x.recompute ? units.map((u) => (u.checkpoint ? u.block : -1)) : undefined;
  return { layers, recomputeGroups, bounds };
}
