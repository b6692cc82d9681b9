"""`train clip`: load the world's images and prompts (sd_data, the same prompts and vocabulary rules
as BoigSD), resolve the config (fresh or from a checkpoint), train on the training split, evaluate
retrieval on the held-out split, export the two ONNX graphs with golden fixtures, publish the artifact."""
import argparse
import json
import shutil
import sys
import time
from typing import Any, Dict, Optional

import torch

from .clip_config import ClipTrainConfig, clip_preset
from .config_overrides import apply_overrides
from .clip_export import export_clip, write_clip_manifest
from .clip_model import parameter_counts
from .clip_train import evaluate_clip, spread, train_clip
from .detector_data import world_info
from .progress import ProgressEmitter
from .run_setup import open_run, pin_data_and_start, publish_artifact, require_data_dir, resumed_config
from .sd_data import describe_counts, load_sd_world
from .stopping import stop_requested_on_signals


KIND_METRICS = ("eval_i2t_top1", "eval_chance_top1", "eval_i2t_top1_of_32", "eval_chance_top1_of_32", "eval_auc", "eval_pairs")


def config_for_run(args: argparse.Namespace, resume_state: Optional[Dict[str, Any]]) -> ClipTrainConfig:
    if resume_state is None:
        return apply_overrides(clip_preset(args.preset or "tiny", seed=args.seed, steps=args.steps), args.set)
    return resumed_config(ClipTrainConfig.from_dict(resume_state["config"]), args, resume_state, ("preset", "seed"))


def run_train_clip(args: argparse.Namespace, emitter: ProgressEmitter) -> None:
    data_dir = require_data_dir(args, "clip", "WORLD_DIR (from `npx boig world --out WORLD_DIR`)")
    setup = open_run(args)
    run_dir, device, resume_state = setup.run_dir, setup.device, setup.resume_state
    config = config_for_run(args, resume_state)
    torch.set_num_threads(config.torch_threads)

    started = time.monotonic()
    with stop_requested_on_signals() as stop:
        data = load_sd_world(data_dir, config.image_size, config.max_tokens, config.vocab_min_count, config.vocab_max_size)
        print(
            f"loaded {data.snapshot}: {len(data.train)} train / {len(data.eval)} held-out pairs ({describe_counts(data.counts)});"
            f" vocab {len(data.tokenizer)}; {data.truncated} prompts cut to {config.max_tokens} tokens; {time.monotonic() - started:.1f} s",
            file=sys.stderr, flush=True,
        )
        config = pin_data_and_start(config, data.snapshot, len(data.tokenizer), resume_state, stop.signal_name, emitter, run_dir, device)
        result = train_clip(config, data.train, data.eval, data.tokenizer.pad_id, run_dir, device, emitter, stop, resume_state)
    train_seconds = time.monotonic() - started
    model = result.model.cpu().eval()
    evaluation = data.eval if len(data.eval) else data.train
    evaluation = spread(evaluation, config.eval_images)
    train_check = spread(data.train, len(evaluation))  # as many training pairs: the gap shows over-fitting
    parameters = parameter_counts(model)
    by_kind: Dict[str, float] = {}
    for kind in ("social", "stock"):  # stock captions describe the image; social ones often do not
        rows = [i for i, k in enumerate(evaluation.kinds) if k == kind]
        if rows and len(rows) < len(evaluation):
            kind_metrics = evaluate_clip(model, evaluation.subset(rows))
            by_kind.update({f"eval_{kind}_{name[5:]}": kind_metrics[name] for name in KIND_METRICS if name in kind_metrics})
    metrics: Dict[str, float] = {
        "final_loss": result.final_loss,
        **evaluate_clip(model, evaluation),
        **by_kind,
        **{f"train_{name[5:]}": value for name, value in evaluate_clip(model, train_check).items() if name in ("eval_i2t_top1", "eval_auc", "eval_chance_top1")},
        "eval_held_out": 1.0 if len(data.eval) else 0.0,  # 0: no test-split images, the eval metrics are on training images
        "logit_scale": model.scale().item(),
        "train_images": float(len(data.train)),
        "truncated_prompts": float(data.truncated),
        "vocab_size": float(len(data.tokenizer)),
        **{f"parameters_{name}": float(count) for name, count in parameters.items()},
        "train_seconds": round(train_seconds, 1),
    }
    print(f"metrics after {train_seconds:.0f} s: {json.dumps(metrics)}", file=sys.stderr, flush=True)

    staging_dir = run_dir / "artifact.partial"
    shutil.rmtree(staging_dir, ignore_errors=True)
    staging_dir.mkdir()
    export_clip(model, data.tokenizer, evaluation, data_dir, staging_dir)
    data_info: Dict[str, Any] = {"counts": data.counts}
    info = world_info(data_dir)
    if info:
        data_info["world"] = info
    manifest = write_clip_manifest(staging_dir, run_dir, data_dir, model, data.tokenizer, metrics, data_info, parameters)
    artifact_dir = run_dir / "artifact"
    publish_artifact(staging_dir, artifact_dir)
    emitter.emit("artifact", dir=str(artifact_dir), manifest=manifest)
    emitter.emit("done", metrics=metrics)
