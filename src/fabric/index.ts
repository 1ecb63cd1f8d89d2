// The wafer at cycle level: map one layer's pass onto a mesh of cores, run it cycle by cycle in
// WebAssembly with real numbers, and read where the cycles went. See docs/fabric.md.
export { runFabric, runFabricAsync, DEFAULT_SKEW, DEFAULT_SKEW_BLOCKS } from './run.js';
export type { FabricRunOptions, FabricResult, FabricRun, CycleBreakdown } from './run.js';
export { FOLD_ROWS, FOLD_AUTO_CORE_CYCLES } from './fold.js';
export type { FoldInfo } from './fold.js';
export { fabricEfficiency, fabricModelEfficiency, fabricEfficiencyFn } from './efficiency.js';
export type { FabricEfficiency, FabricEfficiencyOptions, FabricEfficiencyFnOptions, PerfLayerShape } from './efficiency.js';
export { FABRIC_DEFAULTS, FABRIC_MACHINE_SOURCES, WSE2_MESH, fabricMachine } from './defaults.js';
export type { FabricMachine } from './defaults.js';
export { mapLayer, blockStarts, FABRIC_PASSES } from './mapping.js';
export type { FabricMapping, FabricPass, LayerShape, MeshShape } from './mapping.js';
export { modelCycles } from './model.js';
export type { CycleModel } from './model.js';
export { heatmapOf, writeHeatmap } from './heatmap.js';
export type { FabricHeatmap } from './heatmap.js';
export { FabricSim } from './sim.js';
export type { SkewPlan, SkewSplit } from './sim.js';
export type { BalanceChoice, BalancePlan, BandSplit } from './bands.js';
export { columnStreams } from './streams.js';
