// Every registered kernel variant (dense, nn, optim, sparse) against its plain-TS reference within the
// variant's named tolerance: on its edge shapes, then as a fast-check property over random shapes,
// seeds and sparsities. One Wasm instance (debug build: assertions on) serves all cases.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { Wasm } from '../../src/wasm/module.js';
import { mulberry32 } from '../../src/ref/rng.js';
import { kernelVariants, type KernelVariant, type Shape } from '../../src/kernels/registry.js';
import '../../src/kernels/all.js';

const w = new Wasm();

function check(v: KernelVariant, shape: Shape, seed: number, sparsity?: number): { maxRelError: number } {
  const k = v.prepare(w, shape, { seed, sparsity });
  try {
    k.run();
    k.runReference();
    return k.compare();
  } finally {
    k.dispose();
  }
}

describe('kernel registry', () => {
  it('holds every area with unique names and a finite positive tolerance', () => {
    const vs = kernelVariants();
    const areas = new Set(vs.map((v) => v.area));
    for (const a of ['dense', 'nn', 'optim', 'sparse']) expect(areas.has(a as KernelVariant['area']), a).toBe(true);
    expect(new Set(vs.map((v) => v.name)).size).toBe(vs.length);
    for (const v of vs) {
      expect(v.tolerance, v.name).toBeGreaterThan(0);
      expect(v.tolerance, v.name).toBeLessThan(1e-3);
      expect(v.edgeShapes.length, v.name).toBeGreaterThan(0);
    }
  });

  for (const v of kernelVariants()) {
    describe(v.name, () => {
      it('matches its reference on the edge shapes', () => {
        for (const [i, shape] of v.edgeShapes.entries()) {
          for (const sparsity of v.area === 'optim' ? [undefined, 0.6] : [undefined]) {
            const r = check(v, shape, 1000 + i, sparsity);
            expect(r.maxRelError, `${JSON.stringify(shape)} sparsity=${sparsity}`).toBeLessThanOrEqual(v.tolerance);
          }
        }
      });

      it('matches its reference on random shapes, seeds and sparsities (property)', () => {
        fc.assert(
          fc.property(
            fc.integer({ min: 0, max: 2 ** 30 }),
            fc.option(fc.double({ min: 0, max: 1, noNaN: true }), { nil: undefined }),
            (seed, sparsity) => {
              const shape = v.randomShape(mulberry32(seed));
              const r = check(v, shape, seed, sparsity);
              return r.maxRelError <= v.tolerance;
            },
          ),
          { numRuns: 30, seed: 7 },
        );
      });
    });
  }
});
