"""`train tiny`: resolve the config (fresh or from a checkpoint), train, export, publish the artifact."""
import argparse
import shutil
import sys
from dataclasses import replace
from pathlib import Path
from typing import Any, Dict, Optional

import torch

from .checkpoint import checkpoint_path, load_checkpoint
from .configs import TinyTrainConfig, tiny_preset
from .errors import UsageError
from .export_onnx import export_color_stats
from .manifest import write_color_stats_manifest
from .progress import ProgressEmitter
from .train_loop import stop_requested_on_signals, train_color_stats


def resolve_device(name: str) -> torch.device:
    if name == "cuda" and not torch.cuda.is_available():
        raise UsageError("--device cuda was requested but torch.cuda.is_available() is False")
    return torch.device(name)


def config_for_run(args: argparse.Namespace, resume_state: Optional[Dict[str, Any]]) -> TinyTrainConfig:
    if resume_state is None:
        return tiny_preset(args.preset or "tiny", seed=args.seed, steps=args.steps)
    # Resuming: the checkpoint's config wins; only the total step count may be extended.
    stored = TinyTrainConfig.from_dict(resume_state["config"])
    for name in ("preset", "seed"):
        given = getattr(args, name)
        if given is not None and given != getattr(stored, name):
            raise UsageError(f"--{name} {given} conflicts with the checkpoint's {name} {getattr(stored, name)!r}")
    steps = stored.steps if args.steps is None else args.steps
    if steps < resume_state["step"]:
        raise UsageError(f"--steps {steps} is below the checkpoint's step {resume_state['step']}")
    return replace(stored, steps=steps)


def publish_artifact(staging_dir: Path, artifact_dir: Path) -> None:
    # The staging dir is complete (manifest last) before it takes the artifact's name.
    if artifact_dir.exists():
        shutil.rmtree(artifact_dir)
    staging_dir.rename(artifact_dir)


def run_train_tiny(args: argparse.Namespace, emitter: ProgressEmitter) -> None:
    run_dir = Path(args.out).resolve()
    device = resolve_device(args.device)
    run_dir.mkdir(parents=True, exist_ok=True)
    if not args.resume and checkpoint_path(run_dir).exists():
        raise UsageError(f"{run_dir} already holds a checkpoint; pass --resume or choose another --out")
    resume_state = load_checkpoint(run_dir, device) if args.resume else None
    if args.resume and resume_state is None:
        print(f"no checkpoint in {run_dir}; starting from step 0", file=sys.stderr, flush=True)
    config = config_for_run(args, resume_state)
    torch.set_num_threads(config.torch_threads)
    emitter.emit(
        "start",
        run_dir=str(run_dir),
        config=config.to_dict(),
        total_steps=config.steps,
        resumed_from_step=resume_state["step"] if resume_state else 0,
        device=str(device),
    )

    with stop_requested_on_signals() as stop:
        result = train_color_stats(config, run_dir, device, emitter, stop, resume_state)
    metrics = {"final_loss": result.final_loss, "eval_mae": result.eval_mae}

    staging_dir = run_dir / "artifact.partial"
    shutil.rmtree(staging_dir, ignore_errors=True)
    staging_dir.mkdir()
    export_color_stats(result.model, config, staging_dir)
    manifest = write_color_stats_manifest(staging_dir, run_dir, config, metrics)
    artifact_dir = run_dir / "artifact"
    publish_artifact(staging_dir, artifact_dir)
    emitter.emit("artifact", dir=str(artifact_dir), manifest=manifest)
    emitter.emit("done", metrics=metrics)
