"""
Reading a TF.js model artifact (model.json + binary weight shards), shared by the TF.js -> ONNX
converters: scripts/convert-centernet/convert.py (graph model) and
scripts/convert-mobilenet/convert.py (Keras layers model, imports this file by path).

Weights are returned exactly as tfjs dequantizes them (tfjs-core io_utils.decodeWeights):
- float16 quantization: the raw half floats (the caller may keep them as float16 or widen them;
  widening is exact);
- uint8 / uint16 affine quantization: q * scale + min evaluated in double precision, then rounded
  once to float32, as tfjs does when it fills a Float32Array;
- unquantized float32 / int32 / bool: as stored (little endian).

Only needs numpy.
"""
from __future__ import annotations

import json
import os

import numpy as np


def load_model_json(path: str, expected_format: str | None = None) -> dict:
    """Parses model.json; refuses another `format` ("graph-model" / "layers-model") when asked.
    Keras layers models written by old converters carry no `format`: pass None to skip the check."""
    with open(path, encoding="utf8") as f:
        model = json.load(f)
    if expected_format is not None and model.get("format") != expected_format:
        raise ValueError(f"{path}: format {model.get('format')!r}, expected {expected_format}")
    if "weightsManifest" not in model or "modelTopology" not in model:
        raise ValueError(f"{path}: not a TF.js model (needs modelTopology and weightsManifest)")
    return model


def read_weights(model: dict, model_dir: str) -> dict[str, tuple[np.ndarray, bool]]:
    """name -> (array as tfjs would see it, was_float16). Follows weightsManifest groups in order;
    every byte of every shard must be accounted for."""
    out: dict[str, tuple[np.ndarray, bool]] = {}
    for group in model["weightsManifest"]:
        data = b"".join(open(os.path.join(model_dir, p), "rb").read() for p in group["paths"])
        offset = 0
        for spec in group["weights"]:
            shape = spec["shape"]
            count = int(np.prod(shape)) if shape else 1
            quant = spec.get("quantization")
            if quant:
                qdtype = quant["dtype"]
                if qdtype == "float16":
                    raw = np.frombuffer(data, dtype="<f2", count=count, offset=offset)
                    offset += 2 * count
                    out[spec["name"]] = (raw.reshape(shape).copy(), True)
                    continue
                if qdtype in ("uint8", "uint16"):
                    np_dtype = "<u1" if qdtype == "uint8" else "<u2"
                    size = 1 if qdtype == "uint8" else 2
                    raw = np.frombuffer(data, dtype=np_dtype, count=count, offset=offset).astype(np.float64)
                    offset += size * count
                    # tfjs: values[i] = q * scale + min (JS doubles), stored into a Float32Array.
                    values = raw * float(quant["scale"]) + float(quant.get("min", 0.0))
                    out[spec["name"]] = (values.astype(np.float32).reshape(shape), False)
                    continue
                raise NotImplementedError(f"weight {spec['name']}: quantization {qdtype}")
            dtype = spec["dtype"]
            np_dtype, size = {"float32": ("<f4", 4), "int32": ("<i4", 4), "bool": ("|b1", 1)}[dtype]
            raw = np.frombuffer(data, dtype=np_dtype, count=count, offset=offset)
            offset += size * count
            out[spec["name"]] = (raw.reshape(shape).copy(), False)
        if offset != len(data):
            raise ValueError(f"weight group {group['paths']}: read {offset} of {len(data)} bytes")
    return out
