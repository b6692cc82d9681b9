"""The ColorStatsNet (tiny) model's training step and evaluation; the loop itself is step_loop.run_steps."""
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Dict, Optional, Tuple

import torch
import torch.nn.functional as F

from .configs import TinyTrainConfig
from .distributed import SINGLE_PROCESS, Distributed
from .progress import ProgressEmitter
from .step_loop import run_steps
from .stopping import StopRequest, stop_requested_on_signals  # noqa: F401 (re-exported for the commands)
from .synthetic_data import EVAL_STREAM, TRAIN_STREAM, batch_generator, color_block_batch
from .tiny_model import ColorStatsNet


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
    dist: Distributed = SINGLE_PROCESS,
) -> TrainResult:
    torch.manual_seed(config.seed)
    model = ColorStatsNet(config.hidden_channels).to(device)
    optimizer = torch.optim.Adam(model.parameters(), lr=config.learning_rate)

    def train_step(step: int) -> Tuple[float, str]:
        generator = batch_generator(config.seed, TRAIN_STREAM, step)
        pixels, target = color_block_batch(config.batch_size, config.image_size, config.blocks_per_image, generator)  # the global batch
        pixels, target = dist.shard(pixels).to(device), dist.shard(target).to(device)  # [B/W, 3, S, S], [B/W, 3]: this rank's rows
        optimizer.zero_grad(set_to_none=True)
        loss = F.mse_loss(model(pixels), target)  # scalar; equal shards, so the mean over ranks is the global mean
        loss.backward()
        dist.average_gradients(model)
        optimizer.step()
        return loss.item(), ""

    step, loss_value = run_steps(
        model=model, optimizer=optimizer, config=config, run_dir=run_dir, emitter=emitter, stop=stop,
        resume_state=resume_state, train_step=train_step, loss_format=".6f", dist=dist,
    )
    return TrainResult(model=model, step=step, final_loss=loss_value, eval_mae=evaluate_mae(model, config, device))


@torch.no_grad()
def evaluate_mae(model: ColorStatsNet, config: TinyTrainConfig, device: torch.device) -> float:
    model.eval()
    generator = batch_generator(config.seed, EVAL_STREAM, 0)
    pixels, target = color_block_batch(config.eval_batch_size, config.image_size, config.blocks_per_image, generator)
    predicted = model(pixels.to(device))  # [E, 3]
    return (predicted - target.to(device)).abs().mean().item()
