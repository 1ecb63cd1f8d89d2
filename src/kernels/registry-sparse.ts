// Registry entries of the sparse kernels (assembly/sparse/): spmm forward (output-major from the column
// layout, AXPY SIMD and scalar from the row layout), delta and
// gradient-at-non-zeros, each with its plain-TS reference (src/ref/sparse.ts), edge shapes and a random
// shape for property tests. Tests and bench/kernels.ts iterate these through kernelVariants().
//
// Legend: K = input features, N = output features, B = batch, nnz = non-zeros of W [K, N].
// Shapes are { B, K, N } and may fix the matrix's sparsity themselves: a `nnz` key (exact non-zero count)
// or a `sparsity` key wins over CaseOptions.sparsity, which wins over the default 0.9. Edge shapes use
// this for the all-zero stream (sparsity 1), the fully dense one (0) and a single non-zero (nnz 1).
import type { Wasm } from '../wasm/module.js';
import { encodeStream, maskWithNonZeros, randomStream, randomValues, transposeStream, type WeightStream } from '../sparse/stream.js';
import { randomF32 } from '../ref/rng.js';
import { spmmDeltaRef, spmmForwardColRef, spmmForwardRef, spmmGradRef } from '../ref/sparse.js';
import { compareArrays } from './compare.js';
import { registerKernels, type CaseOptions, type KernelVariant, type PreparedKernel, type Shape } from './registry.js';
import {
  SPMM_REL_TOL, checkColumnStream, checkStream, putColumnStream, putStream, spmmDelta, spmmForward, spmmForwardColumns, spmmGrad,
  type StreamRef,
} from './sparse.js';

/** Sparsity used when neither the shape nor the options give one. */
export const DEFAULT_SPARSITY = 0.9;

const EDGE_SHAPES: Shape[] = [
  { B: 13, K: 9, N: 7, sparsity: 1 }, // all-zero stream
  { B: 13, K: 9, N: 7, sparsity: 0 }, // fully dense stream
  { B: 8, K: 6, N: 5, nnz: 1 }, // a single non-zero
  { B: 1, K: 17, N: 11, sparsity: 0.5 }, // batch 1
  { B: 3, K: 17, N: 11, sparsity: 0.5 }, // B < 4
  { B: 37, K: 10, N: 12, sparsity: 0.6 }, // B not a multiple of 4
  { B: 45, K: 10, N: 12, sparsity: 0.3 }, // B > 32, not a multiple of 16
  { B: 64, K: 10, N: 12, sparsity: 0.7 }, // exact 16-float steps
  { B: 20, K: 1, N: 33, sparsity: 0.5 }, // K = 1
  { B: 20, K: 33, N: 1, sparsity: 0.5 }, // N = 1
  { B: 1, K: 1, N: 1, sparsity: 0 }, // 1x1, batch 1
  { B: 9, K: 3, N: 2000, sparsity: 0.9 }, // very wide
  { B: 9, K: 2000, N: 3, sparsity: 0.9 }, // very tall
  { B: 24, K: 8, N: 40, sparsity: 0.83 }, // row counts not multiples of 4
  { B: 256, K: 64, N: 64 }, // the bench's batch on a small matrix, at the options' sparsity
];

function randomShape(rand: () => number): Shape {
  const int = (lo: number, hi: number): number => lo + Math.floor(rand() * (hi - lo + 1));
  return { B: int(1, 80), K: int(1, 64), N: int(1, 64), sparsity: Math.round(rand() * 100) / 100 };
}

/** The stream a case runs on: shape.nnz, else shape.sparsity, else opts.sparsity, else DEFAULT_SPARSITY. */
export function caseStream(shape: Shape, opts: CaseOptions): WeightStream {
  const { K, N } = shape;
  if (shape.nnz !== undefined) {
    const W = randomValues(K * N, opts.seed ^ 0x5bd1e995);
    return encodeStream(W, K, N, maskWithNonZeros(K * N, shape.nnz, opts.seed));
  }
  return randomStream(K, N, shape.sparsity ?? opts.sparsity ?? DEFAULT_SPARSITY, opts.seed);
}

type Op = 'spmm-fwd' | 'spmm-delta' | 'spmm-grad';
/** Which layout of the stream a variant reads: row (input-major, the format's first) or column (output-major). */
type Layout = 'row' | 'col';

/** Buffers of one case in the arena, host copies of the inputs, and the reference's output. */
function prepareCase(w: Wasm, op: Op, layout: Layout, shape: Shape, opts: CaseOptions, runWasm: (c: Bufs) => void): PreparedKernel {
  const { B, K, N } = shape;
  const s = caseStream(shape, opts);
  const mark = w.arena.mark();
  const Xt = randomF32(K * B, opts.seed + 1);
  const dYt = randomF32(N * B, opts.seed + 2);
  const sr = layout === 'col' ? putColumnStream(w, s) : putStream(w, s);
  // validated once here; run() takes the unchecked path as the engine does
  if (layout === 'col') checkColumnStream(w, sr);
  else checkStream(w, sr);
  const colWords = layout === 'col' ? transposeStream(s).words : null;
  const outLen = op === 'spmm-fwd' ? N * B : op === 'spmm-delta' ? K * B : s.nnz;
  const bufs: Bufs = {
    s: sr,
    B,
    x: w.allocF32(K * B, Xt),
    dy: w.allocF32(N * B, dYt),
    out: w.allocF32(Math.max(1, outLen)),
  };
  const ref = new Float32Array(outLen);
  return {
    run: () => runWasm(bufs),
    runReference: () => {
      if (colWords) spmmForwardColRef(ref, Xt, colWords, K, N, B);
      else if (op === 'spmm-fwd') spmmForwardRef(ref, Xt, s.words, K, N, B);
      else if (op === 'spmm-delta') spmmDeltaRef(ref, dYt, s.words, K, N, B);
      else spmmGradRef(ref, Xt, dYt, s.words, K, N, B);
    },
    compare: () => compareArrays(w.f32(bufs.out, outLen), ref),
    flop: 2 * s.nnz * B,
    effFlop: 2 * K * N * B,
    dispose: () => w.arena.release(mark),
  };
}

interface Bufs {
  s: StreamRef;
  B: number;
  x: number;
  dy: number;
  out: number;
}

function variant(name: string, op: Op, runWasm: (w: Wasm, c: Bufs) => void, layout: Layout = 'row'): KernelVariant {
  return {
    name,
    op,
    area: 'sparse',
    tolerance: SPMM_REL_TOL,
    edgeShapes: EDGE_SHAPES,
    randomShape,
    prepare: (w, shape, opts) => prepareCase(w, op, layout, shape, opts, (c) => runWasm(w, c)),
  };
}

export const SPARSE_VARIANTS: KernelVariant[] = [
  variant('spmm-fwd-col-simd', 'spmm-fwd', (w, c) => spmmForwardColumns(w, c.out, c.x, c.s, c.B, { checked: false }), 'col'),
  variant('spmm-fwd-axpy-simd', 'spmm-fwd', (w, c) => spmmForward(w, c.out, c.x, c.s, c.B, { checked: false })),
  variant('spmm-fwd-axpy-scalar', 'spmm-fwd', (w, c) => spmmForward(w, c.out, c.x, c.s, c.B, { checked: false, variant: 'scalar' })),
  variant('spmm-delta-simd', 'spmm-delta', (w, c) => spmmDelta(w, c.out, c.dy, c.s, c.B, { checked: false })),
  variant('spmm-grad-simd', 'spmm-grad', (w, c) => spmmGrad(w, c.out, c.x, c.dy, c.s, c.B, { checked: false })),
];

registerKernels(...SPARSE_VARIANTS);
