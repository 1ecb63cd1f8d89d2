"""PyTorch (float64 autograd) reference for the attention and embedding kernels (test/python/attention-torch.test.ts).

Reads DIR/meta.json and raw little-endian .f32/.i32 inputs; writes float64 results as DIR/<case>.<name>.f64.
Attention: F.scaled_dot_product_attention(is_causal=True) where torch has it, else the explicit masked
softmax; both differentiated by autograd.
Layout (weightstream's, feature-major): qkv [3C, n], out/dout [C, n], n = nSeq*T, column j = s*T + t;
att [nSeq, H, T, T]; wte [V, C], wpe [P, C] (torch's nn.Embedding layout).
"""
import json
import math
import sys

import numpy as np
import torch
import torch.nn.functional as F

torch.set_num_threads(1)


def load(d, name, dtype, shape):
    return torch.from_numpy(np.fromfile(f"{d}/{name}", dtype=dtype).astype(np.float64 if dtype == np.float32 else np.int64).reshape(shape))


def save(d, case, name, t):
    t.detach().contiguous().numpy().astype(np.float64).tofile(f"{d}/{case}.{name}.f64")


def attention(d, c):
    ns, T, C, H = c["nSeq"], c["T"], c["C"], c["H"]
    n, hd = ns * T, C // H
    qkv = load(d, c["qkv"], np.float32, (3 * C, n)).requires_grad_()
    dout = load(d, c["dout"], np.float32, (C, n))

    def heads(x):  # [C, n] -> [nSeq, H, T, hd]
        return x.reshape(H, hd, ns, T).permute(2, 0, 3, 1)

    q, k, v = heads(qkv[:C]), heads(qkv[C:2 * C]), heads(qkv[2 * C:])
    # P by an explicit masked softmax (what the kernel saves); the output through it, or through
    # F.scaled_dot_product_attention(is_causal=True) where this torch has it (>= 2.0)
    s = q @ k.transpose(-1, -2) / math.sqrt(hd)
    mask = torch.ones(T, T, dtype=torch.bool).triu(1)
    p = torch.softmax(s.masked_fill(mask, float("-inf")), dim=-1)
    sdpa = getattr(F, "scaled_dot_product_attention", None)
    y = sdpa(q, k, v, is_causal=True) if sdpa else p @ v  # [nSeq, H, T, hd]
    out = y.permute(1, 3, 0, 2).reshape(C, n)
    out.backward(dout)
    save(d, c["name"], "out", out)
    save(d, c["name"], "att", p)
    save(d, c["name"], "dqkv", qkv.grad)


def embedding(d, c):
    n, T, C, V = c["n"], c["T"], c["C"], c["V"]
    P = min(n, T)
    ids = load(d, c["ids"], np.int32, (n,))
    tok = torch.nn.Embedding(V, C, dtype=torch.float64)
    pos = torch.nn.Embedding(P, C, dtype=torch.float64)
    with torch.no_grad():
        tok.weight.copy_(load(d, c["wte"], np.float32, (V, C)))
        pos.weight.copy_(load(d, c["wpe"], np.float32, (P, C)))
    x = tok(ids) + pos(torch.arange(n) % T)  # [n, C]
    out = x.t()
    out.backward(load(d, c["dout"], np.float32, (C, n)))
    save(d, c["name"], "out", out)
    save(d, c["name"], "dwte", tok.weight.grad)
    save(d, c["name"], "dwpe", pos.weight.grad)


def main():
    d = sys.argv[1]
    meta = json.load(open(f"{d}/meta.json"))
    for c in meta["cases"]:
        (attention if c["op"] == "attention" else embedding)(d, c)
    print("ok")


if __name__ == "__main__":
    main()
