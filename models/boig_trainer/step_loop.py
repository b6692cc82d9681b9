"""The one training loop every model shares: resume from a checkpoint, run `train_step` until
`config.steps`, report progress, checkpoint periodically and on SIGTERM, stop cleanly.
Invariant: a step either completes (and may be checkpointed) or never started, so a stopped run
resumed with --resume reaches the same weights as an uninterrupted one (given step-seeded data).
Under torchrun (distributed.py) every rank runs this loop in lockstep: the loss and the stop flag
are agreed on each step, so all ranks stop at the same step, and rank 0 alone checkpoints."""
import math
from pathlib import Path
from typing import Any, Callable, Dict, Optional, Tuple

import torch

from .checkpoint import restore_rng, save_checkpoint
from .distributed import SINGLE_PROCESS, Distributed
from .errors import TrainerError, TrainingStopped
from .progress import ProgressEmitter
from .stopping import StopRequest

# One optimization step for the given 1-based step number: returns its loss and an optional
# detail appended to the progress message (e.g. the loss's parts). Under torchrun: this rank's
# loss, weighted (Distributed.share) so that the mean over ranks is the global batch's loss.
TrainStep = Callable[[int], Tuple[float, str]]


def run_steps(
    *,
    model: torch.nn.Module,
    optimizer: torch.optim.Optimizer,
    config: Any,  # a frozen train config with steps, progress_every, checkpoint_every, to_dict()
    run_dir: Path,
    emitter: ProgressEmitter,
    stop: StopRequest,
    resume_state: Optional[Dict[str, Any]],
    train_step: TrainStep,
    loss_format: str = ".4f",
    dist: Distributed = SINGLE_PROCESS,
) -> Tuple[int, float]:
    step, loss_value = 0, math.nan
    if resume_state is not None:
        model.load_state_dict(resume_state["model"])
        optimizer.load_state_dict(resume_state["optimizer"])
        restore_rng(resume_state)
        step, loss_value = resume_state["step"], resume_state["loss"]
    dist.broadcast_module(model)

    def checkpoint() -> None:
        if not dist.is_main:  # every rank holds the same weights: one writer
            return
        path = save_checkpoint(run_dir, step=step, loss=loss_value, config=config.to_dict(), model=model, optimizer=optimizer)
        emitter.emit("checkpoint", step=step, path=str(path))

    model.train()
    while step < config.steps:
        step += 1
        dist.reseed(config.seed, step)
        loss_value, detail = train_step(step)
        # The flag is read once per step: a signal arriving later is seen at the next step, so the
        # checkpoint and the stop below always concern the same step (and, under torchrun, every rank).
        loss_value, stopping = dist.agree(loss_value, stop.signal_name is not None)
        if not math.isfinite(loss_value):
            raise TrainerError(f"loss became {loss_value} at step {step}; lower the learning rate")
        finished = step == config.steps
        if step % config.progress_every == 0 or finished:
            message = f"step {step}/{config.steps} loss {loss_value:{loss_format}}{detail}"
            emitter.emit("progress", step=step, total=config.steps, loss=loss_value, message=message)
        if step % config.checkpoint_every == 0 or finished or stopping:
            checkpoint()
        if stopping and not finished:
            # No rank exits before rank 0's checkpoint is on disk: torchrun ends the other ranks
            # as soon as one exits with an error.
            dist.barrier()
            by = stop.signal_name or "a signal to another rank"
            raise TrainingStopped(f"stopped by {by} at step {step}; --resume continues from there")
    return step, loss_value
