"""`train detector`: load the world's renders, resolve the config (fresh or from a checkpoint),
train, evaluate on the held-out renders, export, publish the artifact."""
import argparse
import json
import shutil
import sys
import time
from dataclasses import replace
from pathlib import Path
from typing import Any, Dict, Optional

import torch

from .detector_config import DetectorTrainConfig, detector_preset
from .config_overrides import apply_overrides
from .detector_data import load_world, world_info
from .detector_eval import evaluate_detector, fit_score_calibration
from .detector_model import CalibratedDetector
from .detector_export import export_detector, write_detector_manifest
from .detector_train import train_detector
from .errors import TrainingStopped, UsageError
from .progress import ProgressEmitter
from .run_setup import open_run, publish_artifact, require_data_dir, resumed_config
from .train_loop import stop_requested_on_signals

def config_for_run(args: argparse.Namespace, resume_state: Optional[Dict[str, Any]]) -> DetectorTrainConfig:
    if resume_state is None:
        return apply_overrides(detector_preset(args.preset or "tiny", arch=args.arch or "centernet", seed=args.seed, steps=args.steps), args.set)
    return resumed_config(DetectorTrainConfig.from_dict(resume_state["config"]), args, resume_state, ("preset", "seed", "arch"))


def run_train_detector(args: argparse.Namespace, emitter: ProgressEmitter) -> None:
    data_dir = require_data_dir(args, "detector", "WORLD_DIR (from `npx boig world --out WORLD_DIR`)")
    setup = open_run(args)
    run_dir, device, resume_state = setup.run_dir, setup.device, setup.resume_state
    config = config_for_run(args, resume_state)
    torch.set_num_threads(setup.dist.threads(config.torch_threads))

    started = time.monotonic()
    # Signals are caught from here on: a SIGTERM while the renders load still ends in an error line.
    with stop_requested_on_signals() as stop:
        world = load_world(data_dir, config.image_size, config.max_objects, config.eval_fraction, config.calibration_fraction)
        print(
            f"loaded {world.snapshot}: {len(world.train)} train / {len(world.calibration)} calibration / {len(world.eval)} held out"
            f" in {time.monotonic() - started:.1f} s",
            file=sys.stderr,
            flush=True,
        )
        if resume_state is None:
            config = replace(config, data_snapshot=world.snapshot)
        elif config.data_snapshot != world.snapshot:
            raise UsageError(f"--data is {world.snapshot}, but the checkpoint trained on {config.data_snapshot}")
        if stop.signal_name is not None:
            raise TrainingStopped(f"stopped by {stop.signal_name} while loading --data, before step {resume_state['step'] if resume_state else 0}")

        emitter.emit(
            "start",
            run_dir=str(run_dir),
            config=config.to_dict(),
            total_steps=config.steps,
            resumed_from_step=resume_state["step"] if resume_state else 0,
            device=str(device),
        )
        result = train_detector(config, world.train, run_dir, device, emitter, stop, resume_state, setup.dist)
    if not setup.dist.is_main:  # under torchrun rank 0 calibrates, evaluates, exports and publishes; this rank is done
        return
    train_seconds = time.monotonic() - started
    model = result.model.cpu()
    scale, bias = fit_score_calibration(model, world.calibration, batch_size=config.eval_batch_size, top_k=config.top_k, iou_threshold=config.iou_threshold)
    print(f"score calibration on {len(world.calibration)} images: sigmoid({scale:.4f} * logit + {bias:.4f})", file=sys.stderr, flush=True)
    calibrated = CalibratedDetector(model, scale, bias).eval()
    scores = evaluate_detector(
        calibrated,
        world.eval,
        num_classes=config.num_classes,
        batch_size=config.eval_batch_size,
        top_k=config.top_k,
        score_floor=config.score_floor,
        score_threshold=config.score_threshold,
        iou_threshold=config.iou_threshold,
    )
    # train_seconds: this process's load + train wall time (a resumed run counts only its own part).
    metrics = {"final_loss": result.final_loss, **scores, "train_images": float(len(world.train)), "calibration_images": float(len(world.calibration)), "train_seconds": round(train_seconds, 1)}
    print(f"held-out metrics after {train_seconds:.0f} s: {json.dumps(metrics)}", file=sys.stderr, flush=True)

    staging_dir = run_dir / "artifact.partial"
    shutil.rmtree(staging_dir, ignore_errors=True)
    staging_dir.mkdir()
    export_detector(calibrated, config, world.eval, staging_dir)
    calibration = {"scale": scale, "bias": bias, "images": len(world.calibration)}
    manifest = write_detector_manifest(staging_dir, run_dir, data_dir, config, metrics, world_info(data_dir), calibration)
    artifact_dir = run_dir / "artifact"
    publish_artifact(staging_dir, artifact_dir)
    emitter.emit("artifact", dir=str(artifact_dir), manifest=manifest)
    emitter.emit("done", metrics=metrics)
