#!/usr/bin/python3
"""Outside reference for weightstream's dense, nn and optim kernels (run by test/kernels/dense-numpy.test.ts).

Reads DIR/manifest.json and the raw little-endian .f32/.i32 inputs the TS test wrote there, computes the
same products with NumPy (float64: an exact-enough reference) and, when torch is importable, the nn ops
and optimizer steps with PyTorch (float64 autograd for nn; float32 torch.optim for the optimizers, as a
PyTorch user would run them), writes each output as DIR/<case>.<output>.f32 and DIR/results.json.

Usage: /usr/bin/python3 test/python/check_dense.py DIR
Layouts as in weightstream: row-major; activations feature-major [features, batch].
"""
import json
import os
import sys

import numpy as np

try:
    import torch  # optional: the nn/optim cases need it
except Exception:  # noqa: BLE001 - any import failure means "no torch"
    torch = None


def load(d, name, dtype, shape):
    return np.fromfile(os.path.join(d, name), dtype=dtype).reshape(shape)


def save(d, case, out, arr):
    np.ascontiguousarray(arr, dtype=np.float32).tofile(os.path.join(d, f"{case}.{out}.f32"))


def gemm(d, c):
    M, N, K = c["M"], c["N"], c["K"]
    form = c["form"]
    a = load(d, c["a"], np.float32, (K, M) if form == "tn" else (M, K)).astype(np.float64)
    b = load(d, c["b"], np.float32, (N, K) if form == "nt" else (K, N)).astype(np.float64)
    opa = a.T if form == "tn" else a
    opb = b.T if form == "nt" else b
    return {"c": opa @ opb}


def gemv(d, c):
    M, K = c["M"], c["K"]
    a = load(d, c["a"], np.float32, (M, K)).astype(np.float64)
    x = load(d, c["x"], np.float32, (K,) if c["form"] == "n" else (M,)).astype(np.float64)
    return {"y": a @ x if c["form"] == "n" else a.T @ x}


def t64(arr):
    return torch.tensor(arr, dtype=torch.float64, requires_grad=True)


def gelu(d, c):
    n = c["n"]
    x = t64(load(d, c["x"], np.float32, (n,)).astype(np.float64))
    dy = torch.tensor(load(d, c["dy"], np.float32, (n,)).astype(np.float64))
    y = torch.nn.functional.gelu(x, approximate="tanh")
    y.backward(dy)
    return {"y": y.detach().numpy(), "dx": x.grad.numpy()}


def softmax_xent(d, c):
    C, B = c["C"], c["B"]
    logits = load(d, c["logits"], np.float32, (C, B)).astype(np.float64)
    labels = load(d, c["labels"], np.int32, (B,)).astype(np.int64)
    lt = t64(logits.T.copy())  # torch wants [B, C]
    loss = torch.nn.functional.cross_entropy(lt, torch.tensor(labels), reduction="mean")
    loss.backward()
    return {"loss": np.array([loss.item()]), "dlogits": lt.grad.numpy().T}


def layernorm(d, c):
    F, B, eps = c["F"], c["B"], c["eps"]
    x = t64(load(d, c["x"], np.float32, (F, B)).astype(np.float64).T.copy())
    g = t64(load(d, c["gamma"], np.float32, (F,)).astype(np.float64))
    be = t64(load(d, c["beta"], np.float32, (F,)).astype(np.float64))
    dy = torch.tensor(load(d, c["dy"], np.float32, (F, B)).astype(np.float64).T.copy())
    y = torch.nn.functional.layer_norm(x, (F,), g, be, eps)
    y.backward(dy)
    return {"y": y.detach().numpy().T, "dx": x.grad.numpy().T, "dgamma": g.grad.numpy(), "dbeta": be.grad.numpy()}


def optimizer(d, c):
    n, steps = c["n"], c["steps"]
    p = torch.nn.Parameter(torch.tensor(load(d, c["p"], np.float32, (n,))))
    grads = load(d, c["grads"], np.float32, (steps, n))
    h = c["hyper"]
    if c["op"] == "adamw":
        opt = torch.optim.AdamW([p], lr=h["lr"], betas=(h["beta1"], h["beta2"]), eps=h["eps"], weight_decay=h["weightDecay"])
    else:
        opt = torch.optim.SGD([p], lr=h["lr"], momentum=h["momentum"], weight_decay=h["weightDecay"])
    for t in range(steps):
        p.grad = torch.tensor(grads[t])
        opt.step()
    return {"p": p.detach().numpy()}


OPS = {"gemm": gemm, "gemv": gemv, "gelu": gelu, "softmax_xent": softmax_xent, "layernorm": layernorm,
       "adamw": optimizer, "sgd": optimizer}
NEEDS_TORCH = {"gelu", "softmax_xent", "layernorm", "adamw", "sgd"}


def main(d):
    with open(os.path.join(d, "manifest.json")) as f:
        manifest = json.load(f)
    done, skipped = [], []
    for c in manifest["cases"]:
        if c["op"] in NEEDS_TORCH and torch is None:
            skipped.append(c["name"])
            continue
        outs = OPS[c["op"]](d, c)
        for k, v in outs.items():
            save(d, c["name"], k, v)
        done.append(c["name"])
    results = {"numpy": np.__version__, "torch": torch.__version__ if torch is not None else None,
               "done": done, "skipped": skipped}
    tmp = os.path.join(d, "results.json.tmp")
    with open(tmp, "w") as f:
        json.dump(results, f)
    os.replace(tmp, os.path.join(d, "results.json"))


if __name__ == "__main__":
    main(sys.argv[1])
