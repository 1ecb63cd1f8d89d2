// The sparse kernels' registry entries (src/kernels/registry-sparse.ts): every edge shape and some random
// shapes run WASM and reference within the named tolerance; shapes fix their own sparsity (nnz/sparsity
// keys win over the options); FLOP accounting is 2·nnz·B useful vs 2·K·N·B dense-equivalent.
import { describe, expect, it } from 'vitest';
import { Wasm } from '../../src/wasm/module.js';
import { kernelVariants } from '../../src/kernels/registry.js';
import '../../src/kernels/all.js';
import { caseStream, DEFAULT_SPARSITY, SPARSE_VARIANTS } from '../../src/kernels/registry-sparse.js';
import { maskZeros } from '../../src/sparse/stream.js';
import { mulberry32 } from '../../src/ref/rng.js';

const w = new Wasm();

describe('sparse registry', () => {
  it('registers its five variants once', () => {
    const names = kernelVariants().filter((v) => v.area === 'sparse').map((v) => v.name);
    expect(names.sort()).toEqual(['spmm-delta-simd', 'spmm-fwd-axpy-scalar', 'spmm-fwd-axpy-simd', 'spmm-fwd-col-simd', 'spmm-grad-simd']);
  });

  it('shape keys fix the sparsity: nnz, then sparsity, then the options, then the default', () => {
    expect(caseStream({ B: 1, K: 6, N: 5, nnz: 1 }, { seed: 1, sparsity: 0.2 }).nnz).toBe(1);
    expect(caseStream({ B: 1, K: 9, N: 7, sparsity: 1 }, { seed: 1, sparsity: 0.2 }).nnz).toBe(0);
    expect(caseStream({ B: 1, K: 9, N: 7, sparsity: 0 }, { seed: 1 }).nnz).toBe(63);
    expect(caseStream({ B: 1, K: 20, N: 20 }, { seed: 1, sparsity: 0.25 }).nnz).toBe(400 - maskZeros(20, 20, 0.25));
    expect(caseStream({ B: 1, K: 20, N: 20 }, { seed: 1 }).nnz).toBe(400 - maskZeros(20, 20, DEFAULT_SPARSITY));
  });

  for (const v of SPARSE_VARIANTS) {
    it(`${v.name}: edge shapes and random shapes within tolerance ${v.tolerance.toExponential(1)}`, () => {
      const rand = mulberry32(99);
      const shapes = [...v.edgeShapes, ...Array.from({ length: 25 }, () => v.randomShape(rand))];
      for (const [i, shape] of shapes.entries()) {
        const p = v.prepare(w, shape, { seed: 11 + i, sparsity: 0.75 });
        try {
          p.run();
          p.runReference();
          const c = p.compare();
          expect(c.maxRelError, JSON.stringify(shape)).toBeLessThanOrEqual(v.tolerance);
          const nnz = caseStream(shape, { seed: 11 + i, sparsity: 0.75 }).nnz;
          expect(p.flop).toBe(2 * nnz * shape.B);
          expect(p.effFlop).toBe(2 * shape.K * shape.N * shape.B);
        } finally {
          p.dispose();
        }
      }
    });
  }
});
