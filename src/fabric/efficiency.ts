// Compute efficiency of a layer on the mesh, for the at-scale model (src/perf): how much of the mesh's
// peak FMAC rate a pass of a layer shape at a given unstructured sparsity reaches, measured by running
// the cycle-level simulator (fabricEfficiency) or predicted by the closed form (fabricModelEfficiency).
//
// Legend: B, K, N = batch, input and output features; R x C = the mesh; F = FMAC per core per cycle;
// efficiency = FMACs done / (F · R · C · cycles) (useful work, non-zeros only);
// denseEquivalentEfficiency = B·K·N / (F · R · C · cycles) (what a dense layer would have needed:
// above the efficiency by 1/density, and above 1 when sparsity wins more than the machine loses).
import { requireInt, requireNumber, requireObject, requireOneOf } from '../errors.js';
import type { Flavor } from '../wasm/module.js';
import { fabricMachine, type FabricMachine } from './defaults.js';
import { FABRIC_PASSES, type FabricPass, type LayerShape, type MeshShape } from './mapping.js';
import { modelCycles } from './model.js';
import { runFabric } from './run.js';

export interface FabricEfficiencyOptions extends MeshShape {
  pass?: FabricPass;
  seed?: number;
  machine?: Partial<FabricMachine>;
  flavor?: Flavor;
}

export interface FabricEfficiency {
  efficiency: number;
  denseEquivalentEfficiency: number;
  cycles: number;
  fmacs: number;
  usedRows: number;
  usedCols: number;
  /** Seconds at the machine's clock. */
  seconds: number;
}

/**
 * Runs the simulator on a seeded random layer of this shape and sparsity (no reference check). Rows fold where
 * they are copies and the full mesh would be long (fold 'auto', fold.ts: the same cycles and FMACs), so a
 * GPT-3 layer's forward pass on the full WSE-2 takes minutes, not hours.
 */
export function fabricEfficiency(shape: LayerShape, sparsity: number, o: FabricEfficiencyOptions): FabricEfficiency {
  requireNumber('sparsity', sparsity, 0, 1);
  const { result: r } = runFabric({
    rows: o.rows, cols: o.cols, batch: shape.B, in: shape.K, out: shape.N, sparsity,
    pass: o.pass ?? 'forward', seed: o.seed ?? 1, machine: o.machine, flavor: o.flavor, check: false, fold: 'auto',
  });
  const peak = r.machine.fmacsPerCycle * r.rows * r.cols * r.cycles;
  return {
    efficiency: r.efficiency,
    denseEquivalentEfficiency: (shape.B * shape.K * shape.N) / peak,
    cycles: r.cycles,
    fmacs: r.fmacs,
    usedRows: r.usedRows,
    usedCols: r.usedCols,
    seconds: r.cycles / (r.machine.clockGHz * 1e9),
  };
}

/**
 * The closed-form estimate of the same (model.ts): exact for dense layers within a few per cent of the
 * simulator, optimistic for sparse ones (it assumes the non-zeros spread evenly over columns and outputs).
 */
export function fabricModelEfficiency(shape: LayerShape, sparsity: number, o: FabricEfficiencyOptions): FabricEfficiency {
  requireNumber('sparsity', sparsity, 0, 1);
  // the closed form takes a mean batch (the at-scale model's tokens per system need not be whole); the mesh is whole
  for (const k of ['B', 'K', 'N'] as const) requireNumber(`shape.${k}`, requireObject('shape', shape)[k], 1);
  requireInt('rows', requireObject('options', o).rows, 1);
  requireInt('cols', o.cols, 1);
  if (o.pass !== undefined) requireOneOf('pass', o.pass, FABRIC_PASSES);
  const m = fabricMachine(o.machine);
  const density = 1 - sparsity;
  const model = modelCycles(shape, o, o.pass ?? 'forward', m, density);
  const peak = m.fmacsPerCycle * o.rows * o.cols * model.cycles;
  const fmacs = shape.B * shape.K * shape.N * density;
  return {
    efficiency: fmacs / peak,
    denseEquivalentEfficiency: (shape.B * shape.K * shape.N) / peak,
    cycles: model.cycles,
    fmacs,
    usedRows: model.usedRows,
    usedCols: model.usedCols,
    seconds: model.cycles / (m.clockGHz * 1e9),
  };
}

/** The layer description of the at-scale model's efficiency hook (src/perf/efficiency.ts), structurally. */
export interface PerfLayerShape {
  kind: string;
  in: number;
  out: number;
  tokens: number;
}

export interface FabricEfficiencyFnOptions extends FabricEfficiencyOptions {
  /** 'model' (closed form, any size; default) or 'simulate' (runs the mesh: minutes for a folded full-wafer forward layer, hours for a gradient pass of that size). */
  mode?: 'model' | 'simulate';
}

/**
 * An efficiency function with the at-scale model's signature: a layer of `tokens` samples, `in` -> `out`
 * features, at `sparsity`, is the forward pass of {B: tokens, K: in, N: out} on the given mesh; the value
 * is the fraction of peak reached on the non-zero work (clamped to (0, 1]). Results are cached per shape.
 */
export function fabricEfficiencyFn(o: FabricEfficiencyFnOptions): ((shape: PerfLayerShape, sparsity: number) => number) & { description: string } {
  requireObject('options', o);
  const cache = new Map<string, number>();
  const measure = o.mode === 'simulate' ? fabricEfficiency : fabricModelEfficiency;
  const fn = (shape: PerfLayerShape, sparsity: number): number => {
    const key = `${shape.tokens},${shape.in},${shape.out},${sparsity}`;
    let e = cache.get(key);
    if (e === undefined) {
      e = measure({ B: shape.tokens, K: shape.in, N: shape.out }, sparsity, o).efficiency;
      e = Math.min(1, Math.max(Number.MIN_VALUE, e));
      cache.set(key, e);
    }
    return e;
  };
  fn.description = `fabric ${o.mode ?? 'model'} on a ${o.rows}x${o.cols} mesh (${o.pass ?? 'forward'} pass; tokens = batch, in = K, out = N)`;
  return fn;
}
