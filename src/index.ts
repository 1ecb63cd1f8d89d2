// The public API of weightstream: what a researcher using the Node library needs, and nothing of the
// machinery behind it (memory layouts, arenas, MemoryX/SwarmX internals, executors, fabric mapping).
// api/weightstream.api.md is the checked report of this surface (`npm run api` regenerates it after a
// build; test/api.test.ts fails when it differs): a change here shows in review as a change there.
// Tests and benches import internals from their own modules under src/ directly.

// Errors a caller may catch
export { ValidationError, CapacityError } from './errors.js';
export { SystemFault } from './cluster/systems.js';
export { CheckpointError } from './memoryx/checkpoint.js';
export { ReportInputError } from './report/inputs.js';

// Functional level: train on N simulated CS-2 (and the in-memory reference trainer it must equal)
export { createCluster, type Cluster, type ClusterOptions, type TrainOptions, type TrainResult } from './cluster/engine.js';
export type { TraceInfo } from './cluster/options.js';
export { runTrain, TRAIN_DEFAULTS, type TrainConfig, type TrainSummary, type TrainRun, type RunTrainOptions } from './cluster/index.js';
export type { StepEvent, EventKind as StepEventKind } from './cluster/events.js';
export type { MemoryXSnapshot } from './memoryx/store.js';
export { trainReference, evaluate, type ReferenceOptions, type ReferenceResult, type Evaluation } from './train/index.js';
export type { OptimizerConfig, SgdConfig, AdamWConfig, ResolvedOptimizer } from './memoryx/optimizer.js';
export { saveCheckpoint, loadCheckpoint, type Checkpoint } from './memoryx/checkpoint.js';

// Models and their parameters
export type { ModelSpec, LayerSpec, LinearSpec, ReluSpec, GeluSpec, LayerNormSpec, ResidualSpec, EmbeddingSpec, AttentionSpec, LmHeadSpec, LayerType, LossType } from './model/types.js';
export { importGpt2Config, gpt2ConfigOf, gpt2ParamCount, isHfConfig, type HfImport } from './model/hf.js';
export { importHfConfig, decoderParamCount, DECODER_FAMILIES, type HfArchImport, type DecoderArch, type DecoderFamily } from './model/hf.js';
export { GPT_PRESETS, gptPreset, resolveTokenModel } from './model/load.js';
export { generate, type GenerateOptions } from './train/generate.js';
export { LAYER_TYPES, LOSS_TYPES } from './model/types.js';
export { validateModel } from './model/validate.js';
export { loadModelFile, resolveModel as resolveModelSpec, withSparsity, PRESETS } from './model/load.js';
export { compileModel, describePlan } from './model/compile.js';
export type { Plan, PlanOp, PlanParam, StreamedLayer, SparseStructure, LinearOp, LayerNormOp, ActivationOp, ResidualBeginOp, ResidualEndOp, EmbeddingOp, AttentionOp, LmHeadOp, OpKind, OpBase } from './model/plan.js';
export { initParams, stateDict, toTorch, setFromTorch, type Params } from './model/params.js';

// Data loaders and safetensors IO
export { loadDigits, loadDataFile, teacherData, resolveData, type Dataset, type Split, type DataFileOptions, type TeacherOptions } from './data/index.js';
export { loadTokenFile, checkTokens, unigramEntropy, sampleTokens, type TokenDataset, type TokenSplit, type TokenFileOptions, type SampleOptions } from './data/index.js';
export type { AnySplit } from './data/fill.js';
export { loadTextFile, loadShippedText, resolveTokenData, encodeBytes, decodeBytes, SHIPPED_TEXTS, type TextOptions } from './data/text.js';
export type { TrainData } from './data/fill.js';
export { parseSafetensors, readSafetensors, serializeSafetensors, writeSafetensors, tensorToNumbers, type Dtype, type Tensor } from './io/safetensors.js';
export { weightsToTensors, weightsFromTensors, saveWeights, loadWeights } from './model/weights-file.js';

// The weight-stream format and the kernels (docs/sparse.md, docs/kernels.md)
export { encodeStream, decodeStream, validateStream, wrapStream, randomMask, randomStream, rowCounts, rowOffsets, rowRange, forEachNonZero, streamPositions, streamValues, withValues, setValues, streamMask, streamWords, streamBytes, transposeStream, columnStreamWords, type WeightStream, type ColumnSkeleton } from './sparse/stream.js';
export { Wasm, type Flavor, type WasmOptions } from './wasm/module.js';
export type { WasmArena } from './wasm/arena.js';
export { Kernels } from './kernels/kernels.js';
export { putStream, checkStream, spmmForward, spmmDelta, spmmGrad, sparseForward, sparseDelta, sparseGrad, putColumnStream, checkColumnStream, spmmForwardColumns, sparseForwardColumns, SPMM_REL_TOL, type StreamRef, type SparseCallOptions, type SpmmForwardVariant } from './kernels/sparse.js';
export { gemm, gemv, axpy, gemmArrays, GEMM_REL_TOL, type GemmForm, type GemmOptions, type GemmVariant } from './kernels/dense.js';
export { biasAdd, biasGrad, relu, reluBackward, gelu, geluBackward, softmaxCrossEntropy, layerNorm, layerNormBackward } from './kernels/nn.js';
export { attentionForward, attentionBackward, attentionScratchFloats, type AttentionVariant } from './kernels/attention.js';
export { embeddingForward, embeddingBackward } from './kernels/embedding.js';
export { sgdMomentum, adamw, type SgdHyper, type AdamWHyper } from './kernels/optim.js';

// Cycle level: the fabric
export { runFabric, runFabricAsync, DEFAULT_SKEW as FABRIC_DEFAULT_SKEW, DEFAULT_SKEW_BLOCKS as FABRIC_DEFAULT_SKEW_BLOCKS, type SkewPlan as FabricSkewPlan, type SkewSplit as FabricSkewSplit, fabricEfficiency, fabricModelEfficiency, fabricEfficiencyFn, fabricMachine, FABRIC_DEFAULTS, FABRIC_MACHINE_SOURCES, writeHeatmap as writeFabricHeatmap, type FabricRunOptions, type FabricResult, type FabricRun, type FoldInfo as FabricFoldInfo, type FabricMachine, type FabricPass, type FabricEfficiency, type CycleBreakdown, type FabricEfficiencyOptions, type FabricEfficiencyFnOptions, type PerfLayerShape, type FabricMapping, type LayerShape as FabricLayerShape, type MeshShape, type BalanceChoice as FabricBalanceChoice, type BalancePlan as FabricBalancePlan, type BandSplit as FabricBandSplit } from './fabric/index.js';
export type { Sourced } from './fabric/defaults.js';
export type { SimCounters } from './fabric/sim.js';
export type { FabricCheck } from './fabric/check.js';
export type { FabricMemory } from './fabric/memory.js';

// At scale: the estimate, the GPU comparison, the claims
export { estimate, estimateGpu, claims, runEstimate, loadSpec, loadSpecs, defaultSpecs, preset, presets, presetNames, resolveModel, modelFromObject, perfModelFromEngine, gptModelFromHfConfig, constantEfficiency, formatEstimate, formatGpuEstimate, formatClaims, type Estimate, type EstimateOptions, type GpuEstimate, type GpuEstimateOptions, type Claims, type ClaimRow, type PerfModel, type Specs, type EfficiencyFn, type LayerShape, type EstimateConfig, type Bound, type LayerRow, type Recompute, type Optimizer, type Precision, type Verdict, type ScalingPoint, type ClaimsOptions, type SwarmxTree, type Spec, type Figure, type Cs2Spec, type GpuSpec, type MemoryxSpec, type SwarmxSpec, type PerfLayer, type PerfLayerKind, type GptShape } from './perf/index.js';
export { SCHEMAS as SPEC_SCHEMAS, FLOP_CONVENTIONS, type SpecKind, type FlopConvention, type SpecValues, type SpecField, type SpecFieldType, type SpecFieldValue } from './perf/specs.js';
export { decoderLayers } from './perf/decoder-layers.js';
export { estimatePhases, parseRunFile, formatPhases, type PhasedEstimate, type RunFile, type RunPhase } from './perf/phases.js';

// The time model shared by both levels: one scheduler, its trace, and the conversion to seconds
export { schedule, stepTime, PIPELINE_MODES, EVENT_KINDS, type PipelineMode, type EventKind, type LayerCost, type Resource, type Schedule, type ScheduledEvent, type ScheduleOptions } from './timeline/schedule.js';
export { summarize, type TimelineSummary } from './timeline/summary.js';
export { toTrace, writeTrace, type Trace, type TraceEvent } from './timeline/trace.js';
export { hardwareRates, eventSeconds, type Rates } from './perf/rates.js';
export { pipelineEstimate, pipelineLayerCosts, type PipelineEstimate, type PipelineEstimateOptions } from './perf/pipeline.js';

// Sweeps and reports
export { loadSweepFile, validateSweep, expandSweep, runSweep, readResults, resultsToCsv, type SweepSpec, type SweepOptions, type SweepSummary, type ResultLine, type Run, type RunKind, type RunError, type Timings, type Config, type Axis, RUN_KINDS } from './sweep/index.js';
export { buildId, type RanOn } from './build.js';
export { writeReport, buildReport, type Report, type ReportOptions, type WrittenReport, type Chart, type ReportInput, type RenderedChart, type Heatmap, type TraceEventLike, type SensitivityInput, type SensitivityInputPoint } from './report/index.js';
export type { ReportTable } from './report/html.js';
