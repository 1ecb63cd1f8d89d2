// The model area: descriptions (types.ts), validation, compilation into a Plan (ops, state-dict named
// parameters, streamed layers), parameter init/conversion/packing, files and presets. See docs/model.md.
export type { ModelSpec, LayerSpec, LinearSpec, ReluSpec, GeluSpec, LayerNormSpec, ResidualSpec, LayerType, LossType } from './types.js';
export { LAYER_TYPES, LOSS_TYPES } from './types.js';
export { validateModel } from './validate.js';
export { compileModel, structureFromMask, hashSeed, describePlan } from './compile.js';
export type { Plan, PlanOp, PlanParam, StreamedLayer, SparseStructure, LinearOp, LayerNormOp, ActivationOp, ResidualBeginOp, ResidualEndOp, OpKind } from './plan.js';
export { initParams, zeroParams, cloneParams, toTorch, setFromTorch, stateDict, denseWeightKN, packWire, wireWordsOf, wireOffsetOf } from './params.js';
export type { Params } from './params.js';
export { loadModelFile, resolveModel, resolveModel as resolveModelSpec, withSparsity, PRESETS } from './load.js';
// (src/index.ts also exports the perf model's resolveModel, which takes precedence there: use resolveModelSpec.)
export { weightsToTensors, weightsFromTensors, saveWeights, loadWeights } from './weights-file.js';
