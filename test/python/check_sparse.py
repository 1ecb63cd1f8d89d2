#!/usr/bin/python3
"""Outside reference for weightstream's sparse kernels: SciPy CSR and NumPy compute the same products.

Reads cases written by test/kernels/sparse-python.test.ts into a directory (meta.json plus raw
little-endian files), decodes each weight stream with an independent decoder written from the format's
description (docs/sparse.md), checks it against the dense zero-filled matrix the TS side encoded, then
computes in float64:
  forward   Yt [N, B] = Wᵀ · Xt      (scipy.sparse.csr_matrix(W).T @ Xt)
  delta     dXt [K, B] = W · dYt     (csr @ dYt)
  gradient  g [nnz]   = Σ_b Xt[k, b] · dYt[n, b] for the i-th non-zero (k, n) in stream order
and a dense NumPy cross-check of the forward (Wᵀ @ Xt). Writes <case>.{yt,dxt,g,ytdense}.f32 and
result.json ({case: {"decodeOk": bool, "csrNnz": int, "error": str?}}).
Legend: K = input features, N = output features, B = batch, nnz = non-zeros of W [K, N].
Usage: /usr/bin/python3 check_sparse.py DIR
"""
import json
import os
import sys

import numpy as np
import scipy.sparse as sp


def decode_stream(words: np.ndarray, K: int, N: int):
    """Independent decoder: per row k a count c_k, then c_k (column delta u32, value f32) pairs."""
    values = words.view(np.float32)
    indptr = [0]
    indices = []
    data = []
    p = 0
    for k in range(K):
        c = int(words[p])
        p += 1
        col = 0
        for j in range(c):
            d = int(words[p])
            if j > 0 and d == 0:
                raise ValueError(f"row {k} entry {j}: repeated column")
            col += d
            if col >= N:
                raise ValueError(f"row {k} entry {j}: column {col} >= N = {N}")
            indices.append(col)
            data.append(values[p + 1])
            p += 2
        indptr.append(len(indices))
    if p != len(words):
        raise ValueError(f"{len(words) - p} words left over")
    return np.array(indptr, np.int64), np.array(indices, np.int64), np.array(data, np.float32)


def main(d: str) -> None:
    meta = json.load(open(os.path.join(d, "meta.json")))
    result = {}
    for case in meta["cases"]:
        name, K, N, B = case["name"], case["K"], case["N"], case["B"]
        raw = lambda suffix, dt: np.fromfile(os.path.join(d, f"{name}.{suffix}"), dtype=dt)
        words = raw("stream.u32", "<u4")
        wdense = raw("w.f32", "<f4").reshape(K, N)
        xt = raw("xt.f32", "<f4").reshape(K, B).astype(np.float64)
        dyt = raw("dyt.f32", "<f4").reshape(N, B).astype(np.float64)
        try:
            indptr, indices, data = decode_stream(words, K, N)
        except ValueError as e:
            result[name] = {"decodeOk": False, "csrNnz": -1, "error": str(e)}
            continue
        csr = sp.csr_matrix((data.astype(np.float64), indices, indptr), shape=(K, N))
        decode_ok = bool(np.array_equal(csr.toarray().astype(np.float32), wdense))
        yt = np.asarray(csr.T @ xt)
        dxt = np.asarray(csr @ dyt)
        rows = np.repeat(np.arange(K), np.diff(indptr))
        g = np.einsum("ib,ib->i", xt[rows], dyt[indices])
        ytdense = wdense.astype(np.float64).T @ xt
        for suffix, arr in (("yt", yt), ("dxt", dxt), ("g", g), ("ytdense", ytdense)):
            np.ascontiguousarray(arr, dtype="<f4").tofile(os.path.join(d, f"{name}.{suffix}.f32"))
        result[name] = {"decodeOk": decode_ok, "csrNnz": int(csr.nnz)}
    tmp = os.path.join(d, "result.json.tmp")
    with open(tmp, "w") as f:
        json.dump(result, f)
    os.replace(tmp, os.path.join(d, "result.json"))


if __name__ == "__main__":
    main(sys.argv[1])
