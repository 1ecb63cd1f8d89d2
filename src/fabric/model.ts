// The closed-form cycle model of a pass on the mesh, from the same machine rules the simulator obeys:
// every core does its tasks one at a time (count or delta 1 cycle, AXPY / dot L = max(1, ceil(Bs / F)),
// broadcast or reduction element 1), links and ramps carry at most one wavelet per cycle, and on a dense
// layer no core ever waits in steady state, so the pass takes the busiest core's work plus the pipeline's
// fill and drain. Sparse layers use the expected non-zeros (no load imbalance): a lower bound there.
//
// Legend: B, K, N = batch, in, out features; Ru x Cu = used rows x columns; Bs = largest batch slice;
// O = outputs of the pass (N forward, K delta), Ks = a column's input features, No = outputs it owns;
// nz_c = expected non-zeros per output in a column (Ks·density), d = density = 1 - sparsity.
import type { FabricMachine } from './defaults.js';
import { blockStarts, type FabricPass, type LayerShape, type MeshShape } from './mapping.js';

export interface CycleModel {
  /** Predicted cycles of the pass. */
  cycles: number;
  /** The busiest core's work in cycles, split by cause. */
  busiest: { streaming: number; computing: number; reducing: number };
  /** Fill and drain (cycles not covered by the busiest core's work). */
  latency: number;
  usedRows: number;
  usedCols: number;
}

/** Cycles of a pass of a layer at a uniform density (1 = dense) under the closed-form model. */
export function modelCycles(shape: LayerShape, mesh: MeshShape, pass: FabricPass, m: FabricMachine, density = 1): CycleModel {
  const Ru = Math.min(mesh.rows, shape.B);
  const Cu = Math.min(mesh.cols, Math.max(shape.K, shape.N));
  const bsMax = Math.ceil(shape.B / Ru);
  const L = Math.max(1, Math.ceil(bsMax / m.fmacsPerCycle));
  const ks = blockStarts(shape.K, Cu);
  const ns = blockStarts(shape.N, Cu);
  let best = { streaming: 0, computing: 0, reducing: 0 };
  let bestTotal = -1;
  for (let c = 0; c < Cu; c++) {
    const kc = ks[c + 1] - ks[c];
    const nc = ns[c + 1] - ns[c];
    let w: { streaming: number; computing: number; reducing: number };
    if (pass === 'gradient') {
      const nz = shape.K * nc * density;
      w = { streaming: shape.K * (1 + (Cu > 1 ? bsMax : 0)), computing: nz * L, reducing: nz };
    } else {
      const O = pass === 'forward' ? shape.N : shape.K;
      const inC = pass === 'forward' ? kc : nc;
      const own = pass === 'forward' ? nc : kc;
      const nz = O * inC * density;
      const sides = (c > 0 ? 1 : 0) + (c < Cu - 1 ? 1 : 0);
      const reduce = Cu > 1 ? bsMax * (O - own + own * sides) : 0;
      w = { streaming: O + nz, computing: nz * L, reducing: reduce };
    }
    const total = w.streaming + w.computing + w.reducing;
    if (total > bestTotal) [bestTotal, best] = [total, w];
  }
  // Fill: the stream reaches the last used row Ru - 1 hops after the first (+2: edge and ramp).
  // Drain: forward/delta, the last output is reduced along the row: the chain start sends its Bs elements,
  // each further column adds 3 cycles (router, hop, ramp into the core); gradient, the last partial walks
  // down the column (3 cycles a row) and out of the edge.
  const latency = pass === 'gradient' ? Ru + 2 + 3 * Ru : Ru + 2 + (Cu > 1 ? bsMax + 3 * (Cu - 1) : 0);
  return { cycles: bestTotal + latency, busiest: best, latency, usedRows: Ru, usedCols: Cu };
}
