"""A plain PyTorch GPT-2 (nanoGPT style, no `transformers`) built from a Hugging Face GPT-2 config.json,
with Hugging Face's state-dict names and layouts, its initialisation, seeded sparsity masks, and an
independent float64 NumPy forward to check the module against. Used by scripts/make_gpt_fixture.py.

Legend: B = batch, T = time (<= n_positions = P), C = n_embd, H = n_head, D = C / H, F = n_inner
(null = 4·C), V = vocab_size, L = n_layer. Conv1D weights are [in, out] (y = x @ W + b), as in HF GPT-2.
Block i: x = x + attn(ln_1(x)); x = x + mlp(ln_2(x)); then ln_f; logits = x @ wte.T (tied) or
x @ lm_head.weight.T (untied, no bias). attn: qkv = c_attn(x) [B,T,3C] split as q, k, v; per head
softmax(q·kᵀ/√D + causal mask)·v; c_proj. mlp: c_proj(gelu_tanh(c_fc(x))).
"""
import math

import numpy as np
import torch
from torch import nn
from torch.nn import functional as F

# Config fields this model implements; anything else that would change the network is refused.
DEFAULTS = {
    "n_inner": None, "layer_norm_epsilon": 1e-5, "activation_function": "gelu_new", "tie_word_embeddings": True,
    "attn_pdrop": 0.0, "resid_pdrop": 0.0, "embd_pdrop": 0.0, "initializer_range": 0.02,
    "scale_attn_weights": True, "scale_attn_by_inverse_layer_idx": False, "reorder_and_upcast_attn": False,
}
REQUIRED = ("n_layer", "n_embd", "n_head", "n_positions", "vocab_size")


def resolve_config(cfg):
    """The config with defaults filled in; refuses what this model does not implement, by field."""
    c = {**DEFAULTS, **cfg}
    for k in REQUIRED:
        if not isinstance(c.get(k), int) or c[k] < 1:
            raise ValueError(f"config.{k}: expected a positive integer, got {c.get(k)!r}")
    if c.get("model_type", "gpt2") != "gpt2":
        raise ValueError(f"config.model_type: expected gpt2, got {c['model_type']!r}")
    if c["n_embd"] % c["n_head"]:
        raise ValueError(f"config.n_head: expected a divisor of n_embd {c['n_embd']}, got {c['n_head']}")
    if c["activation_function"] not in ("gelu_new", "gelu_pytorch_tanh"):
        raise ValueError(f"config.activation_function: expected gelu_new (tanh GELU), got {c['activation_function']!r}")
    for k in ("attn_pdrop", "resid_pdrop", "embd_pdrop"):
        if c[k] != 0:
            raise ValueError(f"config.{k}: expected 0 (dropout cannot match bit for bit), got {c[k]!r}")
    for k in ("scale_attn_weights", "scale_attn_by_inverse_layer_idx", "reorder_and_upcast_attn"):
        if c[k] != DEFAULTS[k]:
            raise ValueError(f"config.{k}: expected {DEFAULTS[k]}, got {c[k]!r}")
    c["n_inner"] = c["n_inner"] or 4 * c["n_embd"]
    return c


class Conv1D(nn.Module):
    """HF's Conv1D: weight [in, out], bias [out]; y = x @ W + b."""

    def __init__(self, n_in, n_out):
        super().__init__()
        self.weight = nn.Parameter(torch.empty(n_in, n_out))
        self.bias = nn.Parameter(torch.zeros(n_out))

    def forward(self, x):
        return x @ self.weight + self.bias


class Attention(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.n_head = c["n_head"]
        self.c_attn = Conv1D(c["n_embd"], 3 * c["n_embd"])
        self.c_proj = Conv1D(c["n_embd"], c["n_embd"])

    def forward(self, x):  # x [B,T,C]
        B, T, C = x.shape
        H, D = self.n_head, C // self.n_head
        q, k, v = self.c_attn(x).split(C, dim=2)  # each [B,T,C]
        q, k, v = (t.view(B, T, H, D).transpose(1, 2) for t in (q, k, v))  # [B,H,T,D]
        att = (q @ k.transpose(-2, -1)) / math.sqrt(D)  # [B,H,T,T]
        causal = torch.ones(T, T, dtype=torch.bool).tril()
        att = att.masked_fill(~causal, float("-inf")).softmax(dim=-1)
        y = (att @ v).transpose(1, 2).reshape(B, T, C)
        return self.c_proj(y)


class Mlp(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.c_fc = Conv1D(c["n_embd"], c["n_inner"])
        self.c_proj = Conv1D(c["n_inner"], c["n_embd"])

    def forward(self, x):
        return self.c_proj(F.gelu(self.c_fc(x), approximate="tanh"))


class Block(nn.Module):
    def __init__(self, c):
        super().__init__()
        eps = c["layer_norm_epsilon"]
        self.ln_1 = nn.LayerNorm(c["n_embd"], eps=eps)
        self.attn = Attention(c)
        self.ln_2 = nn.LayerNorm(c["n_embd"], eps=eps)
        self.mlp = Mlp(c)

    def forward(self, x):
        x = x + self.attn(self.ln_1(x))
        return x + self.mlp(self.ln_2(x))


class GPT(nn.Module):
    """State dict = HF GPT2LMHeadModel's parameters (no attention-mask buffers; lm_head.weight only when untied)."""

    def __init__(self, c):
        super().__init__()
        self.c = c
        self.transformer = nn.ModuleDict(dict(
            wte=nn.Embedding(c["vocab_size"], c["n_embd"]),
            wpe=nn.Embedding(c["n_positions"], c["n_embd"]),
            h=nn.ModuleList([Block(c) for _ in range(c["n_layer"])]),
            ln_f=nn.LayerNorm(c["n_embd"], eps=c["layer_norm_epsilon"]),
        ))
        if not c["tie_word_embeddings"]:
            self.lm_head = nn.Linear(c["n_embd"], c["vocab_size"], bias=False)

    def forward(self, ids):  # ids [B,T] int64 -> logits [B,T,V]
        B, T = ids.shape
        tr = self.transformer
        x = tr.wte(ids) + tr.wpe(torch.arange(T))
        for blk in tr.h:
            x = blk(x)
        x = tr.ln_f(x)
        head = tr.wte.weight if self.c["tie_word_embeddings"] else self.lm_head.weight  # [V,C]
        return x @ head.t()


def hf_init(model, seed):
    """HF GPT-2's _init_weights: weights N(0, r), biases 0, LayerNorm 1/0, every c_proj.weight N(0, r/√(2L))."""
    g = torch.Generator().manual_seed(seed)
    r, L = model.c["initializer_range"], model.c["n_layer"]
    with torch.no_grad():
        for name, p in model.named_parameters():
            if ".ln_" in name or name.startswith("transformer.ln_f"):
                p.fill_(1.0 if name.endswith("weight") else 0.0)
            elif name.endswith("bias"):
                p.zero_()
            else:
                std = r / math.sqrt(2 * L) if name.endswith("c_proj.weight") else r
                p.copy_(torch.randn(p.shape, generator=g) * std)


def masked_names(c):
    """The block linears a --sparsity masks (HF names, Conv1D layout [in, out])."""
    return [f"transformer.h.{i}.{m}.weight" for i in range(c["n_layer"]) for m in ("attn.c_attn", "attn.c_proj", "mlp.c_fc", "mlp.c_proj")]


def random_masks(model, sparsity, seed):
    """{name: F32 0/1 [in, out]} with exactly round(sparsity·n) zeros each, from a seeded permutation."""
    params = dict(model.named_parameters())
    out = {}
    for j, name in enumerate(masked_names(model.c)):
        shape = params[name].shape
        n = shape.numel()
        g = torch.Generator().manual_seed(seed * 1000 + j)
        m = torch.ones(n)
        m[torch.randperm(n, generator=g)[: round(sparsity * n)]] = 0
        out[name] = m.view(shape)
    return out


def numpy_forward_loss(sd, c, ids, labels):
    """Independent float64 NumPy forward: mean cross-entropy of logits(ids [B,T]) against labels [B,T]."""
    w = {k: v.astype(np.float64) for k, v in sd.items()}
    B, T = ids.shape
    C, H, eps = c["n_embd"], c["n_head"], c["layer_norm_epsilon"]
    D = C // H

    def ln(x, p):
        mu = x.mean(-1, keepdims=True)
        var = ((x - mu) ** 2).mean(-1, keepdims=True)
        return (x - mu) / np.sqrt(var + eps) * w[p + ".weight"] + w[p + ".bias"]

    def gelu(x):
        return 0.5 * x * (1 + np.tanh(math.sqrt(2 / math.pi) * (x + 0.044715 * x ** 3)))

    x = w["transformer.wte.weight"][ids] + w["transformer.wpe.weight"][:T]
    for i in range(c["n_layer"]):
        p = f"transformer.h.{i}."
        a = ln(x, p + "ln_1") @ w[p + "attn.c_attn.weight"] + w[p + "attn.c_attn.bias"]
        y = np.zeros((B, T, C))
        for b in range(B):
            for h in range(H):
                q, k, v = (a[b, :, s * C + h * D : s * C + (h + 1) * D] for s in range(3))
                s_ = q @ k.T / math.sqrt(D)
                s_[np.triu_indices(T, 1)] = -np.inf
                e = np.exp(s_ - s_.max(-1, keepdims=True))
                y[b, :, h * D : (h + 1) * D] = (e / e.sum(-1, keepdims=True)) @ v
        x = x + y @ w[p + "attn.c_proj.weight"] + w[p + "attn.c_proj.bias"]
        m = gelu(ln(x, p + "ln_2") @ w[p + "mlp.c_fc.weight"] + w[p + "mlp.c_fc.bias"])
        x = x + m @ w[p + "mlp.c_proj.weight"] + w[p + "mlp.c_proj.bias"]
    x = ln(x, "transformer.ln_f")
    head = w["transformer.wte.weight"] if c["tie_word_embeddings"] else w["lm_head.weight"]
    logits = x @ head.T  # [B,T,V]
    z = logits - logits.max(-1, keepdims=True)
    logp = z - np.log(np.exp(z).sum(-1, keepdims=True))
    return float(-np.take_along_axis(logp, labels[..., None], -1).mean())


def mha_attention(attn, x):
    """The same attention through torch's nn.MultiheadAttention (in_proj = c_attn.weightᵀ, out_proj = c_projᵀ)."""
    C = x.shape[-1]
    mha = nn.MultiheadAttention(C, attn.n_head, batch_first=True)
    with torch.no_grad():
        mha.in_proj_weight.copy_(attn.c_attn.weight.t())
        mha.in_proj_bias.copy_(attn.c_attn.bias)
        mha.out_proj.weight.copy_(attn.c_proj.weight.t())
        mha.out_proj.bias.copy_(attn.c_proj.bias)
    T = x.shape[1]
    future = torch.ones(T, T, dtype=torch.bool).triu(1)  # True = not attended
    return mha(x, x, x, attn_mask=future, need_weights=False)[0]
