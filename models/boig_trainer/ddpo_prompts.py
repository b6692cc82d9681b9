"""DDPO's prompts (SPEC §5): the posts of a `boig world` folder with the fields the reward is
conditioned on (brand, date, caption, keywords; the KPI target is the config's) and the diffusion
prompt's token ids in the base model's vocabulary. Training prompts come from the training split;
the held-out selection prompts and the progress-grid prompts from the test split, so the
checkpoint that gets exported is chosen on prompts it never trained on."""
import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import List, Tuple

import torch

from .detector_data import world_info
from .errors import UsageError
from .llm_tokenizer import Tokenizer
from .reward_bridge import PromptFields
from .sd_data import Post, encode_prompt, load_posts, prompt_text


@dataclass(frozen=True)
class DdpoPrompt:
    key: str  # "social/p000123": the per-prompt statistics' key
    fields: PromptFields  # what the reward (and the true KPI) sees
    bucket: str  # the post's real KPI bucket ("none" for the social middle)
    input_ids: Tuple[int, ...]  # [L] the diffusion prompt, base vocabulary


@dataclass
class DdpoPrompts:
    train: List[DdpoPrompt]
    test: List[DdpoPrompt]
    snapshot: str  # "world seed=7 posts=... sha256=...": the CSVs' digest (--resume refuses other data)


def to_prompt(post: Post, tokenizer: Tokenizer, max_tokens: int) -> DdpoPrompt:
    fields = PromptFields(post.kind, post.account, post.posted_at.isoformat().replace("+00:00", "Z"), post.text, tuple(post.keywords))
    ids, _ = encode_prompt(tokenizer, prompt_text(post.kind, post.account, post.text, post.keywords), max_tokens)
    return DdpoPrompt(f"{post.kind}/{post.post_id}", fields, post.bucket or "none", tuple(ids))


def load_ddpo_prompts(data_dir: Path, tokenizer: Tokenizer, max_tokens: int) -> DdpoPrompts:
    digest = hashlib.sha256()
    posts = load_posts(data_dir, digest)
    prompts = [(post.split, to_prompt(post, tokenizer, max_tokens)) for post in posts]
    train = [p for split, p in prompts if split == "train"]
    # Test prompts interleaved social/stock in md5 order: any prefix spans both datasets and all buckets.
    test_by_kind = {
        kind: sorted((p for split, p in prompts if split == "test" and p.fields.kind == kind), key=lambda p: hashlib.md5(p.key.encode()).hexdigest())
        for kind in ("social", "stock")
    }
    test = [p for pair in zip(test_by_kind["social"], test_by_kind["stock"]) for p in pair]
    longer = max(test_by_kind.values(), key=len)
    test += longer[len(test) // 2 :]
    if not train or not test:
        raise UsageError(f"--data {data_dir}: DDPO needs training and test-split posts (got {len(train)} and {len(test)})")
    seed = (world_info(data_dir) or {}).get("seed")
    snapshot = f"world{'' if seed is None else f' seed={seed}'} posts={len(posts)} sha256={digest.hexdigest()[:16]}"
    return DdpoPrompts(train, test, snapshot)


def ids_tensor(prompts: List[DdpoPrompt]) -> torch.Tensor:
    return torch.tensor([p.input_ids for p in prompts], dtype=torch.int64)  # [B, L]
