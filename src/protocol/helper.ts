// The ONE file of the protocol between the main thread (MemoryX, SwarmX) and its helper thread
// (src/memoryx/helper-worker.ts): a second pair of hands that runs one slice of an elementwise job of the
// main thread (MemoryX's optimizer update, SwarmX's additions) while the main thread runs the rest, so a
// large layer's reduce and update take about half the wall time on the step's critical path. Both jobs are
// elementwise, so any split into slices gives the same bits. One job at a time, in a SharedArrayBuffer:
// main writes the job's fields, stores SEQ = seq and notifies; the helper runs it, stores DONE = seq (and
// FAILED + its error text if it threw) and notifies. A round trip costs ~25 µs (Atomics).
// Legend: [lo, hi) = the slice of floats the helper runs; byte pointers into the shared memory.

/** Int32 slots of the control block. */
export const HCTL = {
  /** Jobs published; the helper Atomics.waits on it. */
  SEQ: 0,
  /** Last job done; main Atomics.waits on it. */
  DONE: 1,
  /** Seq of a job the helper failed (0: none), with its error text in the text region. */
  FAILED: 2,
  ERROR_LEN: 3,
} as const;
const INTS = 4;

/** Job kinds (HJOB.KIND). */
export const HKIND = { EXIT: 0, OPTIMIZE: 1, ADD: 2 } as const;

/** Float64 fields of the job (pointers and counts fit exactly in a double). */
export const HJOB = {
  KIND: 0,
  LO: 1,
  HI: 2,
  /** OPTIMIZE: the optimizer step t (1-based) and the weight, gradient and state pointers of the whole layer. */
  T: 3,
  W: 4,
  G: 5,
  S1: 6,
  S2: 7,
  /** ADD: which gradient buffer (0 or 1) of every system. */
  BUF: 8,
} as const;
const F64S = 9;

export const HELPER_ERROR_BYTES = 1024;

export interface HelperLayout {
  bytes: number;
  f64Offset: number;
  errorOffset: number;
}

export function helperLayout(): HelperLayout {
  const f64Offset = 8 * Math.ceil((4 * INTS) / 8);
  const errorOffset = f64Offset + 8 * F64S;
  return { bytes: errorOffset + HELPER_ERROR_BYTES, f64Offset, errorOffset };
}

/** The one message the helper thread starts with (workerData; the memory and control block are shared). */
export interface HelperInit {
  memory: WebAssembly.Memory;
  control: SharedArrayBuffer;
  flavor: 'release' | 'debug';
  /** MemoryX's resolved optimizer (src/memoryx/optimizer.ts ResolvedOptimizer, plain data): main's part uses the same. */
  optimizer: { kind: string } & Record<string, unknown>;
  /** SwarmX's tree additions ([into, from] system pairs, in order) and every system's two gradient buffers. */
  reduce: { adds: Array<[number, number]>; gradPtrs: Array<[number, number]> };
}
