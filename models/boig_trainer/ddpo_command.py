"""`train ddpo`: align a BoigSD artifact (default: the committed base) to the BoigLLM reward with
DDPO (ddpo_train.py), then export the best epoch's model as a BoigSD artifact (the four ONNX graphs,
golden fixtures, weights.pt, manifest with the whole per-epoch history)."""
import argparse
import json
import shutil
import sys
import time
from dataclasses import replace
from pathlib import Path
from typing import Any, Dict, Optional

import torch

from .checkpoint import checkpoint_path
from .ddpo_config import ANCHOR_BUCKETS, DdpoConfig, ddpo_preset
from .ddpo_prompts import load_ddpo_prompts
from .ddpo_train import CHECKPOINT_FORMAT, DdpoTrainer
from .detector_data import world_info
from .config_overrides import apply_overrides, override_flags, refuse_on_resume
from .errors import UsageError
from .export_onnx import REPO_ROOT
from .progress import ProgressEmitter
from .reward_bridge import RewardBridge
from .run_setup import publish_artifact, require_data_dir, resolve_device
from .sd_data import ImageSet, empty_prompt_ids, load_sd_world
from .sd_export import export_sd, repo_relative, write_sd_manifest
from .sd_lora import merge_lora
from .sd_model import parameter_counts
from .sd_weights import load_pipeline_weights
from .stopping import stop_requested_on_signals

# DDPO starts from the SFT baseline by default: from base, every run so far was reward-hacked or ended below SFT
# (docs/results.md, Table 2); --init models/artifacts/boigsd-base is the paper's setting.
DEFAULT_INIT = REPO_ROOT / "models" / "artifacts" / "boigsd-sft"


def config_for_run(args: argparse.Namespace, stored: Optional[Dict[str, Any]], init_dir: Path) -> DdpoConfig:
    if stored is None:
        return apply_overrides(
            ddpo_preset(
                args.preset or "tiny", seed=args.seed, epochs=args.steps, init=repo_relative(init_dir),
                reward_variant=args.reward_variant, lora_rank=args.lora_rank,
            ),
            args.set,
        )
    refuse_on_resume(args.set)
    config = DdpoConfig.from_dict(stored["config"])
    if args.init is not None and repo_relative(init_dir) != config.init:
        # The checkpoint's policy started from its own init; another one would mean another run.
        raise UsageError(f"--init {repo_relative(init_dir)} conflicts with the checkpoint's init {config.init}")
    for flag, name in (("preset", "preset"), ("seed", "seed"), ("reward_variant", "reward_variant"), ("lora_rank", "lora_rank")):
        given = getattr(args, flag)
        if given is not None and given != getattr(config, name):
            raise UsageError(f"--{flag.replace('_', '-')} {given} conflicts with the checkpoint's {name} {getattr(config, name)!r}")
    if args.steps is not None:
        if args.steps < stored["epoch"]:
            raise UsageError(f"--steps (epochs) {args.steps} is below the checkpoint's epoch {stored['epoch']}")
        config = replace(config, epochs=args.steps)
    return config


def anchor_images(train: ImageSet, config: DdpoConfig) -> Optional[ImageSet]:
    """The real training images of the anchor term (ddpo_train.py): the config's bucket, the prompt set's datasets."""
    if config.anchor_weight <= 0:
        return None
    if config.anchor_bucket not in ANCHOR_BUCKETS:
        raise UsageError(f"--set anchor_bucket={config.anchor_bucket}: one of {', '.join(ANCHOR_BUCKETS)}")
    index = [
        i for i, (kind, bucket) in enumerate(zip(train.kinds, train.buckets))
        if config.prompt_set in ("all", kind) and config.anchor_bucket in ("all", bucket)
    ]
    if not index:
        raise UsageError(f"--data has no {config.prompt_set} training images in bucket {config.anchor_bucket} for the anchor")
    return train.subset(index)


def reproduce_command(config: DdpoConfig, data_dir: Path, run_dir: Path, boigllm: Optional[str]) -> str:
    preset = ddpo_preset(config.preset)  # flags name only what differs from it
    parts = [f"npx boig train ddpo --data {repo_relative(data_dir)} --init {config.init} --preset {config.preset} --seed {config.seed}"]
    if config.epochs != preset.epochs:
        parts.append(f"--steps {config.epochs}")
    if config.reward_variant != "calibrated":
        parts.append(f"--reward-variant {config.reward_variant}")
    if config.lora_rank != preset.lora_rank:
        parts.append(f"--lora-rank {config.lora_rank}")
    if boigllm:
        parts.append(f"--boigllm {boigllm}")
    flags = override_flags(config, preset)
    if flags:
        parts.append(flags.strip())
    parts.append(f"--out {repo_relative(run_dir)}")
    return " ".join(parts)


def run_train_ddpo(args: argparse.Namespace, emitter: ProgressEmitter) -> None:
    data_dir = require_data_dir(args, "ddpo", "WORLD_DIR (from `npx boig world --out DIR`): its prompts and the true KPI")
    run_dir = Path(args.out).resolve()
    resolve_device(args.device)
    run_dir.mkdir(parents=True, exist_ok=True)
    stored = None
    if checkpoint_path(run_dir).exists():
        if not args.resume:
            raise UsageError(f"{run_dir} already holds a checkpoint; pass --resume or choose another --out")
        stored = torch.load(checkpoint_path(run_dir), map_location="cpu")
        if stored.get("format") != CHECKPOINT_FORMAT or stored.get("kind") != "ddpo":
            raise UsageError(f"{checkpoint_path(run_dir)} is not a DDPO checkpoint")
    init_dir = Path(args.init).resolve() if args.init else (REPO_ROOT / stored["config"]["init"] if stored else DEFAULT_INIT)
    config = config_for_run(args, stored, init_dir)
    init_dir = (REPO_ROOT / config.init).resolve() if not Path(config.init).is_absolute() else Path(config.init)
    torch.set_num_threads(config.torch_threads)
    boigllm = Path(args.boigllm).resolve() if args.boigllm else None

    started = time.monotonic()
    with stop_requested_on_signals() as stop:
        pipeline, tokenizer, base_manifest = load_pipeline_weights(init_dir)
        prompts = load_ddpo_prompts(data_dir, tokenizer, pipeline.config.max_tokens)
        if stored is None:
            config = replace(config, data_snapshot=prompts.snapshot)
        elif config.data_snapshot != prompts.snapshot:
            raise UsageError(f"--data is {prompts.snapshot}, but the checkpoint trained on {config.data_snapshot}")
        train_prompts = [p for p in prompts.train if config.prompt_set in ("all", p.fields.kind)]
        if config.prompt_set not in ("all", "social", "stock"):
            raise UsageError(f"--set prompt_set={config.prompt_set}: one of all, social, stock")
        if not train_prompts:
            raise UsageError(f"--data has no {config.prompt_set} training prompts")
        held_out = prompts.test[: config.eval_prompts]
        grid = prompts.test[config.eval_prompts : config.eval_prompts + config.grid_prompts] or held_out[: config.grid_prompts]
        print(
            f"ddpo: init {init_dir} ({base_manifest.get('name')} {base_manifest.get('version')}); {len(train_prompts)} training prompts ({config.prompt_set}),"
            f" {len(held_out)} held-out, {len(grid)} grid; {config.samples_per_epoch} samples x {config.ddim_steps} steps per epoch",
            file=sys.stderr, flush=True,
        )
        data = load_sd_world(data_dir, pipeline.config.image_size, pipeline.config.max_tokens, pipeline.config.vocab_min_count,
                             pipeline.config.vocab_max_size, tokenizer=tokenizer)
        anchor = anchor_images(data.train, config)
        with RewardBridge(boigllm, data_dir) as bridge:
            # FID-like reference: real held-out images (a fixed prefix), against which every epoch's
            # held-out samples are measured (the anti-collapse guard of the selection).
            reference = data.eval.pixels[: config.fid_reference_images]
            fid_like = (lambda images: bridge.fid_like(images)) if len(reference) >= 2 and bridge.set_reference(reference) else None
            emitter.emit(
                "start", run_dir=str(run_dir), config=config.to_dict(), total_steps=config.epochs,
                resumed_from_step=stored["epoch"] if stored else 0, device="cpu", reward_model=bridge.model,
            )
            trainer = DdpoTrainer(
                config, pipeline, empty_prompt_ids(tokenizer, pipeline.config.max_tokens), train_prompts, held_out, grid, bridge, run_dir,
                emitter, stop, fid_like=fid_like, anchor=anchor,
            )
            if stored is not None:
                trainer.restore(stored)
            trainer.run()
            reward_model = bridge.model
    train_seconds = time.monotonic() - started

    best = trainer.best
    pipeline.unet.load_state_dict(best["unet"])
    if config.lora_rank > 0:
        merge_lora(pipeline.unet)
    pipeline = pipeline.cpu().eval()
    best_metrics = next(h for h in trainer.history if h["epoch"] == best["epoch"])
    metrics: Dict[str, float] = {
        "best_epoch": float(best["epoch"]),
        **{k: float(v) for k, v in best_metrics.items() if isinstance(v, (int, float)) and not isinstance(v, bool)},
        "train_seconds": round(train_seconds, 1),
    }
    staging_dir = run_dir / "artifact.partial"
    shutil.rmtree(staging_dir, ignore_errors=True)
    staging_dir.mkdir()
    export_sd(pipeline, tokenizer, data.eval.subset(range(min(8, len(data.eval)))), staging_dir)
    data_info: Dict[str, Any] = {"counts": data.counts}
    info = world_info(data_dir)
    if info:
        data_info["world"] = info
    extra = {
        "ddpo": {
            "config": config.to_dict(), "init": {"dir": config.init, "name": base_manifest.get("name"), "version": base_manifest.get("version")},
            "reward_model": reward_model, "best_epoch": best["epoch"], "selection": "max held-out reward among epochs that kept diversity (and FID-like) within bounds",
            "history": trainer.history,
        },
    }
    manifest = write_sd_manifest(
        staging_dir, run_dir, data_dir, pipeline, tokenizer, metrics, data_info, parameter_counts(pipeline),
        name="boigsd", command=reproduce_command(config, data_dir, run_dir, repo_relative(boigllm) if boigllm else None), extra=extra,
    )
    artifact_dir = run_dir / "artifact"
    publish_artifact(staging_dir, artifact_dir)
    print(f"ddpo: best epoch {best['epoch']} of {config.epochs}: {json.dumps(best_metrics)}", file=sys.stderr, flush=True)
    emitter.emit("artifact", dir=str(artifact_dir), manifest=manifest)
    emitter.emit("done", metrics=metrics)
