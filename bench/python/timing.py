"""Timing shared by the Python baselines of bench/kernels.ts: warm up, then time until both a minimum
sample count and a time budget are reached; returns (median ms, min ms)."""
import time

import numpy as np


def median_ms(fn, time_ms, max_samples=2000):
    for _ in range(3):
        fn()
    ts = []
    start = time.perf_counter()
    while len(ts) < 5 or (time.perf_counter() - start) * 1e3 < time_ms:
        t = time.perf_counter()
        fn()
        ts.append(time.perf_counter() - t)
        if len(ts) >= max_samples:
            break
    return float(np.median(ts) * 1e3), float(np.min(ts) * 1e3)
