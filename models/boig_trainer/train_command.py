"""`train tiny`: resolve the config (fresh or from a checkpoint), train, export, publish the artifact."""
import argparse
import shutil
from pathlib import Path
from typing import Any, Dict, Optional

import torch

from .configs import TinyTrainConfig, tiny_preset
from .config_overrides import apply_overrides
from .export_onnx import export_color_stats
from .manifest import write_color_stats_manifest
from .progress import ProgressEmitter
from .run_setup import open_run, publish_artifact, resumed_config
from .train_loop import stop_requested_on_signals, train_color_stats


def config_for_run(args: argparse.Namespace, resume_state: Optional[Dict[str, Any]]) -> TinyTrainConfig:
    if resume_state is None:
        return apply_overrides(tiny_preset(args.preset or "tiny", seed=args.seed, steps=args.steps), args.set)
    return resumed_config(TinyTrainConfig.from_dict(resume_state["config"]), args, resume_state, ("preset", "seed"))


def run_train_tiny(args: argparse.Namespace, emitter: ProgressEmitter) -> None:
    setup = open_run(args)
    run_dir, device, resume_state = setup.run_dir, setup.device, setup.resume_state
    config = config_for_run(args, resume_state)
    torch.set_num_threads(setup.dist.threads(config.torch_threads))
    emitter.emit(
        "start",
        run_dir=str(run_dir),
        config=config.to_dict(),
        total_steps=config.steps,
        resumed_from_step=resume_state["step"] if resume_state else 0,
        device=str(device),
    )

    with stop_requested_on_signals() as stop:
        result = train_color_stats(config, run_dir, device, emitter, stop, resume_state, setup.dist)
    if not setup.dist.is_main:  # under torchrun rank 0 exports and publishes; this rank is done
        return
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
