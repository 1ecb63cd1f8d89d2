// One registry of kernel variants that both the tests and the benchmarks iterate (as XNNPACK's .inc
// lists do): each variant names its spec, prepares seeded inputs for a shape in a Wasm instance, runs
// the WASM variant and its plain-TS reference, and compares the two with a named tolerance.
import type { Wasm } from '../wasm/module.js';

/** Sizes of one case, e.g. { M: 4, K: 9, N: 17 } for a GEMM or { B: 256, K: 1024, N: 1024 } for a sparse one. */
export type Shape = Record<string, number>;

export interface CaseOptions {
  seed: number;
  /** Fraction of zero weights, for kernels that take a weight matrix (sparse and masked ones). */
  sparsity?: number;
}

export interface PreparedKernel {
  /** Runs the WASM variant once on the prepared inputs (overwrites its outputs). */
  run(): void;
  /** Runs the plain-TS reference once on copies of the same inputs. */
  runReference(): void;
  /** Max abs and max relative (to the reference's max abs) difference between the last two runs' outputs. */
  compare(): { maxAbsError: number; maxRelError: number };
  /** Useful FLOP of one run (2·nnz·B for sparse kernels). */
  flop: number;
  /** Dense-equivalent FLOP of one run (what a dense kernel would do on the same shape). */
  effFlop: number;
  /** Releases the buffers prepared in the Wasm arena. */
  dispose(): void;
}

export interface KernelVariant {
  /** Unique, names the spec, e.g. 'gemm-nn-4x8-simd' or 'spmm-fwd-axpy-simd'. */
  name: string;
  /** The operation it implements; variants of one op share a reference, e.g. 'gemm-nn'. */
  op: string;
  area: 'dense' | 'sparse' | 'nn' | 'optim';
  /** Named tolerance on maxRelError against the reference. */
  tolerance: number;
  /** Shapes that hit the edges (not multiples of the tile, 1x1, batch 1, very wide/tall ...). */
  edgeShapes: Shape[];
  /** Draws a random shape for property tests from a [0,1) random source. */
  randomShape(rand: () => number): Shape;
  prepare(w: Wasm, shape: Shape, opts: CaseOptions): PreparedKernel;
}

const variants: KernelVariant[] = [];

/** Adds variants to the registry (each area's registry file calls this at import). */
export function registerKernels(...vs: KernelVariant[]): void {
  for (const v of vs) {
    if (variants.some((x) => x.name === v.name)) throw new Error(`kernel registry: duplicate variant ${v.name}`);
    variants.push(v);
  }
}

/** Every registered variant. Import 'src/kernels/all.js' first to register them all. */
export function kernelVariants(): readonly KernelVariant[] {
  return variants;
}
