// Re-exports of the optim kernels, one variant per file.
export {};
