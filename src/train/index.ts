// The train area: the in-memory reference trainer and evaluation (the engine lives in src/cluster).
export { trainReference } from './reference.js';
export type { ReferenceOptions, ReferenceResult } from './reference.js';
export { evaluate } from './evaluate.js';
export type { Evaluation } from './evaluate.js';
