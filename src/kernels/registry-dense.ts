// Registry entries for the dense kernels (GEMM nn/nt/tn in the blocked 4x8 SIMD and the naive scalar
// variants, GEMV n/t, AXPY): each prepares seeded inputs in a Wasm instance, runs the WASM variant and
// the plain-TS reference (src/ref/dense.ts), and compares them with the named tolerance (dense.ts).
// Shapes: GEMM { M, N, K }, GEMV { M, K }, AXPY { n }.
import { registerKernels, type KernelVariant, type PreparedKernel, type Shape } from './registry.js';
import type { Wasm } from '../wasm/module.js';
import { randomF32 } from '../ref/rng.js';
import { axpyRef, gemmRef, gemvRef, GEMM_FORMS, type GemmForm } from '../ref/dense.js';
import { AXPY_REL_TOL, GEMM_REL_TOL, axpy, gemm, gemmKernel, gemv, type GemmVariant } from './dense.js';
import { compareArrays } from './compare.js';

/** A random integer in [lo, hi] from a [0,1) source. */
export function randInt(rand: () => number, lo: number, hi: number): number {
  return lo + Math.floor(rand() * (hi - lo + 1));
}

/** Allocates inputs in the arena and gives them back on dispose (LIFO, as the arena releases by marks). */
export function scope(w: Wasm): { f32(init: Float32Array | number): number; dispose(): void } {
  const mark = w.arena.mark();
  return {
    f32: (init) => (typeof init === 'number' ? w.allocF32(Math.max(1, init)) : w.allocF32(Math.max(1, init.length), init)),
    dispose: () => w.arena.release(mark),
  };
}

const GEMM_EDGES: Shape[] = [
  { M: 1, N: 1, K: 1 },
  { M: 5, N: 9, K: 3 },
  { M: 3, N: 7, K: 13 },
  { M: 37, N: 1, K: 29 },
  { M: 1, N: 45, K: 33 },
  { M: 2, N: 2001, K: 5 },
  { M: 2001, N: 2, K: 5 },
  { M: 6, N: 10, K: 777 },
  { M: 131, N: 17, K: 9 },
  { M: 8, N: 16, K: 256 },
];

function gemmVariant(form: GemmForm, variant: GemmVariant): KernelVariant {
  return {
    name: variant === 'simd' ? `gemm-${form}-4x8-simd` : `gemm-${form}-naive-scalar`,
    op: `gemm-${form}`,
    area: 'dense',
    tolerance: GEMM_REL_TOL,
    edgeShapes: GEMM_EDGES,
    randomShape: (r) => ({ M: randInt(r, 1, 70), N: randInt(r, 1, 70), K: randInt(r, 1, 300) }),
    prepare(w, { M, N, K }, { seed }): PreparedKernel {
      const s = scope(w);
      const A = randomF32(M * K, seed);
      const B = randomF32(K * N, seed + 1);
      const a = s.f32(A);
      const b = s.f32(B);
      const c = s.f32(M * N);
      const ref = new Float32Array(M * N);
      gemm(w, form, c, a, b, M, N, K, { variant }); // checks the arguments once
      const fn = gemmKernel(w, form, variant);
      return {
        run: () => fn(c, a, b, M, N, K, 0),
        runReference: () => gemmRef(form, ref, A, B, M, N, K),
        compare: () => compareArrays(w.f32(c, M * N), ref),
        flop: 2 * M * N * K,
        effFlop: 2 * M * N * K,
        dispose: s.dispose,
      };
    },
  };
}

function gemvVariant(form: 'n' | 't'): KernelVariant {
  return {
    name: `gemv-${form}-simd`,
    op: `gemv-${form}`,
    area: 'dense',
    tolerance: GEMM_REL_TOL,
    edgeShapes: [{ M: 1, K: 1 }, { M: 5, K: 9 }, { M: 4, K: 8 }, { M: 2, K: 3001 }, { M: 3001, K: 2 }, { M: 33, K: 130 }],
    randomShape: (r) => ({ M: randInt(r, 1, 200), K: randInt(r, 1, 200) }),
    prepare(w, { M, K }, { seed }): PreparedKernel {
      const s = scope(w);
      const [nx, ny] = form === 'n' ? [K, M] : [M, K];
      const A = randomF32(M * K, seed);
      const X = randomF32(nx, seed + 1);
      const a = s.f32(A);
      const x = s.f32(X);
      const y = s.f32(ny);
      const ref = new Float32Array(ny);
      return {
        run: () => gemv(w, form, y, a, x, M, K),
        runReference: () => gemvRef(form, ref, A, X, M, K),
        compare: () => compareArrays(w.f32(y, ny), ref),
        flop: 2 * M * K,
        effFlop: 2 * M * K,
        dispose: s.dispose,
      };
    },
  };
}

const axpyVariant: KernelVariant = {
  name: 'axpy-simd',
  op: 'axpy',
  area: 'dense',
  // Inputs here are non-negative (no cancellation), so 2 round-offs per element bound the error;
  // dense.test.ts checks the per-element bound with mixed signs.
  tolerance: AXPY_REL_TOL,
  edgeShapes: [{ n: 1 }, { n: 3 }, { n: 4 }, { n: 15 }, { n: 16 }, { n: 17 }, { n: 100_003 }],
  randomShape: (r) => ({ n: randInt(r, 1, 5000) }),
  prepare(w, { n }, { seed }): PreparedKernel {
    const s = scope(w);
    const X = randomF32(n, seed, 0, 1);
    const Y0 = randomF32(n, seed + 1, 0, 1);
    const alpha = 0.75;
    const x = s.f32(X);
    const y = s.f32(Y0);
    const ref = new Float32Array(n);
    return {
      run: () => {
        w.f32(y, n).set(Y0); // in place: start from the same y every run
        axpy(w, y, x, alpha, n);
      },
      runReference: () => {
        ref.set(Y0);
        axpyRef(ref, X, alpha, n);
      },
      compare: () => compareArrays(w.f32(y, n), ref),
      flop: 2 * n,
      effFlop: 2 * n,
      dispose: s.dispose,
    };
  },
};

registerKernels(
  ...GEMM_FORMS.map((f) => gemmVariant(f, 'simd')),
  ...GEMM_FORMS.map((f) => gemmVariant(f, 'naive')),
  gemvVariant('n'),
  gemvVariant('t'),
  axpyVariant,
);
