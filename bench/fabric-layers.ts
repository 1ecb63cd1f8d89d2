// The fabric benches' shared layer: the wafer-shaped sparse layer of bench/fabric.ts's wafer row (B = R rows,
// K = 2 features a column, N = one a column, sparsity 0.9), which bench/fabric-threads.ts, fabric-skew.ts and
// fabric-ab.ts run at several sizes.
import type { FabricRunOptions } from '../src/fabric/run.js';

/** The wafer-shaped sparse 0.9 layer on an R x C mesh (Bs = 1: mostly pipeline fill and reduction skew). */
export function waferLayer(R: number, C: number): FabricRunOptions {
  return { rows: R, cols: C, batch: R, in: 2 * C, out: C, sparsity: 0.9 };
}
