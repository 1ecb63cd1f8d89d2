// The public API of weightstream. Each area re-exports its entry points here.
export { ValidationError, CapacityError } from './errors.js';
export { Wasm, createMemory, wasmModule, defaultFlavor } from './wasm/module.js';
export type { Flavor, WasmOptions } from './wasm/module.js';
export { Arena } from './wasm/arena.js';
export { loadSweepFile, validateSweep, expandSweep, runSweep, readResults, resultsToCsv, runHash, type SweepSpec, type SweepOptions, type SweepSummary, type ResultLine } from './sweep/index.js';
export { encodeStream, decodeStream, validateStream, wrapStream, randomMask, randomStream, rowCounts, rowOffsets, rowRange, forEachNonZero, streamPositions, streamValues, withValues, setValues, streamMask, streamWords, streamBytes, type WeightStream } from './sparse/stream.js';
export { putStream, checkStream, spmmForward, spmmDelta, spmmGrad, sparseForward, sparseDelta, sparseGrad, SPMM_REL_TOL, type StreamRef, type SparseCallOptions, type SpmmForwardVariant } from './kernels/sparse.js';
export * from './model/index.js';
export * from './nn/index.js';
export * from './io/index.js';
export * from './data/index.js';
export * from './train/index.js';
export { estimate, estimateGpu, claims, runEstimate, loadSpec, loadSpecs, defaultSpecs, preset, presets, presetNames, resolveModel, modelFromObject, perfModelFromEngine, gptModelFromHfConfig, constantEfficiency, formatEstimate, formatClaims, type Estimate, type EstimateOptions, type GpuEstimate, type Claims, type ClaimRow, type PerfModel, type Specs, type EfficiencyFn, type LayerShape, type EstimateConfig } from './perf/index.js';
export { MemoryX, memoryxLayers, resolveOptimizer, planTiers, createUpdater, saveCheckpoint, loadCheckpoint, CheckpointError, type OptimizerConfig, type SgdConfig, type AdamWConfig, type MemoryXOptions, type MemoryXSnapshot, type Checkpoint, type TierPlan } from './memoryx/index.js';
export { reduceTree, planLayout, SwarmX, type ReduceTree, type SharedLayout } from './swarmx/index.js';
export { createCluster, planFingerprint, WSE2_SRAM_BYTES, layerFlop, SystemFault, type Cluster, type ClusterOptions, type TrainOptions, type TrainResult, type StepEvent, type StepEventKind, type FaultInjection } from './cluster/index.js';
