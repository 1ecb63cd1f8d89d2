#!/usr/bin/python3
"""Converts the UCI optical digits, as shipped by Debian's scikit-learn, into data/digits.safetensors.

Run once with Debian's python (numpy): /usr/bin/python3 scripts/make_digits.py
Source: /usr/lib/python3/dist-packages/sklearn/datasets/data/digits.csv.gz (1,797 rows of 64 pixel
counts 0..16 and the digit). Output: pixels / 16 as F32, digit as I64, split once here and stored
explicitly: a stratified, seeded split (numpy default_rng(0), round(20 %) of each class to the test set),
rows of each split in the source's order:
  x F32 [1437, 64], y I64 [1437]            the training split
  x_test F32 [360, 64], y_test I64 [360]    the test split
(A random split is what the literature's 97-98 % MLP figures use; the source's own order groups writers,
so its last rows make a harder, writer-disjoint test set.) License: CC BY 4.0, see data/README.md.
"""
import gzip
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import safetensors_min  # noqa: E402

SRC = "/usr/lib/python3/dist-packages/sklearn/datasets/data/digits.csv.gz"
OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "data", "digits.safetensors")

with gzip.open(SRC, "rt") as f:
    rows = np.loadtxt(f, delimiter=",")
assert rows.shape == (1797, 65), rows.shape
x = (rows[:, :64] / 16.0).astype(np.float32)
y = rows[:, 64].astype(np.int64)
assert x.min() >= 0 and x.max() <= 1 and set(np.unique(y)) == set(range(10))
rng = np.random.default_rng(0)
test = np.zeros(len(y), dtype=bool)
for c in range(10):
    idx = np.flatnonzero(y == c)
    test[rng.permutation(idx)[: int(round(0.2 * len(idx)))]] = True
safetensors_min.save(
    OUT,
    {"x": x[~test], "y": y[~test], "x_test": x[test], "y_test": y[test]},
    {
        "name": "digits",
        "classes": 10,
        "source": "UCI ML Optical Recognition of Handwritten Digits (test set copy in scikit-learn), E. Alpaydin, C. Kaynak 1998, CC BY 4.0",
        "scale": "pixel counts 0..16 divided by 16",
        "split": "stratified, numpy default_rng(0), 20 % of each class to x_test/y_test",
    },
)
print(f"wrote {os.path.normpath(OUT)}: train {int((~test).sum())}, test {int(test.sum())} rows; test class counts {np.bincount(y[test]).tolist()}")
