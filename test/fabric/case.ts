// What the fabric's equivalence tests (reference.test.ts, threads.test.ts) run: a layer on a mesh, and the
// result's bits to compare.
import type { FabricMachine } from '../../src/fabric/defaults.js';

export interface Case {
  rows: number;
  cols: number;
  B: number;
  K: number;
  N: number;
  sparsity: number;
  machine?: Partial<FabricMachine>;
}

/** A float array as its bit patterns (exact comparison, NaN and -0 included). */
export const bitsOf = (a: Float32Array): number[] => Array.from(new Uint32Array(a.buffer, a.byteOffset, a.length));
