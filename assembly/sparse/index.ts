// Re-exports of the sparse kernels (the weight stream of src/sparse/stream.ts), one variant per file.
export { spmmFwdAxpySimd } from "./spmm-fwd-axpy-simd";
export { spmmFwdAxpyScalar } from "./spmm-fwd-axpy-scalar";
export { spmmDeltaSimd } from "./spmm-delta-simd";
export { spmmGradSimd } from "./spmm-grad-simd";
export { spmmFwdColSimd, spmmFwdColScratchBytes } from "./spmm-fwd-col-simd";
