"""What every `train <model>` command does before it trains: the run dir, the device, the checkpoint
to resume from, and the config (a fresh preset, or the checkpoint's own with only --steps changed),
and what it does after: publish the finished artifact folder under its final name."""
import argparse
import shutil
import sys
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Dict, Optional, Sequence, TypeVar

import torch

from .checkpoint import checkpoint_path, load_checkpoint
from .config_overrides import refuse_on_resume
from .distributed import SINGLE_PROCESS, Distributed, join_process_group
from .errors import TrainingStopped, UsageError

Config = TypeVar("Config")


@dataclass(frozen=True)
class RunSetup:
    run_dir: Path
    device: torch.device
    resume_state: Optional[Dict[str, Any]]  # None: a fresh run
    dist: Distributed = SINGLE_PROCESS  # under torchrun: this rank; rank 0 alone writes to run_dir


def resolve_device(name: str) -> torch.device:
    if name == "cuda" and not torch.cuda.is_available():
        raise UsageError("--device cuda was requested but torch.cuda.is_available() is False")
    return torch.device(name)


def require_data_dir(args: argparse.Namespace, command: str, hint: str) -> Path:
    if not args.data:
        raise UsageError(f"train {command} needs --data {hint}")
    data_dir = Path(args.data).resolve()
    if not data_dir.is_dir():
        raise UsageError(f"--data {data_dir} is not a folder")
    return data_dir


def open_run(args: argparse.Namespace) -> RunSetup:
    """Invariant: a fresh run never overwrites a checkpoint; --resume without one starts at step 0
    (so a retried job can always pass --resume). Under torchrun every rank joins the process group
    here and loads the same checkpoint; none writes to run_dir before the first step's collectives,
    so all of them see the same files."""
    run_dir = Path(args.out).resolve()
    dist, device = join_process_group(resolve_device(args.device))
    run_dir.mkdir(parents=True, exist_ok=True)
    if not args.resume and checkpoint_path(run_dir).exists():
        raise UsageError(f"{run_dir} already holds a checkpoint; pass --resume or choose another --out")
    resume_state = load_checkpoint(run_dir, device) if args.resume else None
    if args.resume and resume_state is None:
        print(f"no checkpoint in {run_dir}; starting from step 0", file=sys.stderr, flush=True)
    return RunSetup(run_dir, device, resume_state, dist)


def resumed_config(stored: Config, args: argparse.Namespace, resume_state: Dict[str, Any], pinned: Sequence[str]) -> Config:
    """Resuming: the checkpoint's config wins; a flag in `pinned` may only repeat it, and the total
    step count may only be extended."""
    refuse_on_resume(getattr(args, "set", None) or [])
    for name in pinned:
        given = getattr(args, name)
        if given is not None and given != getattr(stored, name):
            raise UsageError(f"--{name} {given} conflicts with the checkpoint's {name} {getattr(stored, name)!r}")
    steps = getattr(stored, "steps") if args.steps is None else args.steps
    if steps < resume_state["step"]:
        raise UsageError(f"--steps {steps} is below the checkpoint's step {resume_state['step']}")
    return replace(stored, steps=steps)  # type: ignore[type-var]


def publish_artifact(staging_dir: Path, artifact_dir: Path) -> None:
    # The staging dir is complete (manifest last) before it takes the artifact's name.
    if artifact_dir.exists():
        shutil.rmtree(artifact_dir)
    staging_dir.rename(artifact_dir)


def pin_data_and_start(
    config: Config, data_snapshot: str, vocab_size: int, resume_state: Optional[Dict[str, Any]],
    stop_signal: Optional[str], emitter: Any, run_dir: Path, device: torch.device,
) -> Config:
    """After loading --data: a fresh run pins the data snapshot and vocabulary size into its config;
    a resumed run must see the data it trained on. A signal that came during loading stops here.
    Then the `start` line of the protocol. Returns the config to train with."""
    if resume_state is None:
        config = replace(config, data_snapshot=data_snapshot, vocab_size=vocab_size)
    elif config.data_snapshot != data_snapshot:
        raise UsageError(f"--data is {data_snapshot}, but the checkpoint trained on {config.data_snapshot}")
    if stop_signal is not None:
        raise TrainingStopped(f"stopped by {stop_signal} while loading --data")
    emitter.emit(
        "start", run_dir=str(run_dir), config=config.to_dict(), total_steps=config.steps,
        resumed_from_step=resume_state["step"] if resume_state else 0, device=str(device),
    )
    return config
