"""The ColorStatsNet training loop: periodic progress and checkpoints, a clean stop on SIGTERM."""
import math
import signal
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Dict, Iterator, Optional

import torch
import torch.nn.functional as F

from .checkpoint import restore_rng, save_checkpoint
from .configs import TinyTrainConfig
from .errors import TrainerError, TrainingStopped
from .progress import ProgressEmitter
from .synthetic_data import EVAL_STREAM, TRAIN_STREAM, batch_generator, color_block_batch
from .tiny_model import ColorStatsNet


class StopRequest:
    """Set from a signal handler; the loop checks it between steps, never mid-step."""

    def __init__(self) -> None:
        self.signal_name: Optional[str] = None


@contextmanager
def stop_requested_on_signals() -> Iterator[StopRequest]:
    request = StopRequest()

    def on_signal(signum: int, _frame: Any) -> None:
        request.signal_name = signal.Signals(signum).name

    previous = {sig: signal.signal(sig, on_signal) for sig in (signal.SIGTERM, signal.SIGINT)}
    try:
        yield request
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


@dataclass
class TrainResult:
    model: ColorStatsNet
    step: int
    final_loss: float
    eval_mae: float


def train_color_stats(
    config: TinyTrainConfig,
    run_dir: Path,
    device: torch.device,
    emitter: ProgressEmitter,
    stop: StopRequest,
    resume_state: Optional[Dict[str, Any]] = None,
) -> TrainResult:
    torch.manual_seed(config.seed)
    model = ColorStatsNet(config.hidden_channels).to(device)
    optimizer = torch.optim.Adam(model.parameters(), lr=config.learning_rate)
    step, loss_value = 0, math.nan
    if resume_state is not None:
        model.load_state_dict(resume_state["model"])
        optimizer.load_state_dict(resume_state["optimizer"])
        restore_rng(resume_state)
        step, loss_value = resume_state["step"], resume_state["loss"]

    def checkpoint() -> None:
        path = save_checkpoint(
            run_dir, step=step, loss=loss_value, config=config.to_dict(), model=model, optimizer=optimizer
        )
        emitter.emit("checkpoint", step=step, path=str(path))

    model.train()
    while step < config.steps:
        step += 1
        generator = batch_generator(config.seed, TRAIN_STREAM, step)
        pixels, target = color_block_batch(config.batch_size, config.image_size, config.blocks_per_image, generator)
        pixels, target = pixels.to(device), target.to(device)  # [B, 3, S, S], [B, 3]
        optimizer.zero_grad(set_to_none=True)
        loss = F.mse_loss(model(pixels), target)  # scalar
        loss.backward()
        optimizer.step()
        loss_value = loss.item()
        if not math.isfinite(loss_value):
            raise TrainerError(f"loss became {loss_value} at step {step}; lower the learning rate")
        finished = step == config.steps
        if step % config.progress_every == 0 or finished:
            message = f"step {step}/{config.steps} loss {loss_value:.6f}"
            emitter.emit("progress", step=step, total=config.steps, loss=loss_value, message=message)
        if step % config.checkpoint_every == 0 or finished:
            checkpoint()
        elif stop.signal_name is not None:
            checkpoint()
        if stop.signal_name is not None and not finished:
            raise TrainingStopped(f"stopped by {stop.signal_name} at step {step}; --resume continues from there")

    return TrainResult(model=model, step=step, final_loss=loss_value, eval_mae=evaluate_mae(model, config, device))


@torch.no_grad()
def evaluate_mae(model: ColorStatsNet, config: TinyTrainConfig, device: torch.device) -> float:
    model.eval()
    generator = batch_generator(config.seed, EVAL_STREAM, 0)
    pixels, target = color_block_batch(config.eval_batch_size, config.image_size, config.blocks_per_image, generator)
    predicted = model(pixels.to(device))  # [E, 3]
    return (predicted - target.to(device)).abs().mean().item()
