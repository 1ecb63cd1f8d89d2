// Re-exports of the sparse kernels, one variant per file.
export {};
