"""Resumable checkpoints: model, optimizer, step, RNG state and the config, written atomically."""
import os
from pathlib import Path
from typing import Any, Dict, Optional

import torch

CHECKPOINT_FORMAT = 1  # bump when the stored keys change
CHECKPOINT_NAME = "checkpoint.pt"  # one file per run dir, always the latest step


def checkpoint_path(run_dir: Path) -> Path:
    return run_dir / CHECKPOINT_NAME


def save_checkpoint(
    run_dir: Path,
    *,
    step: int,
    loss: float,
    config: Dict[str, Any],
    model: torch.nn.Module,
    optimizer: torch.optim.Optimizer,
) -> Path:
    path = checkpoint_path(run_dir)
    state = {
        "format": CHECKPOINT_FORMAT,
        "step": step,
        "loss": loss,
        "config": config,
        "model": model.state_dict(),
        "optimizer": optimizer.state_dict(),
        "rng": {"torch": torch.get_rng_state()},
    }
    if torch.cuda.is_available():
        state["rng"]["cuda"] = torch.cuda.get_rng_state_all()
    # Write-then-rename: a crash mid-write leaves the previous checkpoint intact.
    tmp_path = path.with_name(path.name + ".tmp")
    with open(tmp_path, "wb") as tmp_file:
        torch.save(state, tmp_file)
        tmp_file.flush()
        os.fsync(tmp_file.fileno())
    os.replace(tmp_path, path)
    return path


def load_checkpoint(run_dir: Path, device: torch.device) -> Optional[Dict[str, Any]]:
    path = checkpoint_path(run_dir)
    if not path.exists():
        return None
    state = torch.load(path, map_location=device)
    if state.get("format") != CHECKPOINT_FORMAT:
        raise ValueError(f"{path}: checkpoint format {state.get('format')!r}, expected {CHECKPOINT_FORMAT}")
    return state


def restore_rng(state: Dict[str, Any]) -> None:
    torch.set_rng_state(state["rng"]["torch"])
    if "cuda" in state["rng"] and torch.cuda.is_available():
        torch.cuda.set_rng_state_all(state["rng"]["cuda"])
