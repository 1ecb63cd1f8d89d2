// The weight-streaming training engine: createCluster({ systems }) → cluster.train(model, data, opts).
// See docs/training.md for the data path, the protocol and the memory layout.
export { createCluster, planFingerprint, WSE2_SRAM_BYTES } from './engine.js';
export type { Cluster, ClusterOptions, TrainOptions, TrainResult } from './engine.js';
export { layerFlop } from './events.js';
export type { StepEvent, EventKind as StepEventKind } from './events.js';
export { SystemFault } from './systems.js';
export type { FaultInjection } from '../protocol/cs2.js';
export type { TraceInfo } from './options.js';
export { runTrain, prepareTrain, runPrepared } from './run-train.js';
export type { TrainSummary, TrainRun, PreparedTrain, RunTrainOptions } from './run-train.js';
export { TRAIN_DEFAULTS, TRAIN_CONFIG_FIELDS } from './config.js';
export type { TrainConfig } from './config.js';
