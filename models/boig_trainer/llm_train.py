"""BoigLLM training loop: AdamW with warmup + cosine, loss on target tokens only, periodic
progress and checkpoints, a clean stop on SIGTERM, exact resume."""
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Dict, List, Optional, Tuple

import torch
import torch.nn.functional as F

from .distributed import SINGLE_PROCESS, Distributed
from .llm_config import LlmTrainConfig
from .llm_data import Encoded, batch_indices, collate
from .llm_kpi_contrast import kpi_contrast_loss, target_log_likelihoods
from .llm_kpi_pairs import PairPool, kpi_pair_loss
from .llm_model import BoigLM
from .llm_tokenizer import Tokenizer
from .progress import ProgressEmitter
from .step_loop import run_steps
from .stopping import StopRequest


@dataclass
class LlmTrainResult:
    model: BoigLM
    step: int
    final_loss: float


def learning_rate(config: LlmTrainConfig, step: int) -> float:
    """LR for 1-based `step`: depends only on the step and config.steps."""
    if step <= config.warmup_steps:
        return config.learning_rate * (0.1 + 0.9 * step / max(1, config.warmup_steps))
    progress = (step - config.warmup_steps) / max(1, config.steps - config.warmup_steps)
    floor = config.final_lr_fraction
    return config.learning_rate * (floor + (1 - floor) * 0.5 * (1 + math.cos(math.pi * min(1.0, progress))))


def make_optimizer(model: BoigLM, config: LlmTrainConfig) -> torch.optim.Optimizer:
    decay = [p for n, p in model.named_parameters() if p.dim() >= 2 and "embed" not in n and "positions" not in n]
    no_decay = [p for n, p in model.named_parameters() if not (p.dim() >= 2 and "embed" not in n and "positions" not in n)]
    return torch.optim.AdamW(
        [{"params": decay, "weight_decay": config.weight_decay}, {"params": no_decay, "weight_decay": 0.0}],
        lr=config.learning_rate, betas=(0.9, 0.95),
    )


def masked_loss(model: BoigLM, inputs: torch.Tensor, targets: torch.Tensor) -> Tuple[torch.Tensor, torch.Tensor]:
    """Mean next-token loss over target tokens, and the logits [B,L,V] it came from."""
    logits, _ = model(inputs)  # [B,L,V]
    return F.cross_entropy(logits.reshape(-1, logits.shape[-1]), targets.reshape(-1), ignore_index=-100), logits


def train_llm(
    config: LlmTrainConfig,
    train: List[Encoded],
    tokenizer: Tokenizer,
    run_dir: Path,
    device: torch.device,
    emitter: ProgressEmitter,
    stop: StopRequest,
    resume_state: Optional[Dict[str, Any]] = None,
    dist: Distributed = SINGLE_PROCESS,
) -> LlmTrainResult:
    torch.manual_seed(config.seed)
    model = BoigLM(config).to(device)
    optimizer = make_optimizer(model, config)
    pad_id = tokenizer.pad_id
    uses_labels = config.kpi_contrast_weight > 0 or config.kpi_pair_weight > 0
    label_ids = {label: tokenizer.ids[label] for label in ("high", "low")} if uses_labels else {}
    pairs = PairPool.build(train) if config.kpi_pair_weight > 0 else None

    def train_step(step: int) -> Tuple[float, str]:
        for group in optimizer.param_groups:
            group["lr"] = learning_rate(config, step)
        batch = [train[i] for i in dist.shard(batch_indices(config.seed, step, config.batch_size, len(train)))]  # this rank's examples
        inputs, targets = (t.to(device) for t in collate(batch, pad_id))
        optimizer.zero_grad(set_to_none=True)
        loss, logits = masked_loss(model, inputs, targets)
        parts = [f"tokens {loss.item():.4f}"]  # the progress line's breakdown, shown when an extra term is on
        contrast, rows = None, 0
        if config.kpi_contrast_weight > 0:
            contrast, rows = kpi_contrast_loss(
                model, batch, target_log_likelihoods(logits, targets), label_ids, tokenizer.ids["kpi"], pad_id)
            parts.append(f"kpi contrast {contrast.item():.4f} over {rows}")  # under torchrun: rank 0's rows
        pair, pair_rows = None, 0
        if pairs is not None:
            # Under torchrun each rank pairs its own shard's rows; the row index is the shard's, so pairs stay (seed, step, row)-determined.
            pair, pair_rows = kpi_pair_loss(model, batch, pairs, config.seed, step, label_ids, tokenizer.ids["kpi"], pad_id, config.context)
            parts.append(f"pair rank {pair.item():.4f} over {pair_rows}")
        # Each term is a mean over this rank's target tokens / contrast rows / pairs. Weighted by its share of
        # the global batch's, the gradient mean over ranks is the single-process gradient (alone: x 1.0).
        tokens = int((targets != -100).sum())
        global_tokens, global_rows, global_pairs = dist.sum_counts(tokens, rows, pair_rows)
        loss = loss * dist.share(tokens, global_tokens)
        if contrast is not None:
            loss = loss + config.kpi_contrast_weight * contrast * dist.share(rows, global_rows)
        if pair is not None:
            loss = loss + config.kpi_pair_weight * pair * dist.share(pair_rows, global_pairs)
        loss.backward()
        dist.average_gradients(model)
        torch.nn.utils.clip_grad_norm_(model.parameters(), config.grad_clip)
        optimizer.step()
        return loss.item(), f" ({', '.join(parts)})" if len(parts) > 1 else ""

    step, loss_value = run_steps(
        model=model, optimizer=optimizer, config=config, run_dir=run_dir, emitter=emitter, stop=stop,
        resume_state=resume_state, train_step=train_step, dist=dist,
    )
    return LlmTrainResult(model=model, step=step, final_loss=loss_value)


@torch.no_grad()
def evaluate_llm(model: BoigLM, examples: List[Encoded], pad_id: int, batch_size: int = 32) -> Dict[str, float]:
    """Teacher-forced loss and next-token accuracy over target tokens; for instruction types 3-4
    also the share of examples whose KPI label (the target's 2nd token) is predicted right."""
    model.eval()
    total_loss, total_tokens, correct = 0.0, 0, 0
    kpi_examples, kpi_correct = 0, 0
    for start in range(0, len(examples), batch_size):
        chunk = examples[start : start + batch_size]
        inputs, targets = collate(chunk, pad_id)
        logits, _ = model(inputs)
        scored = targets != -100
        total_loss += F.cross_entropy(logits[scored], targets[scored], reduction="sum").item()
        total_tokens += int(scored.sum())
        predicted = logits.argmax(-1)
        correct += int((predicted[scored] == targets[scored]).sum())
        for row, example in enumerate(chunk):
            if example.record.get("type") in (3, 4):
                kpi_examples += 1
                position = example.target_start  # input index of "kpi"; it predicts the label token
                kpi_correct += int(predicted[row, position] == targets[row, position])
    metrics = {
        "eval_loss": total_loss / max(1, total_tokens),
        "eval_token_accuracy": correct / max(1, total_tokens),
        "eval_examples": float(len(examples)),
        "eval_tokens": float(total_tokens),
    }
    if kpi_examples:
        metrics["eval_kpi_label_accuracy"] = kpi_correct / kpi_examples
    return metrics
