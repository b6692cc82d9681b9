"""Scene-detector artifact: ONNX export of the raw heads, a golden fixture of held-out renders
checked by onnxruntime-node (verify_onnx.mjs), and manifest.json with metrics and data snapshot."""
import json
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Dict, Optional

import numpy as np
import onnx
import torch

from .detector_config import DETECTOR_PRESETS, DetectorTrainConfig, detector_preset
from .config_overrides import override_flags
from .detector_data import SceneSet, to_float
from .detector_model import ExportedDetector
from .detector_vocabulary import OBJECT_CLASSES
from .export_onnx import ONNX_OPSET, REPO_ROOT, verify_with_onnxruntime_node
from .manifest import file_digest

GOLDEN_BATCH = 2  # > 1 exercises the dynamic batch axis; 2 keeps golden.json near 200 KB
GOLDEN_RTOL, GOLDEN_ATOL = 1e-4, 1e-5
OUTPUT_NAMES = ("heatmap", "size", "offset")


def compact_fixture(tensor: torch.Tensor) -> Dict[str, Any]:
    """Like export_onnx.fixture_tensor, but each float32 is written as its shortest decimal that
    parses back to the same float32 (~9 digits, not 17): golden.json stays a few hundred KB."""
    values = tensor.detach().cpu().numpy().astype(np.float32).ravel()
    return {"dims": list(tensor.shape), "type": "float32", "data": [float(np.format_float_positional(v, unique=True)) for v in values]}


def export_detector(model: torch.nn.Module, config: DetectorTrainConfig, held_out: SceneSet, artifact_dir: Path) -> Path:
    """Writes model.onnx and golden.json (the first held-out renders) and verifies them through node."""
    exported = ExportedDetector(model.cpu()).eval()  # model: a CalibratedDetector
    pixels = to_float(held_out.pixels[:GOLDEN_BATCH])  # [2, 3, S, S]
    with torch.no_grad():
        outputs = exported(pixels)  # heatmap [2, C, G, G], size [2, 2, G, G], offset [2, 2, G, G]

    model_path = artifact_dir / "model.onnx"
    torch.onnx.export(
        exported,
        (pixels,),
        str(model_path),
        input_names=["pixels"],
        output_names=list(OUTPUT_NAMES),
        dynamic_axes={name: {0: "batch"} for name in ("pixels", *OUTPUT_NAMES)},
        opset_version=ONNX_OPSET,
        do_constant_folding=True,
    )
    onnx.checker.check_model(onnx.load(str(model_path)), full_check=True)
    golden = {
        "inputs": {"pixels": compact_fixture(pixels)},
        "outputs": {name: compact_fixture(tensor) for name, tensor in zip(OUTPUT_NAMES, outputs)},
        "rtol": GOLDEN_RTOL,
        "atol": GOLDEN_ATOL,
    }
    golden_path = artifact_dir / "golden.json"
    golden_path.write_text(json.dumps(golden) + "\n")
    verify_with_onnxruntime_node(model_path, golden_path)
    return model_path


def repo_relative(path: Path) -> str:
    # Paths inside the repo are written relative to its root, where `npx boig` runs.
    try:
        return path.resolve().relative_to(REPO_ROOT).as_posix()
    except ValueError:
        return str(path)


def reproduce_command(config: DetectorTrainConfig, data_dir: Path, run_dir: Path) -> str:
    preset = DETECTOR_PRESETS[config.preset]
    steps = "" if config.steps == preset.steps else f" --steps {config.steps}"
    return (
        f"npx boig train detector --data {repo_relative(data_dir)} --preset {config.preset} --arch {config.arch}"
        f" --seed {config.seed}{steps}{override_flags(config, detector_preset(config.preset, arch=config.arch))} --out {repo_relative(run_dir)}"
    )


def write_detector_manifest(
    artifact_dir: Path,
    run_dir: Path,
    data_dir: Path,
    config: DetectorTrainConfig,
    metrics: Dict[str, float],
    world: Optional[Dict[str, Any]],
    calibration: Dict[str, Any],
) -> Dict[str, Any]:
    size, grid = config.image_size, config.grid_size
    data: Dict[str, Any] = {
        "snapshot": config.data_snapshot,
        "dir": repo_relative(data_dir),
        "eval_fraction": config.eval_fraction,
        "calibration_fraction": config.calibration_fraction,
    }
    if world:
        data["world"] = world
    manifest = {
        "name": f"scene-detector-{config.arch}",
        "version": datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ"),
        "kind": "scene-detector",
        "files": {"model.onnx": file_digest(artifact_dir / "model.onnx")},
        "inputs": [{"name": "pixels", "dtype": "float32", "dims": ["batch", 3, size, size]}],
        "outputs": [
            {"name": "heatmap", "dtype": "float32", "dims": ["batch", config.num_classes, grid, grid]},
            {"name": "size", "dtype": "float32", "dims": ["batch", 2, grid, grid]},
            {"name": "offset", "dtype": "float32", "dims": ["batch", 2, grid, grid]},
        ],
        # How server/ml/sceneDetector.ts turns the heads into boxes (detector_eval.decode does the same).
        "decode": {
            "classes": list(OBJECT_CLASSES),
            "heatmap": "sigmoid(scale * logit + bias) per class; a peak is a cell equal to its 3x3 max",
            "score_calibration": calibration,  # Platt scaling, already inside the graph
            "size": "box w, h normalized to the image, read at the peak cell",
            "offset": "center = (cell + offset) / grid, in x, y order",
            "top_k": config.top_k,
            "score_floor": config.score_floor,
        },
        "training": {
            "config": config.to_dict(),
            "command": reproduce_command(config, data_dir, run_dir),
            "torch": torch.__version__,
        },
        "data": data,
        "metrics": metrics,
    }
    (artifact_dir / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n")
    return manifest
