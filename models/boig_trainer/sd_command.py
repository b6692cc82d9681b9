"""`train sd-base` and `train sd-sft`: load the world's images and prompts, resolve the config (fresh or from a
checkpoint), train the VAE then the text encoder + UNet, evaluate on the held-out images, export
the four ONNX graphs with golden fixtures, publish the artifact."""
import argparse
import json
import shutil
import sys
import time
from dataclasses import replace
from pathlib import Path
from typing import Any, Dict, Optional

import torch

from .detector_data import world_info
from .config_overrides import apply_overrides, override_flags
from .errors import UsageError
from .progress import ProgressEmitter
from .export_onnx import REPO_ROOT
from .llm_tokenizer import Tokenizer
from .run_setup import RunSetup, open_run, pin_data_and_start, publish_artifact, require_data_dir, resumed_config
from .sd_config import SFT_LEARNING_RATE, SFT_STEPS, SdTrainConfig, sd_preset
from .sd_data import describe_counts, empty_prompt_ids, load_sd_world
from .sd_export import export_sd, repo_relative, write_sd_manifest
from .sd_model import SdPipeline, parameter_counts
from .sd_train import evaluate_sd, train_sd
from .sd_weights import load_pipeline_weights
from .stopping import stop_requested_on_signals

DEFAULT_BASE = REPO_ROOT / "models" / "artifacts" / "boigsd-base"


def config_for_run(args: argparse.Namespace, resume_state: Optional[Dict[str, Any]]) -> SdTrainConfig:
    if resume_state is None:
        if args.steps is not None and args.steps < 2:
            raise UsageError("--steps must be >= 2 for sd-base (at least one VAE and one UNet step)")
        return apply_overrides(sd_preset(args.preset or "tiny", seed=args.seed, steps=args.steps, only_bucket=args.only_bucket), args.set)
    return resumed_config(SdTrainConfig.from_dict(resume_state["config"]), args, resume_state, ("preset", "seed", "only_bucket"))


def run_train_sd(args: argparse.Namespace, emitter: ProgressEmitter) -> None:
    data_dir = require_data_dir(args, "sd-base", "WORLD_DIR (from `npx boig world --out WORLD_DIR`)")
    setup = open_run(args)
    config = config_for_run(args, setup.resume_state)
    if config.steps <= config.vae_steps:
        raise UsageError(f"--steps {config.steps} leaves no UNet steps after the {config.vae_steps} VAE steps")
    train_and_publish(args, emitter, setup, config, data_dir, tokenizer=None, initial=None, name=None, command=None)


def sft_config_for_run(args: argparse.Namespace, resume_state: Optional[Dict[str, Any]], base: SdPipeline) -> SdTrainConfig:
    if resume_state is not None:
        return resumed_config(SdTrainConfig.from_dict(resume_state["config"]), args, resume_state, ("preset", "seed"))
    preset = args.preset or "tiny"
    if preset not in SFT_STEPS:
        raise UsageError(f"train sd-sft: --preset must be one of {sorted(SFT_STEPS)}")
    return apply_overrides(sft_default(base, preset, args.seed, args.steps), args.set)


def sft_default(base: SdPipeline, preset: str, seed: Optional[int], steps: Optional[int]) -> SdTrainConfig:
    """The SFT run's config before --set: the base's architecture with the SFT schedule."""
    return replace(
        base.config, preset=preset, seed=seed if seed is not None else 0, only_bucket="high", vae_steps=0,
        steps=steps or SFT_STEPS[preset], unet_learning_rate=SFT_LEARNING_RATE[preset], data_snapshot="",
        checkpoint_every=min(base.config.checkpoint_every, 100),
    )


def run_train_sft(args: argparse.Namespace, emitter: ProgressEmitter) -> None:
    """The SFT baseline (paper §3.3): the base model fine-tuned (text encoder + UNet; the VAE and the
    latent scale stay the base's) on the high-KPI training images only, with the base's vocabulary."""
    data_dir = require_data_dir(args, "sd-sft", "WORLD_DIR (the world the base model was trained on)")
    init_dir = Path(args.init).resolve() if args.init else DEFAULT_BASE
    base, tokenizer, base_manifest = load_pipeline_weights(init_dir)
    setup = open_run(args)
    config = sft_config_for_run(args, setup.resume_state, base)
    command = (
        f"npx boig train sd-sft --data {repo_relative(data_dir)} --init {repo_relative(init_dir)} --preset {config.preset} --seed {config.seed}"
        + ("" if config.steps == SFT_STEPS[config.preset] else f" --steps {config.steps}")
        + override_flags(config, replace(sft_default(base, config.preset, config.seed, config.steps), data_snapshot=config.data_snapshot, vocab_size=config.vocab_size))
        + f" --out {repo_relative(setup.run_dir)}"
    )
    init_info = {"sft": {"init": {"dir": repo_relative(init_dir), "name": base_manifest.get("name"), "version": base_manifest.get("version")}}}
    train_and_publish(args, emitter, setup, config, data_dir, tokenizer=tokenizer, initial=base, name="boigsd-sft", command=command, extra=init_info)


def train_and_publish(
    args: argparse.Namespace, emitter: ProgressEmitter, setup: RunSetup, config: SdTrainConfig, data_dir: Path,
    tokenizer: Optional[Tokenizer], initial: Optional[SdPipeline], name: Optional[str], command: Optional[str],
    extra: Optional[Dict[str, Any]] = None,
) -> None:
    run_dir, device, resume_state = setup.run_dir, setup.device, setup.resume_state
    torch.set_num_threads(setup.dist.threads(config.torch_threads))

    started = time.monotonic()
    with stop_requested_on_signals() as stop:
        data = load_sd_world(data_dir, config.image_size, config.max_tokens, config.vocab_min_count, config.vocab_max_size, config.only_bucket, tokenizer)
        print(
            f"loaded {data.snapshot}: {len(data.train)} train / {len(data.eval)} held-out images ({describe_counts(data.counts)});"
            f" vocab {len(data.tokenizer)}; {data.truncated} prompts cut to {config.max_tokens} tokens; {time.monotonic() - started:.1f} s",
            file=sys.stderr, flush=True,
        )
        config = pin_data_and_start(config, data.snapshot, len(data.tokenizer), resume_state, stop.signal_name, emitter, run_dir, device)
        empty_ids = empty_prompt_ids(data.tokenizer, config.max_tokens)
        result = train_sd(config, data.train, empty_ids, data.tokenizer.pad_id, run_dir, device, emitter, stop, resume_state, initial, setup.dist)
    if not setup.dist.is_main:  # under torchrun rank 0 evaluates, exports and publishes; this rank is done
        return
    train_seconds = time.monotonic() - started
    pipeline = result.pipeline.cpu().eval()
    evaluation = data.eval if len(data.eval) else data.train
    evaluation = evaluation.subset(range(min(config.eval_images, len(evaluation))))
    parameters = parameter_counts(pipeline)
    metrics: Dict[str, float] = {
        "final_loss": result.final_loss,
        **evaluate_sd(pipeline, evaluation, config, empty_ids),
        "latent_scale": pipeline.latent_scale.item(),
        "train_images": float(len(data.train)),
        "eval_images": float(len(evaluation)),
        "eval_held_out": 1.0 if len(data.eval) else 0.0,  # 0: no test-split images, the metrics are on training images
        "truncated_prompts": float(data.truncated),
        "vocab_size": float(len(data.tokenizer)),
        **{f"parameters_{name}": float(count) for name, count in parameters.items()},
        "train_seconds": round(train_seconds, 1),
    }
    print(f"metrics after {train_seconds:.0f} s: {json.dumps(metrics)}", file=sys.stderr, flush=True)

    staging_dir = run_dir / "artifact.partial"
    shutil.rmtree(staging_dir, ignore_errors=True)
    staging_dir.mkdir()
    export_sd(pipeline, data.tokenizer, evaluation, staging_dir)
    data_info: Dict[str, Any] = {"counts": data.counts, "only_bucket": config.only_bucket or None}
    info = world_info(data_dir)
    if info:
        data_info["world"] = info
    manifest = write_sd_manifest(staging_dir, run_dir, data_dir, pipeline, data.tokenizer, metrics, data_info, parameters, name=name, command=command, extra=extra)
    artifact_dir = run_dir / "artifact"
    publish_artifact(staging_dir, artifact_dir)
    emitter.emit("artifact", dir=str(artifact_dir), manifest=manifest)
    emitter.emit("done", metrics=metrics)
