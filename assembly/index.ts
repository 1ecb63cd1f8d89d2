// The ABI of weightstream's one WebAssembly module: every exported kernel, re-exported by area.
// Conventions (all kernels): f32, row-major, pointers + sizes, outputs first; no allocation inside kernels:
// the host allocates every buffer (including scratch) in the imported memory and passes pointers.
export * from "./common";
export * from "./dense/index";
export * from "./sparse/index";
export * from "./nn/index";
export * from "./optim/index";
export * from "./fabric/index";
