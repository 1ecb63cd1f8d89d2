#!/usr/bin/python3
"""NumPy single-thread SGEMM medians for bench/kernels.ts: the physical limit of this CPU as native code sees it.

Usage: OPENBLAS_NUM_THREADS=1 /usr/bin/python3 bench/python/dense_numpy.py '{"sizes": [256, 512], "timeMs": 500}'
Prints one JSON object: {"numpy", "blas" (threadpoolctl info when importable), "openblasCoretype",
"medianMs": {"256": ms, ...}, "minMs": {...}}. float32 C = A @ B on seeded uniform inputs; each size warms up first,
then times single calls until timeMs has passed (at least 5 samples) and reports their median.
"""
import json
import os
import sys

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
import numpy as np  # noqa: E402
from timing import median_ms  # noqa: E402


def blas_info():
    try:
        from threadpoolctl import threadpool_info
        return [{k: v for k, v in i.items() if k in ("internal_api", "version", "architecture", "num_threads", "filepath")}
                for i in threadpool_info()]
    except Exception as e:  # noqa: BLE001
        return [{"error": str(e)}]


def main(args):
    rng = np.random.default_rng(1)
    med, low = {}, {}
    for n in args["sizes"]:
        a = rng.random((n, n), dtype=np.float32)
        b = rng.random((n, n), dtype=np.float32)
        med[str(n)], low[str(n)] = median_ms(lambda: a @ b, args["timeMs"])
    print(json.dumps({"numpy": np.__version__, "blas": blas_info(),
                      "openblasCoretype": os.environ.get("OPENBLAS_CORETYPE"), "medianMs": med, "minMs": low}))


if __name__ == "__main__":
    main(json.loads(sys.argv[1]))
