// The closed-form cycle model of a pass on the mesh, from the same machine rules the simulator obeys:
// every core does its tasks one at a time (count or delta 1 cycle, AXPY / dot L = max(1, ceil(Bs / F)),
// broadcast or reduction element 1), links and ramps carry at most one wavelet per cycle, and on a dense
// layer no core waits in steady state (reduction chains only skew the columns in time); the pass takes
// the busiest core's time plus the pipeline's fill and drain. Sparse forward/delta layers take the
// busiest column's non-zeros per output (an extreme-value estimate, below), the gradient pass per input
// row. Past sparsity ~0.9 the reductions' waiting dominates and the model undershoots.
//
// Legend: B, K, N = batch, in, out features; Ru x Cu = used rows x columns; Bs = largest batch slice;
// O = outputs of the pass (N forward, K delta), Kc, Nc = a column's K and N slices, own = outputs it owns;
// d = density = 1 - sparsity.
import type { FabricMachine } from './defaults.js';
import { blockStarts, type FabricPass, type LayerShape, type MeshShape } from './mapping.js';

export interface CycleModel {
  /** Predicted cycles of the pass. */
  cycles: number;
  /** The busiest core's work in cycles, split by cause. */
  busiest: { streaming: number; computing: number; reducing: number };
  /** Fill and drain (cycles not covered by the busiest core's time). */
  latency: number;
  usedRows: number;
  usedCols: number;
}

/** Cycles of a pass of a layer at a uniform density (1 = dense) under the closed-form model. */
export function modelCycles(shape: LayerShape, mesh: MeshShape, pass: FabricPass, m: FabricMachine, density = 1): CycleModel {
  const Ru = Math.min(mesh.rows, shape.B);
  const Cu = Math.min(mesh.cols, Math.max(shape.K, shape.N));
  const bs = Math.ceil(shape.B / Ru);
  const L = Math.max(1, Math.ceil(bs / m.fmacsPerCycle));
  const ks = blockStarts(shape.K, Cu);
  const ns = blockStarts(shape.N, Cu);
  let best = { streaming: 0, computing: 0, reducing: 0 };
  let bestWork = -1;
  let busy = 0;
  for (let c = 0; c < Cu; c++) {
    const kc = ks[c + 1] - ks[c];
    const nc = ns[c + 1] - ns[c];
    let w: { streaming: number; computing: number; reducing: number };
    let time: number;
    if (pass === 'gradient') {
      // per row k: count + the row broadcast of X[k] (Bs elements); per non-zero: dot (L) + reduction (1).
      // The row broadcast of X[k] keeps the columns within about a row of each other; only the FIFO of P
      // partials lets a column's dot products run ahead, so the pass goes at the pace of the busiest column
      // over windows of P: per row, non-zeros ~ Binomial(Nc, d), μ + σ·sqrt(2 ln Cu / P), at most Nc.
      const mu = nc * density;
      const sigma = Math.sqrt(nc * density * (1 - density));
      const nz = shape.K * (Cu > 1 ? Math.min(nc, mu + sigma * Math.sqrt((2 * Math.log(Cu)) / m.partialFifoDepth)) : mu);
      w = { streaming: shape.K * (1 + (Cu > 1 ? bs : 0)), computing: nz * L, reducing: nz };
      time = w.streaming + w.computing + w.reducing;
    } else {
      // per output: count; per non-zero: delta (1) + AXPY (L); per output, Bs reduction elements for each
      // side it arrives from (own outputs: from both neighbours; others: pass-through or chain start)
      const O = pass === 'forward' ? shape.N : shape.K;
      const outStarts = pass === 'forward' ? ns : ks;
      const inC = pass === 'forward' ? kc : nc;
      const own = outStarts[c + 1] - outStarts[c];
      // Row reductions couple the columns output by output: over the A outputs its buffers let a column
      // run ahead, the pass goes at the pace of the busiest of the Cu columns. With non-zeros per output
      // ~ Binomial(inC, d), the busiest window sum is ≈ A·μ + σ·sqrt(A)·sqrt(2 ln Cu) (normal extreme
      // value): per output μ + σ·sqrt(2 ln Cu / A), at most inC. Dense layers: σ = 0, exactly inC.
      const mu = inC * density;
      const sigma = Math.sqrt(inC * density * (1 - density));
      const perOut = Cu > 1 ? Math.min(inC, mu + sigma * Math.sqrt((2 * Math.log(Cu)) / m.accumulatorBuffers)) : mu;
      const nz = O * perOut;
      const sides = (c > 0 ? 1 : 0) + (c < Cu - 1 ? 1 : 0);
      w = { streaming: O + nz, computing: nz * L, reducing: Cu > 1 ? bs * (O - own + own * sides) : 0 };
      // Reduction chains add latency, not time per output: a column waits for its neighbour's partial only
      // until it runs a few cycles behind it, and the A accumulator buffers absorb that skew (docs/fabric.md).
      time = w.streaming + w.computing + w.reducing;
    }
    const work = w.streaming + w.computing + w.reducing;
    if (work > bestWork) [bestWork, best] = [work, w];
    busy = Math.max(busy, time);
  }
  // Fill: the stream reaches the last used row Ru - 1 hops after the first (+2: edge and ramp).
  // Skew and drain, forward/delta: a reduction element takes 3 cycles a column (router, hop, ramp into
  // the core). The first outputs are owned by column 0 and reduced westward, so column 0 ends up 3·(Cu - 1)
  // cycles behind column Cu - 1; the last ones are owned by column Cu - 1 and reduced eastward, which turns
  // the skew around: 6·(Cu - 1) cycles over the pass, plus the last output's Bs elements. Gradient: the last partial walks down the column
  // (3 cycles a row) and out of the edge, and each of the Cu - 1 hand-offs of the row broadcast to the
  // next owner column costs about 6 cycles (the new owner first receives the old owner's last row, 3
  // cycles, and the far side sees its first wavelet 3 cycles after a neighbour would).
  const latency = pass === 'gradient'
    ? Ru + 2 + 3 * Ru + (Cu > 1 ? 6 * (Cu - 1) : 0)
    : Ru + 2 + (Cu > 1 ? bs + 6 * (Cu - 1) : 0);
  return { cycles: busy + latency, busiest: best, latency, usedRows: Ru, usedCols: Cu };
}
