// What the fabric's equivalence tests (reference.test.ts, threads.test.ts) run: a layer on a mesh, and the
// result's bits to compare; and held weights read in ranges of rows, as a layer not held is read (window.test.ts,
// check.test.ts).
import { fabricMachine, type FabricMachine } from '../../src/fabric/defaults.js';
import { mapLayer, type FabricPass } from '../../src/fabric/mapping.js';
import { heldWeights, type LayerWeights } from '../../src/fabric/layer-weights.js';
import { columnStreams } from '../../src/fabric/streams.js';
import { randomStream, randomValues, type WeightStream } from '../../src/sparse/stream.js';

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

/** The case's machine, mapping, column streams and seeded inputs for one pass. */
export function caseRun(c: Case, pass: FabricPass, seed: number) {
  const machine = fabricMachine(c.machine);
  const mapping = mapLayer({ B: c.B, K: c.K, N: c.N }, { rows: c.rows, cols: c.cols }, pass, machine);
  const ws = randomStream(c.K, c.N, c.sparsity, seed);
  const xt = randomValues(c.K * c.B, seed + 101);
  const dyt = randomValues(c.N * c.B, seed + 202);
  const streams = columnStreams(ws, pass, mapping.kStarts, mapping.nStarts);
  return { machine, mapping, streams, inputs: { a: pass === 'delta' ? dyt : xt, b: dyt } };
}

/** Held weights read in ranges of `step` rows, as a layer not held is read (no whole stream). */
export function inRanges(ws: WeightStream, step: number): LayerWeights {
  const held = heldWeights(ws);
  return { K: ws.K, N: ws.N, nnz: ws.nnz, whole: () => null, rows: (m) => held.rows(m), chunkRows: () => step };
}
