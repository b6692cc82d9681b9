"""BoigCLIP training: symmetric InfoNCE (clip_model.contrastive_loss) on the training split only,
AdamW with warmup + cosine (llm_train.learning_rate: a function of the step and config alone).
Every batch and flip comes from a generator seeded by (seed, CLIP_STREAM, step), so a stopped run
resumed with --resume reaches the same weights as an uninterrupted one (BatchNorm's running
statistics are buffers in the checkpointed state_dict). Evaluation (retrieval on held-out pairs)
runs in eval mode and changes nothing, so the periodic report in the progress lines keeps that."""
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Dict, List, Optional, Tuple

import torch

from .clip_config import ClipTrainConfig
from .clip_model import ClipModel, contrastive_loss
from .llm_train import learning_rate  # warmup + cosine from config.learning_rate / warmup_steps / steps / final_lr_fraction
from .progress import ProgressEmitter
from .sd_data import ImageSet, to_signed, training_batch
from .step_loop import run_steps
from .stopping import StopRequest

CLIP_STREAM = 20  # batch_generator stream of the training batches (sd_data uses 10-14)
TOP_K = 5  # the "top-5" of the retrieval metrics
CHUNK = 32  # "pick the right prompt among 32": CLIP-style retrieval within fixed chunks of the held-out pairs


@dataclass
class ClipTrainResult:
    model: ClipModel
    step: int
    final_loss: float


def decays(name: str, parameter: torch.nn.Parameter) -> bool:
    return parameter.dim() >= 2 and "embed" not in name and "positions" not in name


def make_optimizer(model: ClipModel, config: ClipTrainConfig) -> torch.optim.Optimizer:
    named = list(model.named_parameters())
    return torch.optim.AdamW(
        [
            {"params": [p for n, p in named if decays(n, p)], "weight_decay": config.weight_decay},
            {"params": [p for n, p in named if not decays(n, p)], "weight_decay": 0.0},
        ],
        lr=config.learning_rate, betas=(0.9, 0.98),  # CLIP's beta2 for its transformer
    )


def spread(images: ImageSet, count: int) -> ImageSet:
    """Up to `count` pairs evenly spaced over the set (a prefix would be one kind only: social rows come first)."""
    if len(images) <= count:
        return images
    return images.subset(torch.linspace(0, len(images) - 1, count).round().long().tolist())


def clip_batch(train: ImageSet, config: ClipTrainConfig, step: int) -> Tuple[torch.Tensor, torch.Tensor]:
    """Step `step`'s pixels [B, 3, S, S] in [-1, 1] (some flipped left-right) and input_ids [B, L]."""
    pixels, ids, generator = training_batch(train, config.seed, CLIP_STREAM, step, config.batch_size)
    flip = torch.rand(pixels.shape[0], generator=generator) < config.flip_prob  # [B]
    pixels = torch.where(flip[:, None, None, None], pixels.flip(3), pixels)  # [B, 3, S, S]
    return pixels, ids


def train_clip(
    config: ClipTrainConfig,
    train: ImageSet,
    held_out: ImageSet,
    pad_id: int,
    run_dir: Path,
    device: torch.device,
    emitter: ProgressEmitter,
    stop: StopRequest,
    resume_state: Optional[Dict[str, Any]] = None,
) -> ClipTrainResult:
    torch.manual_seed(config.seed)
    model = ClipModel(config, pad_id).to(device)
    optimizer = make_optimizer(model, config)
    report_set = spread(held_out, config.progress_eval_images)

    def train_step(step: int) -> Tuple[float, str]:
        for group in optimizer.param_groups:
            group["lr"] = learning_rate(config, step)  # type: ignore[arg-type]  (duck-typed: the same four fields)
        optimizer.zero_grad(set_to_none=True)
        pixels, ids = clip_batch(train, config, step)
        pixels, ids = pixels.to(device), ids.to(device)
        loss = contrastive_loss(model.image_encoder(pixels), model.text_encoder(ids), ids, model.scale())
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), config.grad_clip)
        optimizer.step()
        detail = f" (logit scale {model.scale().item():.1f})"
        if len(report_set) and (step % config.eval_every == 0 or step == config.steps):
            metrics = evaluate_clip(model, report_set)
            model.train()
            detail += (
                f" held-out {len(report_set)}: image->prompt top-1 {metrics['eval_i2t_top1']:.3f}"
                f" top-{TOP_K} {metrics[f'eval_i2t_top{TOP_K}']:.3f}, prompt->image top-1 {metrics['eval_t2i_top1']:.3f},"
                f" matched-vs-mismatched AUC {metrics['eval_auc']:.3f}"
            )
        return loss.item(), detail

    step, loss_value = run_steps(
        model=model, optimizer=optimizer, config=config, run_dir=run_dir, emitter=emitter, stop=stop,
        resume_state=resume_state, train_step=train_step,
    )
    return ClipTrainResult(model=model, step=step, final_loss=loss_value)


@torch.no_grad()
def embed(model: ClipModel, images: ImageSet, batch_size: int = 128) -> Tuple[torch.Tensor, torch.Tensor]:
    """image_embeds [N, E] and text_embeds [N, E] of a set of pairs, in eval mode, on the model's device."""
    model.eval()
    device = model.logit_scale.device
    image_parts: List[torch.Tensor] = []
    text_parts: List[torch.Tensor] = []
    for start in range(0, len(images), batch_size):
        end = min(len(images), start + batch_size)
        image_parts.append(model.image_encoder(to_signed(images.pixels[start:end]).to(device)))
        text_parts.append(model.text_encoder(images.input_ids[start:end].to(device)))
    return torch.cat(image_parts), torch.cat(text_parts)


def retrieval(similarity: torch.Tensor, same: torch.Tensor, k: int) -> Tuple[float, float]:
    """Top-1 and top-k hit rates of each row's best columns; a hit is a column with the row's prompt."""
    k = min(k, similarity.shape[1])
    top = similarity.topk(k, dim=1).indices  # [N, k]
    hits = same.gather(1, top)  # [N, k]
    return hits[:, 0].float().mean().item(), hits.any(dim=1).float().mean().item()


@torch.no_grad()
def evaluate_clip(model: ClipModel, images: ImageSet) -> Dict[str, float]:
    """Retrieval among all N pairs (a hit is any item with the query's prompt text, since a post's
    images share a prompt), within fixed chunks of 32 (CLIP's "which of 32 captions"), the AUC of
    matched vs mismatched cosines (per image: the share of other-prompt texts it scores below its own
    prompt, averaged), mean cosines, and the contrastive loss at the learned scale in chunks of 32."""
    image_embeds, text_embeds = embed(model, images)
    count = image_embeds.shape[0]
    ids = images.input_ids.to(image_embeds.device)  # [N, L]
    similarity = image_embeds @ text_embeds.t()  # [N, N]: image i vs prompt j
    same = (ids[:, None, :] == ids[None, :, :]).all(dim=-1)  # [N, N]
    i2t_top1, i2t_topk = retrieval(similarity, same, TOP_K)
    t2i_top1, t2i_topk = retrieval(similarity.t(), same, TOP_K)
    matched = similarity.diagonal()  # [N]
    below = (similarity < matched[:, None]) & ~same  # [N, N]: mismatched prompts scored below the image's own
    mismatched_count = (~same).sum(dim=1).clamp(min=1)  # [N]
    auc = (below.sum(dim=1).float() / mismatched_count).mean().item()
    chunk_hits, chunk_losses, chunk_chance = [], [], []
    for start in range(0, count - CHUNK + 1, CHUNK):
        part = slice(start, start + CHUNK)
        chunk_hits.append(same[part, part].gather(1, similarity[part, part].argmax(dim=1, keepdim=True)).float().mean().item())
        chunk_losses.append(contrastive_loss(image_embeds[part], text_embeds[part], ids[part], model.scale()).item())
        chunk_chance.append((same[part, part].float().sum(dim=1) / CHUNK).mean().item())
    unique_prompts = len({tuple(row) for row in images.input_ids.tolist()})
    metrics = {
        "eval_i2t_top1": i2t_top1,
        f"eval_i2t_top{TOP_K}": i2t_topk,
        "eval_t2i_top1": t2i_top1,
        f"eval_t2i_top{TOP_K}": t2i_topk,
        "eval_chance_top1": (same.float().sum(dim=1) / count).mean().item(),  # a random guess's top-1 hit rate
        "eval_auc": auc,
        "eval_cos_matched": matched.mean().item(),
        "eval_pairs": float(count),
        "eval_unique_prompts": float(unique_prompts),
    }
    if (~same).any():  # absent (not NaN, which JSON cannot carry) when every pair has the same prompt
        metrics["eval_cos_mismatched"] = similarity.masked_select(~same).mean().item()
    if chunk_hits:  # absent with fewer than 32 pairs
        metrics["eval_i2t_top1_of_32"] = sum(chunk_hits) / len(chunk_hits)
        metrics["eval_chance_top1_of_32"] = sum(chunk_chance) / len(chunk_chance)
        metrics["eval_loss_32"] = sum(chunk_losses) / len(chunk_losses)
    return metrics
