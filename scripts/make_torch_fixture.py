#!/usr/bin/python3
"""Makes the PyTorch fixture the reference trainer is checked against, step by step.

Run with Debian's python (torch 1.13): /usr/bin/python3 scripts/make_torch_fixture.py
Reads the cases in test/fixtures/torch_cases.json (model descriptions in weightstream's own format,
optimizer, batch, steps, where the initial weights come from) and, for each case, builds the same
network as a torch nn.Sequential (module tree and state-dict names as in docs/model.md: a residual block
is a module whose `inner` is an nn.Sequential), trains it on the digits training split in order
(step t takes rows (t*B + i) mod N), and writes test/fixtures/torch_<case>.safetensors holding
  init.<name>    the initial weights it used (PyTorch layout)
  final.<name>   the weights after the last step
  grads0.<name>  the gradients of the first step (before any update)
  losses         F32 [steps], the mean cross-entropy of each step before its update
plus test/fixtures/torch_mlp.json with the losses and the settings, readable.
Initial weights: init.from = "torch" -> torch.manual_seed(seed) and PyTorch's default init (this file then
carries them to weightstream); init.from = "weightstream" -> test/fixtures/ws_init_<case>.safetensors,
written by weightstream (WS_WRITE_FIXTURE_INIT=1 npx vitest run test/train/torch.test.ts).
A sparse layer (sparsity in the description) keeps its mask as the zeros of its initial weight; a hook
zeroes the gradient there, so masked weights stay exactly 0 under SGD-momentum and AdamW, as in weightstream.
"""
import json
import os
import sys

import numpy as np
import torch
from torch import nn

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.normpath(os.path.join(HERE, ".."))
sys.path.insert(0, HERE)
import safetensors_min  # noqa: E402

FIX = os.path.join(ROOT, "test", "fixtures")


class Residual(nn.Module):
    """y = x + inner(x); `inner` is an nn.Sequential (state-dict names 'i.inner.j.weight')."""

    def __init__(self, layers):
        super().__init__()
        self.inner = nn.Sequential(*layers)

    def forward(self, x):
        return x + self.inner(x)


def build(layers, width):
    """The torch modules of a weightstream layer list fed `width` features; returns (modules, out width)."""
    mods = []
    for l in layers:
        t = l["type"]
        if t == "linear":
            mods.append(nn.Linear(width, l["out"], bias=l.get("bias", True)))
            width = l["out"]
        elif t == "relu":
            mods.append(nn.ReLU())
        elif t == "gelu":
            mods.append(nn.GELU(approximate="tanh"))
        elif t == "layernorm":
            mods.append(nn.LayerNorm(width, eps=l.get("eps", 1e-5)))
        elif t == "residual":
            inner, w2 = build(l["layers"], width)
            assert w2 == width
            mods.append(Residual(inner))
        else:
            raise ValueError(t)
    return mods, width


def sparse_names(layers, prefix=""):
    """State-dict names of the weights of sparse linear layers."""
    out = []
    for i, l in enumerate(layers):
        if l["type"] == "linear" and ("sparsity" in l or "mask" in l):
            out.append(f"{prefix}{i}.weight")
        if l["type"] == "residual":
            out += sparse_names(l["layers"], f"{prefix}{i}.inner.")
    return out


def run_case(name, case, x, y):
    torch.manual_seed(case["init"].get("seed", 0))
    mods, _ = build(case["model"]["layers"], case["model"]["input"])
    model = nn.Sequential(*mods)
    if case["init"]["from"] == "weightstream":
        init, _ = safetensors_min.load(os.path.join(FIX, f"ws_init_{name}.safetensors"))
        model.load_state_dict({k: torch.from_numpy(v) for k, v in init.items()}, strict=True)
    params = dict(model.named_parameters())
    for pname in sparse_names(case["model"]["layers"]):
        mask = (params[pname].detach() != 0).float()
        params[pname].register_hook(lambda g, m=mask: g * m)
    init_sd = {f"init.{k}": v.detach().numpy().copy() for k, v in model.state_dict().items()}

    o = case["optimizer"]
    if o["kind"] == "sgd":
        opt = torch.optim.SGD(model.parameters(), lr=o["lr"], momentum=o.get("momentum", 0), weight_decay=o.get("weightDecay", 0))
    else:
        opt = torch.optim.AdamW(model.parameters(), lr=o["lr"], betas=(o.get("beta1", 0.9), o.get("beta2", 0.999)), eps=o.get("eps", 1e-8), weight_decay=o.get("weightDecay", 0.01))
    B, N = case["batch"], len(y)
    losses, grads0 = [], {}
    for t in range(case["steps"]):
        idx = [(t * B + i) % N for i in range(B)]
        xb = torch.from_numpy(x[idx])
        yb = torch.from_numpy(y[idx])
        opt.zero_grad()
        loss = nn.functional.cross_entropy(model(xb), yb)
        loss.backward()
        if t == 0:
            grads0 = {f"grads0.{k}": p.grad.detach().numpy().copy() for k, p in model.named_parameters()}
        opt.step()
        losses.append(float(loss.detach()))
    final = {f"final.{k}": v.detach().numpy().copy() for k, v in model.state_dict().items()}
    tensors = {**init_sd, **grads0, **final, "losses": np.array(losses, dtype=np.float32)}
    safetensors_min.save(os.path.join(FIX, f"torch_{name}.safetensors"), tensors, {"torch": torch.__version__, "case": name})
    return losses


def main():
    torch.set_num_threads(1)
    cases = json.load(open(os.path.join(FIX, "torch_cases.json")))["cases"]
    data, _ = safetensors_min.load(os.path.join(ROOT, "data", "digits.safetensors"))
    x, y = data["x"].astype(np.float32), data["y"].astype(np.int64)
    summary = {"torch": torch.__version__, "numpy": np.__version__, "script": "scripts/make_torch_fixture.py", "cases": {}}
    for name, case in cases.items():
        losses = run_case(name, case, x, y)
        summary["cases"][name] = {**case, "losses": losses}
        print(f"{name}: loss {losses[0]:.4f} -> {losses[-1]:.4f} over {len(losses)} steps")
    tmp = os.path.join(FIX, "torch_mlp.json.tmp")
    with open(tmp, "w") as f:
        json.dump(summary, f, indent=1)
    os.replace(tmp, os.path.join(FIX, "torch_mlp.json"))


if __name__ == "__main__":
    main()
