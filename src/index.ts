// The public API of weightstream. Each area re-exports its entry points here.
export { ValidationError, CapacityError } from './errors.js';
export { Wasm, createMemory, wasmModule, defaultFlavor } from './wasm/module.js';
export type { Flavor, WasmOptions } from './wasm/module.js';
export { Arena } from './wasm/arena.js';
export { loadSweepFile, validateSweep, expandSweep, runSweep, readResults, resultsToCsv, runHash, type SweepSpec, type SweepOptions, type SweepSummary, type ResultLine } from './sweep/index.js';
export { encodeStream, decodeStream, validateStream, wrapStream, randomMask, randomStream, rowCounts, forEachNonZero, streamPositions, streamValues, withValues, streamMask, streamWords, streamBytes, type WeightStream } from './sparse/stream.js';
export { putStream, checkStream, spmmForward, spmmDelta, spmmGrad, sparseForward, sparseDelta, sparseGrad, SPMM_REL_TOL, type StreamRef, type SparseCallOptions, type SpmmForwardVariant } from './kernels/sparse.js';
export * from './model/index.js';
export * from './nn/index.js';
export * from './io/index.js';
export * from './data/index.js';
export * from './train/index.js';
