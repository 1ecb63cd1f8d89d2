"""Model-FLOP utilisation of a plain GPT decoder with GPT-3 shapes on one NVIDIA GPU (PyTorch, eager).

The measurement behind the GPU specs' `efficiency` (specs/hardware/gpu-*.json): the same method as the
H200 figure in FACTS.md — bf16 autocast, SDPA causal attention, fused AdamW, sequence 2048, random
tokens, GPT-3 shapes (Small, XL, 2.7B) — timed over full training steps after warm-up.
Model FLOP per token = 6·P + 12·L·d·T (P = all parameters, tied embedding counted once).
Usage: python3 gpt_mfu.py [--peak-tflops 989] [--out FILE.json]
"""
import argparse
import json
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

SHAPES = {  # name: (layers, d_model, heads, batch sequences)
    "gpt3-small": (12, 768, 12, 16),
    "gpt3-xl": (24, 2048, 16, 8),  # 16 heads of 128 (attention width = d_model, as the 1.3 B count implies)
    "gpt3-2.7b": (32, 2560, 32, 4),
}
T = 2048
V = 50257


class Block(nn.Module):
    def __init__(self, d, h):
        super().__init__()
        self.h = h
        self.ln1 = nn.LayerNorm(d)
        self.qkv = nn.Linear(d, 3 * d)
        self.proj = nn.Linear(d, d)
        self.ln2 = nn.LayerNorm(d)
        self.fc1 = nn.Linear(d, 4 * d)
        self.fc2 = nn.Linear(4 * d, d)

    def forward(self, x):
        B, S, D = x.shape
        q, k, v = self.qkv(self.ln1(x)).split(D, dim=2)
        q, k, v = (t.view(B, S, self.h, D // self.h).transpose(1, 2) for t in (q, k, v))
        y = F.scaled_dot_product_attention(q, k, v, is_causal=True)
        x = x + self.proj(y.transpose(1, 2).reshape(B, S, D))
        return x + self.fc2(F.gelu(self.fc1(self.ln2(x)), approximate="tanh"))


class GPT(nn.Module):
    def __init__(self, L, d, h):
        super().__init__()
        self.tok = nn.Embedding(V, d)
        self.pos = nn.Embedding(T, d)
        self.blocks = nn.ModuleList(Block(d, h) for _ in range(L))
        self.ln_f = nn.LayerNorm(d)

    def forward(self, idx, targets):
        x = self.tok(idx) + self.pos(torch.arange(idx.shape[1], device=idx.device))
        for b in self.blocks:
            x = b(x)
        logits = F.linear(self.ln_f(x), self.tok.weight)  # tied head
        return F.cross_entropy(logits.view(-1, V).float(), targets.view(-1))


def measure(name, L, d, h, batch, peak, warmup=3, steps=10):
    torch.manual_seed(0)
    model = GPT(L, d, h).cuda()
    params = sum(p.numel() for p in model.parameters())
    opt = torch.optim.AdamW(model.parameters(), lr=1e-4, fused=True)
    idx = torch.randint(0, V, (batch, T), device="cuda")
    tgt = torch.randint(0, V, (batch, T), device="cuda")

    def step():
        with torch.autocast("cuda", dtype=torch.bfloat16):
            loss = model(idx, tgt)
        loss.backward()
        opt.step()
        opt.zero_grad(set_to_none=True)
        return loss

    for _ in range(warmup):
        step()
    torch.cuda.synchronize()
    times = []
    for _ in range(steps):
        t0 = time.perf_counter()
        step()
        torch.cuda.synchronize()
        times.append(time.perf_counter() - t0)
    times.sort()
    med = times[len(times) // 2]
    tokens = batch * T
    flop_per_token = 6 * params + 12 * L * d * T
    tflops = flop_per_token * tokens / med / 1e12
    r = {
        "shape": name, "layers": L, "dModel": d, "heads": h, "batchSequences": batch, "params": params,
        "medianStepSeconds": med, "tokensPerSecond": tokens / med, "modelTFLOPs": tflops, "mfu": tflops / peak,
        "mfu6N": 6 * params * tokens / med / 1e12 / peak, "peakMemoryGB": torch.cuda.max_memory_allocated() / 1e9,
    }
    del model, opt
    torch.cuda.empty_cache()
    torch.cuda.reset_peak_memory_stats()
    return r


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--peak-tflops", type=float, default=989.0)
    ap.add_argument("--out", default=None)
    ap.add_argument("--shapes", default=",".join(SHAPES))
    a = ap.parse_args()
    torch.backends.cuda.matmul.allow_tf32 = True
    out = {"device": torch.cuda.get_device_name(0), "torch": torch.__version__, "peakTFLOPs": a.peak_tflops, "sequence": T, "mode": "eager, bf16 autocast, SDPA causal, fused AdamW", "results": []}
    for name in a.shapes.split(","):
        L, d, h, b = SHAPES[name]
        r = measure(name, L, d, h, b, a.peak_tflops)
        print(json.dumps(r), flush=True)
        out["results"].append(r)
    if a.out:
        with open(a.out, "w") as f:
            json.dump(out, f, indent=2)


if __name__ == "__main__":
    main()
