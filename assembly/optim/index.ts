// Re-exports of the optim kernels, one variant per file.
export { sgdMomentumSimd } from "./sgd-momentum-simd";
export { adamwSimd } from "./adamw-simd";
