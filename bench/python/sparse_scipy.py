#!/usr/bin/python3
"""SciPy CSR medians for bench/kernels.ts: the sparse baselines on the weight-stream bench shape.

Usage: /usr/bin/python3 bench/python/sparse_scipy.py '{"B": 256, "K": 1024, "N": 1024, "sparsities": [0.9], "timeMs": 500}'
Prints {"scipy", "medianMs": {"fwd": {"0.9": ms}, "delta": {...}}, "minMs": {same keys}}. Feature-major as weightstream:
forward Yt[N,B] = Wᵀ·Xt with Wᵀ held in CSR; delta dXt[K,B] = W·dYt with W in CSR. One thread
(OPENBLAS_NUM_THREADS=1; SciPy's CSR product is single-threaded C++ anyway). Matrix conversion is not timed.
"""
import json
import os
import sys

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
import numpy as np  # noqa: E402
from timing import median_ms  # noqa: E402
import scipy  # noqa: E402
import scipy.sparse as sp  # noqa: E402


def main(a):
    B, K, N = a["B"], a["K"], a["N"]
    rng = np.random.default_rng(7)
    Xt = rng.standard_normal((K, B), dtype=np.float32)
    dYt = rng.standard_normal((N, B), dtype=np.float32)
    fwd, delta, fwd_min, delta_min = {}, {}, {}, {}
    for s in a["sparsities"]:
        W = rng.standard_normal((K, N), dtype=np.float32)
        W[rng.random((K, N)) < s] = 0
        Wt = sp.csr_matrix(W.T)
        Wc = sp.csr_matrix(W)
        fwd[str(s)], fwd_min[str(s)] = median_ms(lambda: Wt @ Xt, a["timeMs"], 5000)
        delta[str(s)], delta_min[str(s)] = median_ms(lambda: Wc @ dYt, a["timeMs"], 5000)
    print(json.dumps({"scipy": scipy.__version__, "medianMs": {"fwd": fwd, "delta": delta},
                      "minMs": {"fwd": fwd_min, "delta": delta_min}}))


if __name__ == "__main__":
    main(json.loads(sys.argv[1]))
