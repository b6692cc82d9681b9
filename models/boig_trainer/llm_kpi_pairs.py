"""Within-brand pair ranking: teach the calibrated reward to order images OF ONE PROMPT.

Why: DDPO normalizes advantages per prompt (SPEC §5), so all it learns from is how the reward orders
one prompt's samples. The KPI-contrast loss (llm_kpi_contrast.py) trains the reward
    r(v, x) = log p(v | x, kpi high) - log p(v | x, kpi low)
to tell high from low POSTS, and a post's label is explained largely by its date, brand and caption
(docs/world.md). The model can lower that loss with a part of r that depends on x alone (e.g. how
likely the shared first tokens are under each label) — a part that cancels between two images of one
prompt. Measured: the served reward orders one prompt's samples with Spearman 0.18 (social) / 0.07
(stock), against 0.66 / 0.57 for the world's own KPI (docs/results.md, "What DDPO sees").

So: for a high post (x_h, v_h), take a low post v_l of the same brand (social) or dataset (stock; its
records name no brand) and score BOTH under x_h. Bradley-Terry on the difference,
    loss = -log sigmoid(r(v_h, x_h) - r(v_l, x_h)),
cancels every x-only part of r: only what the images show can lower it.
Invariants: the partner depends only on (seed, step, row), so a resumed run replays the same pairs;
a partner is a type 1-2 record whose true bucket is low and whose prompt states it (no label noise).
"""
import re
from dataclasses import dataclass
from typing import Dict, List, Optional, Sequence, Tuple

import torch
import torch.nn.functional as F

from .llm_data import Encoded, collate
from .llm_kpi_contrast import kpi_position, relabeled, target_log_likelihoods

BRAND_FIELD = re.compile(r" ; brand (\S+) ; ")


def pair_group(example: Encoded) -> Tuple[str, Optional[str]]:
    """Which posts count as "the same account": (kind, brand) for social, (kind, None) for stock."""
    match = BRAND_FIELD.search(example.record["prompt"])
    return example.record["kind"], match.group(1) if match else None


def clean_type_1_2(example: Encoded, bucket: str) -> bool:
    record = example.record
    return record.get("type") in (1, 2) and record.get("bucket") == bucket and record.get("inputKpi") == bucket


@dataclass
class PairPool:
    """The low posts of each group, to draw partners from (built once from the training split)."""

    lows: Dict[Tuple[str, Optional[str]], List[Encoded]]

    @classmethod
    def build(cls, train: Sequence[Encoded]) -> "PairPool":
        lows: Dict[Tuple[str, Optional[str]], List[Encoded]] = {}
        for example in train:
            if clean_type_1_2(example, "low"):
                lows.setdefault(pair_group(example), []).append(example)
        return cls(lows)

    def partner(self, anchor: Encoded, seed: int, step: int, row: int) -> Optional[Encoded]:
        candidates = self.lows.get(pair_group(anchor))
        if not candidates:
            return None
        generator = torch.Generator().manual_seed(seed * 1_000_003 + step * 7_919 + row)  # (seed, step, row) only
        return candidates[int(torch.randint(0, len(candidates), (1,), generator=generator))]


def with_target_of(prompt_from: Encoded, target_from: Encoded, context: int) -> Encoded:
    """prompt_from's prompt (incl. <sep>) followed by target_from's target (incl. <eos>), cut to the context."""
    ids = prompt_from.ids[: prompt_from.target_start] + target_from.ids[target_from.target_start :]
    return Encoded(ids[:context], prompt_from.target_start, prompt_from.record)


def kpi_pair_loss(
    model: torch.nn.Module,
    batch: Sequence[Encoded],
    pool: PairPool,
    seed: int,
    step: int,
    label_ids: Dict[str, int],
    kpi_token_id: int,
    pad_id: int,
    context: int,
) -> Tuple[torch.Tensor, int]:
    """Mean Bradley-Terry loss over the batch's clean high rows that have a partner, and how many there were."""
    device = next(model.parameters()).device
    rows: List[Tuple[Encoded, Encoded]] = []
    for row, example in enumerate(batch):
        if not clean_type_1_2(example, "high"):
            continue
        partner = pool.partner(example, seed, step, row)
        if partner is not None:
            rows.append((example, with_target_of(example, partner, context)))
    if not rows:
        return torch.zeros((), device=device), 0
    scored: List[Encoded] = []
    for high, low_under_high_prompt in rows:  # 4 sequences per pair: {v_h, v_l} x {kpi high, kpi low}, all under x_h
        position = kpi_position(high, kpi_token_id)
        for example in (high, low_under_high_prompt):
            scored += [relabeled(example, position, label_ids["high"]), relabeled(example, position, label_ids["low"])]
    inputs, targets = (t.to(device) for t in collate(scored, pad_id))  # [4N,L-1] each
    log_likelihood = target_log_likelihoods(model(inputs)[0], targets).view(len(rows), 2, 2)  # [N, image (h, l), label (high, low)]
    reward = log_likelihood[:, :, 0] - log_likelihood[:, :, 1]  # [N, 2]: r(v_h, x_h), r(v_l, x_h)
    return F.softplus(-(reward[:, 0] - reward[:, 1])).mean(), len(rows)
