"""The scene-detector training loop: CenterNet losses, warmup + cosine LR (a function of the step,
so resuming is exact), periodic progress and checkpoints, a clean stop on SIGTERM."""
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Dict, Optional, Tuple

import torch
import torch.nn.functional as F

from .detector_config import DetectorTrainConfig
from .detector_data import SceneSet, centernet_targets, training_batch
from .detector_model import build_detector
from .distributed import SINGLE_PROCESS, Distributed
from .progress import ProgressEmitter
from .step_loop import run_steps
from .stopping import StopRequest


def focal_loss(logits: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    """CenterNet's penalty-reduced focal loss (alpha 2, beta 4) on heatmap logits [B, C, G, G]."""
    log_p = -F.softplus(-logits)  # log(sigmoid): stable for large |logits|
    log_not_p = -F.softplus(logits)  # log(1 - sigmoid)
    p = torch.sigmoid(logits)  # [B, C, G, G]
    positive = target.eq(1).float()  # [B, C, G, G] center cells
    positive_term = positive * (1 - p) ** 2 * log_p
    negative_term = (1 - positive) * (1 - target) ** 4 * p**2 * log_not_p
    return -(positive_term.sum() + negative_term.sum()) / positive.sum().clamp(min=1)


def gather_cells(head: torch.Tensor, index: torch.Tensor) -> torch.Tensor:
    """head [B, D, G, G], index [B, K] (flat cell) -> [B, K, D]."""
    batch, depth = head.shape[:2]
    flat = head.reshape(batch, depth, -1)  # [B, D, G*G]
    return flat.gather(2, index.unsqueeze(1).expand(batch, depth, index.shape[1])).transpose(1, 2)  # [B, K, D]


def detection_losses(config: DetectorTrainConfig, outputs, targets: Dict[str, torch.Tensor]) -> Dict[str, torch.Tensor]:
    logits, size, offset = outputs  # [B, C, G, G], [B, 2, G, G], [B, 2, G, G]
    mask = targets["mask"].unsqueeze(-1)  # [B, K, 1]
    count = mask.sum().clamp(min=1)
    heatmap_loss = focal_loss(logits, targets["heatmap"])
    size_loss = (F.l1_loss(gather_cells(size, targets["index"]), targets["size"], reduction="none") * mask).sum() / count
    offset_loss = (F.l1_loss(gather_cells(offset, targets["index"]), targets["offset"], reduction="none") * mask).sum() / count
    total = heatmap_loss + config.size_loss_weight * size_loss + config.offset_loss_weight * offset_loss
    return {"loss": total, "heatmap": heatmap_loss, "size": size_loss, "offset": offset_loss}


def learning_rate(config: DetectorTrainConfig, step: int) -> float:
    """LR for 1-based `step`: linear warmup from 10%, then cosine down to final_lr_fraction at config.steps."""
    peak = config.learning_rate
    if step <= config.warmup_steps:
        return peak * (0.1 + 0.9 * step / max(1, config.warmup_steps))
    progress = (step - config.warmup_steps) / max(1, config.steps - config.warmup_steps)
    floor = peak * config.final_lr_fraction
    return floor + (peak - floor) * 0.5 * (1 + math.cos(math.pi * min(1.0, progress)))


@dataclass
class DetectorTrainResult:
    model: torch.nn.Module
    step: int
    final_loss: float


def train_detector(
    config: DetectorTrainConfig,
    data: SceneSet,
    run_dir: Path,
    device: torch.device,
    emitter: ProgressEmitter,
    stop: StopRequest,
    resume_state: Optional[Dict[str, Any]] = None,
    dist: Distributed = SINGLE_PROCESS,
) -> DetectorTrainResult:
    torch.manual_seed(config.seed)
    model = build_detector(config.arch, config.width, config.num_classes).to(device)
    optimizer = torch.optim.AdamW(model.parameters(), lr=config.learning_rate, weight_decay=config.weight_decay)

    def train_step(step: int) -> Tuple[float, str]:
        for group in optimizer.param_groups:
            group["lr"] = learning_rate(config, step)
        pixels, labels, boxes = training_batch(data, step, config.seed, config.batch_size, config.hflip_prob, config.channel_shuffle_prob)
        # This rank's rows. Under torchrun the gradient mean over ranks matches one process only
        # approximately: the losses are normalized by each rank's own object count, and BatchNorm
        # normalizes with each rank's own batch statistics (as with DDP without SyncBatchNorm).
        pixels, labels, boxes = dist.shard(pixels), dist.shard(labels), dist.shard(boxes)  # [B/W, 3, S, S], [B/W, K], [B/W, K, 4]
        targets = centernet_targets(labels, boxes, config.num_classes, config.grid_size, config.min_overlap)
        targets = {name: tensor.to(device) for name, tensor in targets.items()}
        optimizer.zero_grad(set_to_none=True)
        losses = detection_losses(config, model(pixels.to(device)), targets)  # pixels [B, 3, S, S]
        losses["loss"].backward()
        dist.average_gradients(model)
        optimizer.step()
        parts = " ".join(f"{name} {losses[name].item():.4f}" for name in ("heatmap", "size", "offset"))
        return losses["loss"].item(), f" ({parts})"

    step, loss_value = run_steps(
        model=model, optimizer=optimizer, config=config, run_dir=run_dir, emitter=emitter, stop=stop,
        resume_state=resume_state, train_step=train_step, dist=dist,
    )
    return DetectorTrainResult(model=model, step=step, final_loss=loss_value)

