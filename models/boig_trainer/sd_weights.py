"""The PyTorch weights inside a BoigSD artifact (`weights.pt`), so a later run (SFT, DDPO) can start
from a published model without its training run folder. ONNX initializers cannot stand in: export
folds GroupNorm's affine and transposes attention weights under generated names.

Stored: the config (SdTrainConfig.to_dict), the tokenizer's pad id, and the state dict with the
trainable parameters in float16 (half the bytes; the artifact's ONNX graphs stay float32 and are
what the app serves) and the buffers (schedule, latent scale) in float32. A run that starts from
these weights starts from the float16-rounded model: |Δw| <= 2^-11 |w|, far below one fine-tuning
step's change."""
import json
from pathlib import Path
from typing import Any, Dict, Tuple

import torch

from .errors import UsageError
from .llm_tokenizer import Tokenizer
from .sd_config import SdTrainConfig
from .sd_model import SdPipeline

WEIGHTS_NAME = "weights.pt"
WEIGHTS_FORMAT = 1


def save_pipeline_weights(pipeline: SdPipeline, pad_id: int, path: Path) -> None:
    buffers = {name for name, _ in pipeline.named_buffers()}
    state = {
        name: (tensor.detach().cpu().half() if name not in buffers and tensor.is_floating_point() else tensor.detach().cpu().clone())
        for name, tensor in pipeline.state_dict().items()
    }
    torch.save({"format": WEIGHTS_FORMAT, "config": pipeline.config.to_dict(), "pad_id": pad_id, "state_dict": state}, path)


def load_pipeline_weights(artifact_dir: Path) -> Tuple[SdPipeline, Tokenizer, Dict[str, Any]]:
    """The pipeline (float32, eval mode) and tokenizer of a BoigSD artifact folder, and its manifest."""
    path = artifact_dir / WEIGHTS_NAME
    if not path.exists():
        raise UsageError(f"--init {artifact_dir}: no {WEIGHTS_NAME} (a BoigSD artifact folder from `train sd-base` is needed)")
    stored = torch.load(path, map_location="cpu")
    if stored.get("format") != WEIGHTS_FORMAT:
        raise UsageError(f"{path}: weights format {stored.get('format')!r}, expected {WEIGHTS_FORMAT}")
    config = SdTrainConfig.from_dict(stored["config"])
    pipeline = SdPipeline(config, stored["pad_id"])
    pipeline.load_state_dict({name: tensor.float() if tensor.is_floating_point() else tensor for name, tensor in stored["state_dict"].items()})
    tokenizer = Tokenizer.load(artifact_dir / "vocab.json")
    manifest = json.loads((artifact_dir / "manifest.json").read_text()) if (artifact_dir / "manifest.json").exists() else {}
    return pipeline.eval(), tokenizer, manifest
