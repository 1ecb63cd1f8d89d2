#!/usr/bin/python3
"""Converts the UCI optical digits, as shipped by Debian's scikit-learn, into data/digits.safetensors.

Run once with Debian's python (numpy): /usr/bin/python3 scripts/make_digits.py
Source: /usr/lib/python3/dist-packages/sklearn/datasets/data/digits.csv.gz (1,797 rows of 64 pixel
counts 0..16 and the digit). Output: x F32 [1797, 64] = pixels / 16, y I64 [1797] = digit, rows in the
file's order (weightstream holds out the last 20 % = 360 rows as the test split). License: CC BY 4.0,
see data/README.md.
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
safetensors_min.save(
    OUT,
    {"x": x, "y": y},
    {
        "name": "digits",
        "classes": 10,
        "source": "UCI ML Optical Recognition of Handwritten Digits (test set copy in scikit-learn), E. Alpaydin, C. Kaynak 1998, CC BY 4.0",
        "scale": "pixel counts 0..16 divided by 16",
    },
)
print(f"wrote {os.path.normpath(OUT)}: x {x.shape} F32, y {y.shape} I64, class counts {np.bincount(y).tolist()}")
