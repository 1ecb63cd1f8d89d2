#!/usr/bin/python3
"""Trains a plain PyTorch GPT-2 (scripts/gpt_torch.py) on token rows and writes what weightstream's GPT
training is compared with, step by step: the PyTorch side of issue 13's "equal to PyTorch".

Debian's python (torch 1.13, float32, CPU, one thread, deterministic):

  # the committed fixtures, test/fixtures/gpt/<case>/ (cases in FIXTURES below):
  /usr/bin/python3 scripts/make_gpt_fixture.py fixtures
  # one run of your own:
  /usr/bin/python3 scripts/make_gpt_fixture.py run --config CONFIG.json --tokens TOKENS.safetensors \\
      --out DIR --optimizer adamw --lr 1e-3 --steps 30 --batch 4 [--init INIT.safetensors] \\
      [--sparsity 0.9 --mask-seed 1 | --masks MASKS.safetensors] [--seed 0] [--grads0]
  (--text FILE --seq-len T --rows N instead of --tokens: the first N windows of the file's bytes,
   T + 1 bytes at stride T, as weightstream's `--data FILE.txt` cuts them.)

Writes into DIR:
  config.json          the HF GPT-2 config (GPT2LMHeadModel.from_pretrained reads it with the weights)
  init.safetensors     the initial weights, HF names and layouts (Conv1D [in, out]; no lm_head when tied)
  tokens.safetensors   tokens I32 [N, T+1] (metadata vocab)
  masks.safetensors    only when sparse: mask.<param name> F32 0/1 in the weight's layout [in, out]
  result.safetensors   losses F32 [S] (step s's mean cross-entropy before its update) and final.<name>
                       (with --grads0 also grads0.<name>, step 0's gradients after masking)
  result.json          the settings, the losses (full precision) and the versions
Training: step s takes rows (s·B + i) mod N, i < B, in file order (no shuffle); inputs tokens[:, :T],
targets tokens[:, 1:]; loss = F.cross_entropy over all B·T tokens (mean). Optimizers as weightstream's
MemoryX (src/memoryx/optimizer.ts): torch.optim.SGD (momentum, L2 weight decay added to the gradient;
dampening 0, no nesterov) or torch.optim.AdamW (decoupled decay), weight decay on EVERY parameter
(embeddings, biases and LayerNorms included) as MemoryX applies one optimizer to all. The tied wte gets
the sum of its gradients as embedding and as LM head before its one update. Sparse: the init is
multiplied by the mask, and after backward the gradients, after the step the weights, are multiplied by it.
Before training, the model's loss on the first batch is checked against an independent float64 NumPy
forward and its attention against torch's nn.MultiheadAttention.
"""
import argparse
import json
import os
import sys

import numpy as np
import torch
from torch.nn import functional as F

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.normpath(os.path.join(HERE, ".."))
sys.path.insert(0, HERE)
import gpt_torch  # noqa: E402
import safetensors_min  # noqa: E402

TINY = {"model_type": "gpt2", "architectures": ["GPT2LMHeadModel"], "n_layer": 2, "n_embd": 32, "n_head": 4, "n_inner": None,
        "n_positions": 16, "layer_norm_epsilon": 1e-5, "activation_function": "gelu_new", "attn_pdrop": 0.0, "resid_pdrop": 0.0,
        "embd_pdrop": 0.0, "initializer_range": 0.02}
AUSTEN = os.path.join(ROOT, "data", "austen-pride.txt")
FIXTURES = {
    # case: config changes, optimizer, data; all T = 16, B = 4, 30 steps over N = 40 rows (so the order wraps)
    "sgd_tied_dense": dict(config={"vocab_size": 256, "tie_word_embeddings": True}, text=AUSTEN,
                           opt=dict(optimizer="sgd", lr=0.1, momentum=0.9, weight_decay=0.01), sparsity=0.0),
    "adamw_untied_dense": dict(config={"vocab_size": 64, "tie_word_embeddings": False}, text=None,
                               opt=dict(optimizer="adamw", lr=3e-3, weight_decay=0.01), sparsity=0.0),
    "adamw_tied_sparse90": dict(config={"vocab_size": 64, "tie_word_embeddings": True}, text=None,
                                opt=dict(optimizer="adamw", lr=3e-3, weight_decay=0.01), sparsity=0.9),
}


def text_rows(path, T, rows):
    """The first `rows` windows of the file's bytes, T + 1 bytes at stride T (weightstream's text windows)."""
    b = np.frombuffer(open(path, "rb").read(), dtype=np.uint8).astype(np.int32)
    if len(b) < (rows - 1) * T + T + 1:
        raise ValueError(f"--text {path}: {len(b)} bytes, expected at least {(rows - 1) * T + T + 1} for {rows} windows")
    return np.stack([b[k * T : k * T + T + 1] for k in range(rows)])


def random_rows(vocab, T, rows, seed):
    """Seeded token rows with some structure to learn: a random walk mod vocab with small steps."""
    g = np.random.default_rng(seed)
    steps = g.integers(-2, 3, size=(rows, T + 1))
    return ((g.integers(0, vocab, size=(rows, 1)) + np.cumsum(steps, axis=1)) % vocab).astype(np.int32)


def make_optimizer(model, o):
    if o["optimizer"] == "sgd":
        return torch.optim.SGD(model.parameters(), lr=o["lr"], momentum=o.get("momentum", 0.0), weight_decay=o.get("weight_decay", 0.0))
    return torch.optim.AdamW(model.parameters(), lr=o["lr"], betas=(o.get("beta1", 0.9), o.get("beta2", 0.999)),
                             eps=o.get("eps", 1e-8), weight_decay=o.get("weight_decay", 0.01))


def self_check(model, c, tokens, B):
    """Loss of batch 0 vs the float64 NumPy forward; block 0's attention vs nn.MultiheadAttention."""
    x = torch.from_numpy(tokens[:B, :-1].astype(np.int64))
    y = tokens[:B, 1:].astype(np.int64)
    with torch.no_grad():
        loss = float(F.cross_entropy(model(x).flatten(0, 1), torch.from_numpy(y).flatten()))
        ref = gpt_torch.numpy_forward_loss({k: v.numpy() for k, v in model.state_dict().items()}, c, x.numpy(), y)
        blk = model.transformer.h[0]
        h = blk.ln_1(model.transformer.wte(x) + model.transformer.wpe(torch.arange(x.shape[1])))
        d_attn = float((blk.attn(h) - gpt_torch.mha_attention(blk.attn, h)).abs().max())
    rel = abs(loss - ref) / abs(ref)
    if rel > 1e-5 or d_attn > 1e-5:
        raise SystemExit(f"self-check failed: loss {loss} vs NumPy f64 {ref} (rel {rel:.2e}); attention vs MHA max |diff| {d_attn:.2e}")
    return {"loss_vs_numpy_f64_rel": rel, "attention_vs_mha_max_abs": d_attn}


def train(c, init, tokens, masks, o, steps, B, want_grads0=False):
    """Runs `steps` steps; returns (losses, final state dict, self-check, step 0's gradients or {}), numpy."""
    torch.set_num_threads(1)
    torch.use_deterministic_algorithms(True)
    model = gpt_torch.GPT(c)
    model.load_state_dict({k: torch.from_numpy(v) for k, v in init.items()}, strict=True)
    params = dict(model.named_parameters())
    mk = {k[len("mask."):]: torch.from_numpy(v) for k, v in masks.items()}
    for name in mk:
        if name not in params or params[name].shape != mk[name].shape:
            raise ValueError(f"masks: mask.{name}: expected a mask for a parameter of the model, of its shape")
        if bool((params[name].detach()[mk[name] == 0] != 0).any()):
            raise ValueError(f"init: {name}: expected 0 where mask.{name} is 0")
    check = self_check(model, c, tokens, B)
    opt = make_optimizer(model, o)
    N = tokens.shape[0]
    losses, grads0 = [], {}
    for s in range(steps):
        rows = [(s * B + i) % N for i in range(B)]
        batch = torch.from_numpy(tokens[rows].astype(np.int64))  # [B, T+1]
        opt.zero_grad()
        loss = F.cross_entropy(model(batch[:, :-1]).flatten(0, 1), batch[:, 1:].flatten())
        loss.backward()
        with torch.no_grad():
            for name, m in mk.items():
                params[name].grad.mul_(m)
        if s == 0 and want_grads0:
            grads0 = {f"grads0.{k}": p.grad.detach().numpy().copy() for k, p in params.items()}
        opt.step()
        with torch.no_grad():
            for name, m in mk.items():
                params[name].mul_(m)
        losses.append(float(loss.detach()))
    final = {k: v.detach().numpy().copy() for k, v in model.state_dict().items()}
    return losses, final, check, grads0


def run(cfg_in, tokens, out, o, steps, B, seed, init_path=None, masks_path=None, sparsity=0.0, mask_seed=1, grads0=False):
    """One case end to end; writes the files listed at the top into `out`."""
    c = gpt_torch.resolve_config(cfg_in)
    if tokens.shape[1] - 1 > c["n_positions"]:
        raise ValueError(f"tokens.shape: expected rows of at most n_positions + 1 = {c['n_positions'] + 1}, got {list(tokens.shape)}")
    if tokens.min() < 0 or tokens.max() >= c["vocab_size"]:
        raise ValueError(f"tokens: expected ids in [0, {c['vocab_size']}), got [{tokens.min()}, {tokens.max()}]")
    torch.manual_seed(seed)
    model = gpt_torch.GPT(c)
    gpt_torch.hf_init(model, seed)
    masks = {}
    if masks_path:
        masks = {k: v.astype(np.float32) for k, v in safetensors_min.load(masks_path)[0].items()}
    elif sparsity > 0:
        masks = {f"mask.{k}": v.numpy() for k, v in gpt_torch.random_masks(model, sparsity, mask_seed).items()}
    if init_path:
        init = safetensors_min.load(init_path)[0]
    else:
        init = {k: v.detach().numpy().copy() for k, v in model.state_dict().items()}
        for k, m in masks.items():
            init[k[len("mask."):]] *= m
    losses, final, check, g0 = train(c, init, tokens, masks, o, steps, B, grads0)
    os.makedirs(out, exist_ok=True)
    cfg_out = {k: v for k, v in cfg_in.items()}
    with open(os.path.join(out, "config.json"), "w") as f:
        json.dump(cfg_out, f, indent=1)
        f.write("\n")
    meta = {"producer": "scripts/make_gpt_fixture.py", "torch": torch.__version__}
    safetensors_min.save(os.path.join(out, "init.safetensors"), init, {"format": "pt", **meta})
    safetensors_min.save(os.path.join(out, "tokens.safetensors"), {"tokens": tokens.astype(np.int32)}, {"vocab": c["vocab_size"], **meta})
    if masks:
        safetensors_min.save(os.path.join(out, "masks.safetensors"), masks, meta)
    res = {"losses": np.array(losses, dtype=np.float32), **{f"final.{k}": v for k, v in final.items()}, **g0}
    safetensors_min.save(os.path.join(out, "result.safetensors"), res, meta)
    summary = {**meta, "numpy": np.__version__, "steps": steps, "batch": B, "seed": seed, "optimizer": o, "sparsity": sparsity,
               "mask_seed": mask_seed if masks and not masks_path else None, "rows": int(tokens.shape[0]), "T": int(tokens.shape[1] - 1),
               "self_check": check, "losses": losses}
    with open(os.path.join(out, "result.json"), "w") as f:
        json.dump(summary, f, indent=1)
        f.write("\n")
    print(f"{out}: loss {losses[0]:.4f} -> {losses[-1]:.4f} over {steps} steps; check {check}")


def fixtures():
    for name, case in FIXTURES.items():
        cfg = {**TINY, **case["config"]}
        T, N = 16, 40
        tokens = text_rows(case["text"], T, N) if case["text"] else random_rows(cfg["vocab_size"], T, N, seed=7)
        out = os.path.join(ROOT, "test", "fixtures", "gpt", name)
        run(cfg, tokens, out, case["opt"], steps=30, B=4, seed=0, sparsity=case["sparsity"], mask_seed=1)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    sub.add_parser("fixtures", help="write the committed fixtures under test/fixtures/gpt/")
    r = sub.add_parser("run", help="one run of your own")
    r.add_argument("--config", required=True)
    r.add_argument("--tokens")
    r.add_argument("--text")
    r.add_argument("--seq-len", type=int)
    r.add_argument("--rows", type=int)
    r.add_argument("--out", required=True)
    r.add_argument("--optimizer", choices=["sgd", "adamw"], default="adamw")
    r.add_argument("--lr", type=float, required=True)
    r.add_argument("--momentum", type=float, default=0.0)
    r.add_argument("--weight-decay", type=float)
    r.add_argument("--beta1", type=float, default=0.9)
    r.add_argument("--beta2", type=float, default=0.999)
    r.add_argument("--eps", type=float, default=1e-8)
    r.add_argument("--steps", type=int, required=True)
    r.add_argument("--batch", type=int, required=True)
    r.add_argument("--seed", type=int, default=0)
    r.add_argument("--init")
    r.add_argument("--masks")
    r.add_argument("--sparsity", type=float, default=0.0)
    r.add_argument("--mask-seed", type=int, default=1)
    r.add_argument("--grads0", action="store_true", help="also write grads0.<name>, step 0's gradients (after masking)")
    a = ap.parse_args()
    if a.cmd == "fixtures":
        return fixtures()
    cfg = json.load(open(a.config))
    if a.tokens:
        tokens = safetensors_min.load(a.tokens)[0]["tokens"]
    elif a.text and a.seq_len and a.rows:
        tokens = text_rows(a.text, a.seq_len, a.rows)
    else:
        ap.error("give --tokens FILE, or --text FILE --seq-len T --rows N")
    o = {"optimizer": a.optimizer, "lr": a.lr}
    if a.optimizer == "sgd":
        o.update(momentum=a.momentum, weight_decay=a.weight_decay if a.weight_decay is not None else 0.0)
    else:
        o.update(beta1=a.beta1, beta2=a.beta2, eps=a.eps, weight_decay=a.weight_decay if a.weight_decay is not None else 0.01)
    run(cfg, tokens, a.out, o, a.steps, a.batch, a.seed, a.init, a.masks, a.sparsity, a.mask_seed, a.grads0)


if __name__ == "__main__":
    main()
