// MemoryX: the master weights and optimizer state of a training run, in a DRAM tier and a flash tier,
// streamed layer by layer and updated layer by layer; checkpoints of its state. See docs/training.md.
export { MemoryX, valueWordIndex } from './store.js';
export { memoryxLayers } from './layers.js';
export type { MxLayer, MxSegment } from './layers.js';
export type { Updater, MemoryXOptions, MemoryXCounters, MemoryXSnapshot } from './store.js';
export { resolveOptimizer, stateArrays, stateBytes, OPTIMIZER_KINDS } from './optimizer.js';
export type { OptimizerConfig, SgdConfig, AdamWConfig, ResolvedOptimizer, OptimizerKind } from './optimizer.js';
export { planTiers, FlashFile } from './tiers.js';
export type { TierPlan } from './tiers.js';
export { createUpdater } from './update.js';
export { saveCheckpoint, lockCheckpoint, loadCheckpoint, encodeCheckpoint, decodeCheckpoint, CheckpointError } from './checkpoint.js';
export type { Checkpoint } from './checkpoint.js';
