"""The one training loop every model shares: resume from a checkpoint, run `train_step` until
`config.steps`, report progress, checkpoint periodically and on SIGTERM, stop cleanly.
Invariant: a step either completes (and may be checkpointed) or never started, so a stopped run
resumed with --resume reaches the same weights as an uninterrupted one (given step-seeded data)."""
import math
from pathlib import Path
from typing import Any, Callable, Dict, Optional, Tuple

import torch

from .checkpoint import restore_rng, save_checkpoint
from .errors import TrainerError, TrainingStopped
from .progress import ProgressEmitter
from .stopping import StopRequest

# One optimization step for the given 1-based step number: returns its loss and an optional
# detail appended to the progress message (e.g. the loss's parts).
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
) -> Tuple[int, float]:
    step, loss_value = 0, math.nan
    if resume_state is not None:
        model.load_state_dict(resume_state["model"])
        optimizer.load_state_dict(resume_state["optimizer"])
        restore_rng(resume_state)
        step, loss_value = resume_state["step"], resume_state["loss"]

    def checkpoint() -> None:
        path = save_checkpoint(run_dir, step=step, loss=loss_value, config=config.to_dict(), model=model, optimizer=optimizer)
        emitter.emit("checkpoint", step=step, path=str(path))

    model.train()
    while step < config.steps:
        step += 1
        loss_value, detail = train_step(step)
        if not math.isfinite(loss_value):
            raise TrainerError(f"loss became {loss_value} at step {step}; lower the learning rate")
        finished = step == config.steps
        if step % config.progress_every == 0 or finished:
            message = f"step {step}/{config.steps} loss {loss_value:{loss_format}}{detail}"
            emitter.emit("progress", step=step, total=config.steps, loss=loss_value, message=message)
        if step % config.checkpoint_every == 0 or finished or stop.signal_name is not None:
            checkpoint()
        if stop.signal_name is not None and not finished:
            raise TrainingStopped(f"stopped by {stop.signal_name} at step {step}; --resume continues from there")
    return step, loss_value
