// Re-exports of the dense kernels, one variant per file.
export { gemmNn4x8Simd } from "./gemm-nn-4x8-simd";
export { gemmNt4x8Simd } from "./gemm-nt-4x8-simd";
export { gemmTn4x8Simd } from "./gemm-tn-4x8-simd";
export { gemmNnNaiveScalar, gemmNtNaiveScalar, gemmTnNaiveScalar } from "./gemm-naive-scalar";
export { gemmMinScratchBytes } from "./gemm-blocked-4x8";
export { gemvNSimd } from "./gemv-n-simd";
export { gemvTSimd } from "./gemv-t-simd";
export { axpySimd } from "./axpy-simd";
