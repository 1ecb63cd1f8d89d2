// Re-exports of the nn kernels, one variant per file.
export { biasAddSimd } from "./bias-add-simd";
export { biasGradSimd } from "./bias-grad-simd";
export { reluFwdSimd, reluBwdSimd } from "./relu-simd";
export { geluFwdSimd, geluBwdSimd } from "./gelu-tanh-simd";
export { softmaxXentSimd } from "./softmax-xent-simd";
export { layerNormFwdSimd } from "./layernorm-fwd-simd";
export { layerNormBwdSimd } from "./layernorm-bwd-simd";
export { attentionFwdSimd } from "./attention-fwd-simd";
export { attentionBwdSimd } from "./attention-bwd-simd";
export { embeddingFwdSimd } from "./embedding-fwd-simd";
export { embeddingBwdSimd } from "./embedding-bwd-simd";
export { attentionFwd4qSimd } from "./attention-fwd-4q-simd";
export { attentionBwd4qSimd } from "./attention-bwd-4q-simd";
