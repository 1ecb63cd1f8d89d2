// src/nn: THE layer execution both trainers share (the in-memory reference trainer and every CS-2 worker).
//
// Interface (all pointers are byte offsets into the Wasm instance's memory; activations feature-major [F, B]):
//
//   const plan = compileModel(spec);                         // src/model: ops, params, streamed layers
//   const ex = createExecutor(kernels, plan, capacity, { budgetBytes }); // kernels: a Kernels facade (or a Wasm);
//                                                            // allocates the activations in its arena;
//                                                            // CapacityError if they exceed budgetBytes
//   ex.setBatch(xt /* Float32Array [D, b] */, labels /* Int32Array [b] */)   // or write at ex.inputPtr /
//                                                            // ex.labelsPtr yourself, then ex.begin(b)
//   for (l = 0; l < L; l++) ex.forwardLayer(l, wirePtr[l]);  // wire block of layer l (model/params.ts packWire)
//   const loss = ex.loss(globalBatch);                        // this system's share: Σ_b CE_b / globalBatch
//   for (l = L - 1; l >= 0; l--) ex.backwardLayer(l, wirePtr[l], gradPtr[l]);  // OVERWRITES layer l's gradient
//                                                            // block (plan.layers[l].paramFloats floats,
//                                                            // master-block layout); sum blocks over systems
//   ex.predictions() / ex.logits()                            // after a forward pass (evaluation)
//
// Layers must be called in order (0..L-1 forward, then loss, then L-1..0 backward); the executor never
// keeps weights between calls: it reads the wire block passed to each call (the weight-streaming rule).
// Gradients are those of the mean loss over the GLOBAL batch, so N systems' blocks summed equal one
// system's block for all the samples (up to float summation order).
// activationLayout(plan, b) / checkActivationBudget(plan, b, bytes) give the bytes a system needs per op
// (memory.ts); the engine checks its wafer-SRAM budget with them.
// Kernel calls all go through backend.ts (one adapter over src/kernels).
export { Executor, createExecutor } from './executor.js';
export type { ExecutorOptions } from './executor.js';
export { activationLayout, checkActivationBudget } from './memory.js';
export type { ActivationLayout, ActivationBuffer } from './memory.js';
export { createBackend } from './backend.js';
export type { NnBackend } from './backend.js';
