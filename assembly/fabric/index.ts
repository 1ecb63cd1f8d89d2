// The cycle-level wafer simulator: mesh of cores, routers and the dataflow-trigger loop.
// Host side: src/fabric/ (mapping, layout of the config block, runs, statistics).
export { fabricInit, fabricRun, fabricNow, fabricConfigSlots, fabricAbiHash } from './loop';
export { fabricBandRun, fabricStopBands } from './bands';
export { fabricSkewSetup, fabricSkewRun } from './skew';
export { fabricSkewThreadRun } from './skew-threads';
export { fabricSkewPipeRun } from './skew-pipe';
export { fabricFillSeeded, fabricSeededRows } from './seeded';
