// The fabric benches' shared layers: bench/fabric.ts's speed layers on an M x M mesh (dense at three balances
// of compute and reduction, sparse compute-bound), which fabric-ab.ts compares builds on, and the wafer-shaped
// sparse layer of its wafer row (B = R rows, K = 2 features a column, N = one a column, sparsity 0.9), which
// bench/fabric-threads.ts, fabric-skew.ts and fabric-ab.ts run at several sizes.
import type { FabricRunOptions } from '../src/fabric/run.js';

/** The wafer-shaped sparse 0.9 layer on an R x C mesh (Bs = 1: mostly pipeline fill and reduction skew). */
export function waferLayer(R: number, C: number): FabricRunOptions {
  return { rows: R, cols: C, batch: R, in: 2 * C, out: C, sparsity: 0.9 };
}

/**
 * bench/fabric.ts's speed layers on an M x M mesh, by name, one thread, loop order (nOut: 64 on the quick 32x32,
 * 256 on 64x64): dense with Ks = Bs = 64 or Ks 64 and Bs 32 (compute-bound), 16 (balanced), 8 (reduction-heavy);
 * and the sparse compute-bound shape (Ks 64, Bs 32) at `sparsities`.
 */
export function speedLayers(M: number, nOut: number, sparsities: number[]): Array<[string, FabricRunOptions]> {
  const mesh = { rows: M, cols: M };
  const dense: Array<[string, number, number, number]> = [
    ['compute-bound (Ks 64, Bs 64)', 64 * M, 64 * M, nOut / 2],
    ['compute-bound (Ks 64, Bs 32)', 32 * M, 64 * M, nOut],
    ['balanced (Ks 16, Bs 16)', 16 * M, 16 * M, nOut * 2],
    ['reduction-heavy (Ks 8, Bs 8)', 8 * M, 8 * M, nOut * 2],
  ];
  return [
    ...dense.map(([name, B, K, N]): [string, FabricRunOptions] => [`dense ${name}`, { ...mesh, batch: B, in: K, out: N, sparsity: 0 }]),
    ...sparsities.map((s): [string, FabricRunOptions] => [`sparse ${s} compute-bound`, { ...mesh, batch: 32 * M, in: 64 * M, out: nOut, sparsity: s }]),
  ];
}
