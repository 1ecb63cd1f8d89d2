"""A minimal safetensors reader/writer (numpy, F32/I32/I64) for the repo's Python scripts.

Debian's python3 has no `safetensors` package; the format is small: an 8-byte little-endian header
length, a JSON header {name: {dtype, shape, data_offsets}}, then the raw little-endian data.
"""
import json
import os
import struct

import numpy as np

_DT = {"F32": np.dtype("<f4"), "I32": np.dtype("<i4"), "I64": np.dtype("<i8")}


def load(path):
    """Returns (dict name -> numpy array, metadata dict)."""
    with open(path, "rb") as f:
        buf = f.read()
    (h,) = struct.unpack("<Q", buf[:8])
    header = json.loads(buf[8 : 8 + h])
    meta = header.pop("__metadata__", {})
    data = buf[8 + h :]
    out = {}
    for name, e in header.items():
        a, b = e["data_offsets"]
        out[name] = np.frombuffer(data[a:b], dtype=_DT[e["dtype"]]).reshape(e["shape"]).copy()
    return out, meta


def save(path, tensors, metadata=None):
    """Writes {name: numpy array} (float32, int32 or int64) atomically (temp, fsync, rename)."""
    header = {}
    if metadata:
        header["__metadata__"] = {k: str(v) for k, v in metadata.items()}
    blobs = []
    at = 0
    for name, arr in tensors.items():
        arr = np.ascontiguousarray(arr)
        key = {("f", 4): "F32", ("i", 4): "I32", ("i", 8): "I64"}.get((arr.dtype.kind, arr.dtype.itemsize))
        if key is None:
            raise ValueError(f"{name}: dtype {arr.dtype} is not float32, int32 or int64")
        raw = arr.astype(_DT[key]).tobytes()
        header[name] = {"dtype": key, "shape": list(arr.shape), "data_offsets": [at, at + len(raw)]}
        blobs.append(raw)
        at += len(raw)
    hj = json.dumps(header, separators=(",", ":")).encode()
    hj += b" " * ((8 - len(hj) % 8) % 8)
    tmp = f"{path}.{os.getpid()}.tmp"
    with open(tmp, "wb") as f:
        f.write(struct.pack("<Q", len(hj)))
        f.write(hj)
        for b in blobs:
            f.write(b)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)
