// The fabric benches' shared layers: bench/fabric.ts's speed layers on an M x M mesh (dense at three balances
// of compute and reduction, sparse compute-bound), which fabric-ab.ts compares builds on, and the wafer-shaped
// sparse layer of its wafer row (B = R rows, K = 2 features a column, N = one a column, sparsity 0.9), which
// bench/fabric-threads.ts, fabric-skew.ts and fabric-ab.ts run at several sizes; and the linears of a GPT block,
// which fabric-gpt3.ts and fabric-wafer-model.ts run on the full wafer; and the options every timed run shares.
import type { FabricRunOptions } from '../src/fabric/run.js';
import { preset } from '../src/perf/models.js';

/** A layer as the benches time it: seed 1, no reference check, the release module (every timed run of a row alike). */
export function timedRun<T extends FabricRunOptions>(o: T): T & { seed: number; check: 'off'; flavor: 'release' } {
  return { ...o, seed: 1, check: 'off', flavor: 'release' };
}

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

/** A GPT block's linears as [module, K, N]: attn.c_attn, attn.c_proj, mlp.c_fc, mlp.c_proj, for width C and MLP width F. */
export function blockLinears(C: number, F: number): Array<[string, number, number]> {
  return [['attn.c_attn', C, 3 * C], ['attn.c_proj', C, C], ['mlp.c_fc', C, F], ['mlp.c_proj', F, C]];
}

/** GPT-3 175B's widths, from its shipped preset (specs/models/gpt3-175b.json: d_model 12288, d_ff 49152, with sources). */
export function gpt3Widths(): { C: number; F: number } {
  const g = preset('gpt3-175b').gpt!;
  return { C: g.dModel, F: g.dFF };
}
