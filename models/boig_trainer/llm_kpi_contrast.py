"""KPI-contrast loss: teach BoigLLM that the KPI label in its prompt changes which images are likely.

Why: trained on next-token loss alone, the model learned to read the caption but nearly ignored the
`kpi` token (calibrated reward AUC ~0.50, docs/boigllm.md): the label is one token among ~60 and
the likelihood barely depends on it. The calibrated reward (server/llm/reward.ts, SPEC §4) is a
generative classifier,
    log P(high | v, prompt) - log P(low | v, prompt) = log p(v | kpi high) - log p(v | kpi low) + log prior odds,
so we train that classifier directly as well (discriminative training of a generative model): for
each type 1-2 example whose bucket is high or low, score its target v under both labels and add the
cross-entropy of the true label over  [log p(v | kpi k) + log prior(k)]  for k in {high, low}.
The prior is the bucket definition's (SPEC §3.3: social top 10% vs bottom 60%, stock terciles), the
same constant reward.ts adds, so the learned likelihood ratio is the one Bayes asks for.
Invariant: the true-label likelihood is taken from the main forward pass (no second computation);
only the flipped label costs an extra forward pass.
"""
import math
from typing import Dict, List, Sequence, Tuple

import torch
import torch.nn.functional as F

from .llm_data import Encoded, collate

CONTRAST_LABELS = ("high", "low")  # reward.ts REWARD_LABELS: the calibrated reward compares these two
LOG_PRIOR: Dict[str, Dict[str, float]] = {
    "social": {"high": math.log(0.1), "low": math.log(0.6)},  # top 10% vs bottom 60% of an account's posts
    "stock": {"high": math.log(1 / 3), "low": math.log(1 / 3)},  # terciles
}


def kpi_position(example: Encoded, kpi_token_id: int) -> int:
    """Index in example.ids of the label after the prompt's `kpi` word (types 1-2 have exactly one)."""
    for index in range(1, example.target_start - 1):
        if example.ids[index] == kpi_token_id:
            return index + 1
    raise ValueError(f"example {example.record.get('id')} has no kpi label in its prompt")


def contrast_eligible(example: Encoded) -> bool:
    record = example.record
    return record.get("type") in (1, 2) and record.get("inputKpi") in CONTRAST_LABELS and record.get("bucket") == record.get("inputKpi")


def relabeled(example: Encoded, position: int, label_id: int) -> Encoded:
    ids = list(example.ids)
    ids[position] = label_id
    return Encoded(ids, example.target_start, example.record)


def target_log_likelihoods(logits: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
    """Sum over each row's target tokens of log p(token): logits [B,L,V], targets [B,L] (-100 = unscored) -> [B]."""
    token_loss = F.cross_entropy(logits.transpose(1, 2), targets, ignore_index=-100, reduction="none")  # [B,L]
    return -token_loss.sum(dim=1)  # [B]


def kpi_contrast_loss(
    model: torch.nn.Module,
    batch: Sequence[Encoded],
    true_label_log_likelihood: torch.Tensor,  # [B] from the main forward pass, in batch order
    label_ids: Dict[str, int],
    kpi_token_id: int,
    pad_id: int,
) -> Tuple[torch.Tensor, int]:
    """Mean cross-entropy of the true KPI label over the eligible rows of `batch`, and how many there were."""
    rows: List[int] = []
    flipped: List[Encoded] = []
    for row, example in enumerate(batch):
        if not contrast_eligible(example):
            continue
        other = "low" if example.record["inputKpi"] == "high" else "high"
        flipped.append(relabeled(example, kpi_position(example, kpi_token_id), label_ids[other]))
        rows.append(row)
    if not rows:
        return true_label_log_likelihood.new_zeros(()), 0
    inputs, targets = (t.to(true_label_log_likelihood.device) for t in collate(flipped, pad_id))  # [N,L-1] each
    logits, _ = model(inputs)  # [N,L-1,V]
    flipped_log_likelihood = target_log_likelihoods(logits, targets)  # [N]
    true_part = true_label_log_likelihood[rows]  # [N]
    priors = [LOG_PRIOR[batch[r].record["kind"]] for r in rows]
    device = true_part.device
    true_prior = torch.tensor([p[batch[r].record["inputKpi"]] for p, r in zip(priors, rows)], device=device)  # [N]
    flipped_prior = torch.tensor([p["low" if batch[r].record["inputKpi"] == "high" else "high"] for p, r in zip(priors, rows)], device=device)  # [N]
    scores = torch.stack([true_part + true_prior, flipped_log_likelihood + flipped_prior], dim=1)  # [N,2]; column 0 = true label
    return F.cross_entropy(scores, torch.zeros(len(rows), dtype=torch.int64, device=device)), len(rows)
