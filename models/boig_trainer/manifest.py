"""manifest.json: what the app reads (and sha256-checks) before it loads an artifact."""
import hashlib
import json
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Dict

import torch

from .configs import TINY_PRESETS, TinyTrainConfig
from .config_overrides import override_flags
from .export_onnx import REPO_ROOT


def file_digest(path: Path) -> Dict[str, Any]:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            digest.update(chunk)
    return {"sha256": digest.hexdigest(), "bytes": path.stat().st_size}


def reproduce_command(config: TinyTrainConfig, run_dir: Path) -> str:
    # Paths inside the repo are written relative to its root, where `npx boig` runs.
    try:
        out = run_dir.resolve().relative_to(REPO_ROOT).as_posix()
    except ValueError:
        out = str(run_dir)
    steps = "" if config.steps == TINY_PRESETS[config.preset].steps else f" --steps {config.steps}"
    return f"npx boig train tiny --preset {config.preset} --seed {config.seed}{steps}{override_flags(config, TINY_PRESETS[config.preset])} --out {out}"


def write_color_stats_manifest(
    artifact_dir: Path, run_dir: Path, config: TinyTrainConfig, metrics: Dict[str, float]
) -> Dict[str, Any]:
    size = config.image_size
    manifest = {
        "name": "tiny-colorstats",
        "version": datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ"),
        "kind": "tiny-demo",
        "files": {"model.onnx": file_digest(artifact_dir / "model.onnx")},
        "inputs": [{"name": "pixels", "dtype": "float32", "dims": ["batch", 3, size, size]}],
        "outputs": [{"name": "mean_rgb", "dtype": "float32", "dims": ["batch", 3]}],
        "training": {
            "config": config.to_dict(),
            "command": reproduce_command(config, run_dir),
            "torch": torch.__version__,
        },
        "data": {"snapshot": f"synthetic:seed={config.seed}"},
        "metrics": metrics,
    }
    (artifact_dir / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n")
    return manifest
