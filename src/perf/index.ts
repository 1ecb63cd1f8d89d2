// The at-scale model (level 3 of DESIGN.md): hardware specs, model presets and imports, the per-step
// estimate on N CS-2 with MemoryX and SwarmX, the GPU comparison and the article's claims checked.
export { defaultSpecs, loadSpec, loadSpecs, validateSpec, cite, SCHEMAS, SPEC_KINDS, type Spec, type Specs, type Figure, type Cs2Spec, type MemoryxSpec, type SwarmxSpec, type GpuSpec, type SpecKind } from './specs.js';
export { gptLayers, countParams, KORTHIKANTI_BYTES_PER_D, type PerfLayer, type PerfLayerKind, type GptShape } from './layers.js';
export { preset, presets, presetNames, resolveModel, modelFromObject, gptModelFromSpec, gptModelFromHfConfig, perfModelFromEngine, type PerfModel } from './models.js';
export { constantEfficiency, type EfficiencyFn, type LayerShape } from './efficiency.js';
export { bytesPerParam, waferFit, PRECISIONS, OPTIMIZERS, type Precision, type Optimizer, type WaferFit, type BytesPerParam } from './capacity.js';
export { swarmxTree, type SwarmxTree } from './swarmx.js';
export { estimate, waferFitOf, RECOMPUTE, type Estimate, type EstimateOptions, type Bound, type Recompute, type LayerRow } from './estimate.js';
export { estimateGpu, type GpuEstimate, type GpuEstimateOptions } from './gpu.js';
export { claims, sparsityFor, SCALING_SYSTEMS, type Claims, type ClaimRow, type ClaimsOptions, type ScalingPoint, type Verdict } from './claims.js';
export { runEstimate, specsFor, modelFor, type EstimateConfig } from './run.js';
export { formatEstimate, formatGpuEstimate, formatClaims } from './format.js';
