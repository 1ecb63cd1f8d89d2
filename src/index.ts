// The public API of weightstream. Each area re-exports its entry points here.
export { ValidationError, CapacityError } from './errors.js';
export { Wasm, createMemory, wasmModule, defaultFlavor } from './wasm/module.js';
export type { Flavor, WasmOptions } from './wasm/module.js';
export { Arena } from './wasm/arena.js';
export { loadSweepFile, validateSweep, expandSweep, runSweep, readResults, resultsToCsv, runHash, type SweepSpec, type SweepOptions, type SweepSummary, type ResultLine } from './sweep/index.js';
