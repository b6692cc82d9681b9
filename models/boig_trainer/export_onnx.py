"""ONNX export with a golden fixture, checked against PyTorch by onnxruntime-node (verify_onnx.mjs).
There is no onnxruntime for Python here, so the same runtime the app uses does the check."""
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any, Dict

import onnx
import torch

from .configs import TinyTrainConfig
from .errors import TrainerError
from .synthetic_data import GOLDEN_STREAM, batch_generator, color_block_batch
from .tiny_model import ColorStatsNet

REPO_ROOT = Path(__file__).resolve().parents[2]  # models/boig_trainer/ -> repo root
VERIFIER = REPO_ROOT / "models" / "verify_onnx.mjs"
ONNX_OPSET = 13  # onnxruntime-node 1.30 runs it; torch 1.13 exports it without fallbacks
GOLDEN_BATCH = 4  # > 1 so the dynamic batch axis is exercised by the check
GOLDEN_RTOL, GOLDEN_ATOL = 1e-4, 1e-5


def fixture_tensor(tensor: torch.Tensor) -> Dict[str, Any]:
    # float32 -> Python float is exact, and JSON round-trips it, so the fixture loses nothing.
    return {"dims": list(tensor.shape), "type": "float32", "data": tensor.detach().cpu().flatten().tolist()}


def export_color_stats(model: ColorStatsNet, config: TinyTrainConfig, artifact_dir: Path) -> Path:
    """Writes model.onnx and golden.json into artifact_dir and verifies them; returns the model path."""
    model = model.cpu().eval()
    generator = batch_generator(config.seed, GOLDEN_STREAM, 0)
    pixels, _ = color_block_batch(GOLDEN_BATCH, config.image_size, config.blocks_per_image, generator)  # [4, 3, S, S]
    with torch.no_grad():
        mean_rgb = model(pixels)  # [4, 3]

    model_path = artifact_dir / "model.onnx"
    torch.onnx.export(
        model,
        (pixels,),
        str(model_path),
        input_names=["pixels"],
        output_names=["mean_rgb"],
        dynamic_axes={"pixels": {0: "batch"}, "mean_rgb": {0: "batch"}},
        opset_version=ONNX_OPSET,
        do_constant_folding=True,
    )
    onnx.checker.check_model(onnx.load(str(model_path)), full_check=True)

    golden = {
        "inputs": {"pixels": fixture_tensor(pixels)},
        "outputs": {"mean_rgb": fixture_tensor(mean_rgb)},
        "rtol": GOLDEN_RTOL,
        "atol": GOLDEN_ATOL,
    }
    golden_path = artifact_dir / "golden.json"
    golden_path.write_text(json.dumps(golden) + "\n")
    verify_with_onnxruntime_node(model_path, golden_path)
    return model_path


def run_node_verifier(script: Path, args: "list[str]", timeout_s: int) -> str:
    """Runs one of models/verify_*.mjs in onnxruntime-node (the runtime the app serves with) on an
    export; a mismatch with PyTorch, a missing node or a timeout is a TrainerError. Returns the report."""
    node = os.environ.get("BOIG_NODE", "node")
    try:
        result = subprocess.run([node, str(script), *args], cwd=REPO_ROOT, capture_output=True, text=True, timeout=timeout_s)
    except FileNotFoundError:
        raise TrainerError(f"cannot run node ({node!r}) to verify the ONNX export; set BOIG_NODE") from None
    except subprocess.TimeoutExpired:
        raise TrainerError(f"{script.name} timed out after {timeout_s} s") from None
    report = (result.stdout + result.stderr).strip()
    print(f"{script.name}: {report}", file=sys.stderr, flush=True)
    if result.returncode != 0:
        raise TrainerError(f"ONNX export does not match PyTorch ({script.name} exit {result.returncode}): {report}")
    return report


def verify_with_onnxruntime_node(model_path: Path, golden_path: Path) -> None:
    run_node_verifier(VERIFIER, [str(model_path), str(golden_path)], 120)