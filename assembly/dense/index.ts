// Re-exports of the dense kernels, one variant per file.
export {};
