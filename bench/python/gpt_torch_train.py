#!/usr/bin/python3
"""PyTorch baseline of bench/gpt.ts: median training-step time of the plain PyTorch GPT-2 the fixtures use
(scripts/gpt_torch.py), float32 on CPU with ONE thread, on the same models, batch and batches as the engine.

Usage: /usr/bin/python3 bench/python/gpt_torch_train.py '{"models": ["gpt-nano"], "batch": 16, "seqLen": 64,
        "timed": 5, "lr": 0.001, "weightDecay": 0.01}'
Prints one JSON object: {"torch", "threads", "models": {name: {"medianMs", "minMs", "params"}}}.
Model: specs/gpt/<name>.json through gpt_torch.resolve_config, HF init (seed 1). Data: the shipped text
(data/austen-pride.txt) cut as weightstream cuts it (bytes, windows of T + 1 at stride T); step s takes
windows (s·B + i) mod N in file order, as the engine does without shuffling. A step = zero_grad, forward,
mean cross-entropy over B·T targets, backward, torch.optim.AdamW step (decoupled decay on every parameter,
as MemoryX). Timing: bench/python/timing.py (3 warm-up steps, then `timed` steps; their median).
"""
import json
import os
import sys

os.environ.setdefault("OMP_NUM_THREADS", "1")
HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.normpath(os.path.join(HERE, "..", ".."))
sys.path.insert(0, os.path.join(ROOT, "scripts"))
import numpy as np  # noqa: E402
import torch  # noqa: E402
from torch.nn import functional as F  # noqa: E402

import gpt_torch  # noqa: E402
from timing import median_ms  # noqa: E402


def text_windows(T):
    """All windows of the shipped text's bytes: [K, T + 1] int64 at stride T (src/data/text.ts)."""
    b = np.frombuffer(open(os.path.join(ROOT, "data", "austen-pride.txt"), "rb").read(), dtype=np.uint8).astype(np.int64)
    K = (len(b) - (T + 1)) // T + 1
    return torch.from_numpy(np.stack([b[k * T : k * T + T + 1] for k in range(K)]))


def step_time(name, B, T, timed, lr, wd, windows):
    c = gpt_torch.resolve_config(json.load(open(os.path.join(ROOT, "specs", "gpt", f"{name}.json"))))
    if T > c["n_positions"]:
        raise ValueError(f"seqLen: expected at most n_positions {c['n_positions']} of {name}, got {T}")
    torch.manual_seed(1)
    model = gpt_torch.GPT(c)
    gpt_torch.hf_init(model, 1)
    opt = torch.optim.AdamW(model.parameters(), lr=lr, weight_decay=wd)
    N = windows.shape[0]
    s = [0]

    def step():
        rows = [(s[0] * B + i) % N for i in range(B)]
        batch = windows[rows]  # [B, T+1]
        opt.zero_grad(set_to_none=True)
        loss = F.cross_entropy(model(batch[:, :-1]).flatten(0, 1), batch[:, 1:].flatten())
        loss.backward()
        opt.step()
        s[0] += 1

    med, low = median_ms(step, 0, max_samples=timed)
    params = sum(p.numel() for p in model.parameters())  # the tied wte once
    return {"medianMs": med, "minMs": low, "params": params, "steps": s[0]}


def main(args):
    torch.set_num_threads(1)
    T, B = args["seqLen"], args["batch"]
    windows = text_windows(T)
    out = {name: step_time(name, B, T, args["timed"], args["lr"], args["weightDecay"], windows) for name in args["models"]}
    print(json.dumps({"torch": torch.__version__, "threads": torch.get_num_threads(), "models": out}))


if __name__ == "__main__":
    main(json.loads(sys.argv[1]))
