// The optimised WASM mesh (assembly/fabric) against the plain-TS reference fabric (src/fabric/reference):
// the same cycle count, the same counters, the same per-core cycle accounting and the same result bits,
// on small meshes (2x2, 3x4, 4x4, 1xN, Nx1), dense and sparse, all three passes.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { bitsOf, caseRun, type Case } from './case.js';
import type { FabricPass } from '../../src/fabric/mapping.js';
import { FabricSim } from '../../src/fabric/sim.js';
import { runReference } from '../../src/fabric/reference/mesh.js';

/** Runs one pass on both meshes and returns what each says. */
function both(c: Case, pass: FabricPass, seed: number) {
  const { machine, mapping, streams, inputs } = caseRun(c, pass, seed);
  const sim = new FabricSim(mapping, machine, streams, inputs);
  sim.run({ maxCycles: 5_000_000 });
  const ref = runReference(mapping, machine, streams, inputs);
  const { routerSteps: _r, coreSteps: _c, ...counters } = sim.counters();
  const cc = sim.coreCycles();
  const perCore = new Uint32Array((cc.length / 4) * 3);
  for (let i = 0; i < cc.length / 4; i++) perCore.set(cc.subarray(4 * i, 4 * i + 3), 3 * i);
  return { sim: { counters, perCore, output: sim.output() }, ref };
}


function expectSame(c: Case, pass: FabricPass, seed: number): number {
  const { sim, ref } = both(c, pass, seed);
  const what = `${pass} ${c.rows}x${c.cols} B=${c.B} K=${c.K} N=${c.N} s=${c.sparsity}`;
  expect(sim.counters.cycles, `${what}: cycles`).toBe(ref.cycles);
  expect(sim.counters, `${what}: counters`).toEqual(ref.counters);
  expect(Array.from(sim.perCore), `${what}: per-core cycles`).toEqual(Array.from(ref.coreCycles));
  expect(bitsOf(sim.output), `${what}: result bits`).toEqual(bitsOf(ref.output));
  return ref.cycles;
}

const PASSES: FabricPass[] = ['forward', 'delta', 'gradient'];
const MESHES: Array<[string, number, number]> = [['2x2', 2, 2], ['3x4', 3, 4], ['4x4', 4, 4], ['1x5', 1, 5], ['4x1', 4, 1]];

describe('the WASM mesh equals the reference fabric cycle for cycle and bit for bit', () => {
  for (const pass of PASSES) {
    for (const [name, rows, cols] of MESHES) {
      it(`${pass} on ${name}: dense and 80 % sparse`, () => {
        expect(expectSame({ rows, cols, B: 12, K: 20, N: 16, sparsity: 0 }, pass, 3)).toBeGreaterThan(0);
        expectSame({ rows, cols, B: 9, K: 24, N: 18, sparsity: 0.8 }, pass, 4);
      });
    }
  }

  it('edge shapes: very sparse (empty rows and columns), B < rows, more columns than features', () => {
    for (const pass of PASSES) {
      expectSame({ rows: 3, cols: 3, B: 8, K: 16, N: 12, sparsity: 0.97 }, pass, 5);
      expectSame({ rows: 4, cols: 2, B: 3, K: 6, N: 10, sparsity: 0.3 }, pass, 6);
      expectSame({ rows: 2, cols: 6, B: 10, K: 4, N: 5, sparsity: 0 }, pass, 7);
    }
  });

  it('meshes past one 32-node bitmap word (8x8, 1x40): wake-ups across words keep the same cycles', () => {
    for (const pass of PASSES) {
      expectSame({ rows: 8, cols: 8, B: 16, K: 32, N: 24, sparsity: 0.5 }, pass, 12);
      expectSame({ rows: 1, cols: 40, B: 4, K: 48, N: 40, sparsity: 0.6, machine: { routerQueueWavelets: 1 } }, pass, 13);
    }
  });

  it('random small meshes, shapes, sparsities and machines (property)', () => {
    fc.assert(
      fc.property(
        fc.record({
          rows: fc.integer({ min: 1, max: 5 }), cols: fc.integer({ min: 1, max: 6 }),
          B: fc.integer({ min: 1, max: 12 }), K: fc.integer({ min: 1, max: 14 }), N: fc.integer({ min: 1, max: 14 }),
          sparsity: fc.constantFrom(0, 0.3, 0.7, 0.95), q: fc.constantFrom(1, 2, 4), cap: fc.constantFrom(0, 1, 3),
          pass: fc.constantFrom(...PASSES), seed: fc.integer({ min: 0, max: 1000 }),
        }),
        (r) => {
          const machine = { routerQueueWavelets: r.q, coreQueueWavelets: r.q, edgeWaveletsPerCycle: r.cap };
          expectSame({ rows: r.rows, cols: r.cols, B: r.B, K: r.K, N: r.N, sparsity: r.sparsity, machine }, r.pass, r.seed);
        },
      ),
      { numRuns: 60, seed: 20261206 },
    );
  });

  it('machine variants: 1-deep queues, 1 accumulator / FIFO slot, a shared edge cap, F = 1', () => {
    for (const pass of PASSES) {
      expectSame({ rows: 3, cols: 4, B: 12, K: 16, N: 16, sparsity: 0.5, machine: { routerQueueWavelets: 1, coreQueueWavelets: 1 } }, pass, 8);
      expectSame({ rows: 2, cols: 3, B: 8, K: 12, N: 12, sparsity: 0.2, machine: { accumulatorBuffers: 1, partialFifoDepth: 1 } }, pass, 9);
      expectSame({ rows: 2, cols: 4, B: 8, K: 16, N: 16, sparsity: 0.4, machine: { edgeWaveletsPerCycle: 2 } }, pass, 10);
      expectSame({ rows: 2, cols: 2, B: 6, K: 8, N: 8, sparsity: 0.1, machine: { fmacsPerCycle: 1 } }, pass, 11);
    }
  });
});
