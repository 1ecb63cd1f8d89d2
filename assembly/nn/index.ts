// Re-exports of the nn kernels, one variant per file.
export {};
