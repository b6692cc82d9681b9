"""`train llm`: load the instruction data, resolve the config (fresh or from a checkpoint),
train, evaluate on the test split, export with a KV cache, publish the artifact."""
import argparse
import json
import shutil
import sys
import time
from pathlib import Path
from typing import Any, Dict, Optional

import torch

from .llm_config import LlmTrainConfig, llm_preset
from .config_overrides import apply_overrides
from .errors import UsageError
from .llm_data import load_instructions
from .llm_export import export_llm, write_llm_manifest
from .llm_model import parameter_count
from .llm_train import evaluate_llm, train_llm
from .progress import ProgressEmitter
from .run_setup import open_run, pin_data_and_start, publish_artifact, require_data_dir, resumed_config
from .train_loop import stop_requested_on_signals


def config_for_run(args: argparse.Namespace, resume_state: Optional[Dict[str, Any]]) -> LlmTrainConfig:
    if resume_state is None:
        config = apply_overrides(llm_preset(args.preset or "tiny", seed=args.seed, steps=args.steps, variant=args.variant), args.set)
        if config.kpi_contrast_weight > 0 and config.variant != "behavior":
            raise UsageError(f"kpi_contrast_weight={config.kpi_contrast_weight} needs the behavior variant: the {config.variant} baseline has no KPI label to contrast")
        if config.kpi_contrast_weight < 0:
            raise UsageError("kpi_contrast_weight must be >= 0")
        if config.kpi_pair_weight > 0 and config.variant != "behavior":
            raise UsageError(f"kpi_pair_weight={config.kpi_pair_weight} needs the behavior variant: the {config.variant} baseline has no KPI label to rank by")
        if config.kpi_pair_weight < 0:
            raise UsageError("kpi_pair_weight must be >= 0")
        return config
    return resumed_config(LlmTrainConfig.from_dict(resume_state["config"]), args, resume_state, ("preset", "seed", "variant"))


def run_train_llm(args: argparse.Namespace, emitter: ProgressEmitter) -> None:
    data_dir = require_data_dir(args, "llm", "INSTR_DIR (written by exportInstructions)")
    setup = open_run(args)
    run_dir, device, resume_state = setup.run_dir, setup.device, setup.resume_state
    config = config_for_run(args, resume_state)
    torch.set_num_threads(setup.dist.threads(config.torch_threads))

    started = time.monotonic()
    with stop_requested_on_signals() as stop:
        data = load_instructions(data_dir, config.variant, config.context)
        lengths = sorted(len(e.ids) for e in data.train)
        print(
            f"loaded {data.snapshot}: {len(data.train)} train / {len(data.eval)} test examples of variant {config.variant};"
            f" vocab {len(data.tokenizer)}; tokens per example median {lengths[len(lengths) // 2]} max {lengths[-1]};"
            f" {data.truncated} cut to the context {config.context}",
            file=sys.stderr, flush=True,
        )
        config = pin_data_and_start(config, data.snapshot, len(data.tokenizer), resume_state, stop.signal_name, emitter, run_dir, device)
        result = train_llm(config, data.train, data.tokenizer, run_dir, device, emitter, stop, resume_state, setup.dist)
    if not setup.dist.is_main:  # under torchrun rank 0 evaluates, exports and publishes; this rank is done
        return
    train_seconds = time.monotonic() - started
    model = result.model.cpu().eval()
    evaluation = data.eval[: config.eval_examples] or data.train[: config.eval_examples]
    metrics: Dict[str, float] = {
        "final_loss": result.final_loss,
        **evaluate_llm(model, evaluation, data.tokenizer.pad_id),
        **{f"train_{k[5:]}": v for k, v in evaluate_llm(model, data.train[: config.eval_examples], data.tokenizer.pad_id).items() if k in ("eval_loss", "eval_token_accuracy")},
        "train_examples": float(len(data.train)),
        "truncated_examples": float(data.truncated),
        "parameters": float(parameter_count(model)),
        "train_seconds": round(train_seconds, 1),
    }
    print(f"metrics after {train_seconds:.0f} s: {json.dumps(metrics)}", file=sys.stderr, flush=True)

    staging_dir = run_dir / "artifact.partial"
    shutil.rmtree(staging_dir, ignore_errors=True)
    staging_dir.mkdir()
    export_llm(model, evaluation, data.tokenizer.pad_id, staging_dir)
    manifest = write_llm_manifest(staging_dir, run_dir, data_dir, config, metrics, data.meta, parameter_count(model))
    artifact_dir = run_dir / "artifact"
    publish_artifact(staging_dir, artifact_dir)
    emitter.emit("artifact", dir=str(artifact_dir), manifest=manifest)
    emitter.emit("done", metrics=metrics)
