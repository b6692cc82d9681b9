"""BoigSD training data from a `boig world` folder: every image of every post with its prompt
(brand, caption, keywords), tokenized with a word vocabulary built from the training prompts, and
the post's KPI bucket and split.

Layout read (what `boig world` writes, SPEC §3.2): `DIR/social/posts.csv` (post_id, account,
posted_at, text, keywords ';'-separated, likes, media ';'-separated) and `DIR/stock/posts.csv`
(asset_id, caption, keywords, released_at, downloads, forward_actions, impressions, media); media
paths are relative to the CSV's folder (64x64 PNGs under media/).

Buckets and splits are not in the world folder: they are computed here exactly as the app's
importer assigns them (server/services/assignBuckets.ts, SPEC §3.3): social, per account over the
posts of the 5 years before the dataset's latest post, by likes (ties by post id): top ceil(10%) =
high, bottom floor(60%) = low, the middle none; stock, Postgres ntile(3) of forward actions over
all assets (ties by asset id): high / medium / low. Test split: per bucket, the first
min(1000, round(10%)) posts ordered by md5(post id); everything else (and unbucketed posts) trains.

Prompt text (normalized like server/llm/instructions.ts: ASCII-lowercased, split on non-alphanumerics,
caption <= 32 words, <= 8 keywords of <= 3 words):
  social: `brand <account> ; <caption> ; keywords <k1> , <k2>`
  stock:  `stock ; <caption> ; keywords <k1> , <k2>`
Token ids: `<bos> prompt <eos>` then `<pad>` up to max_tokens (llm_tokenizer.Tokenizer, so the
TypeScript side can reuse server/llm/tokenizer.ts with this artifact's vocab.json).
The empty prompt (classifier-free guidance) is `<bos> <eos> <pad>...`."""
import csv
import hashlib
import math
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, Dict, List, Optional, Sequence, Tuple

import numpy as np
import torch

from .detector_data import read_image, world_info
from .errors import UsageError
from .llm_tokenizer import Tokenizer, build_vocab, free_text_pieces, words_of
from .synthetic_data import batch_generator

MAX_CAPTION_WORDS, MAX_KEYWORDS, MAX_KEYWORD_WORDS = 32, 8, 3  # as server/llm/instructions.ts
PROMPT_WORDS = ("brand", "stock", "keywords", ";", ",")  # structure words: always in the vocabulary, never split
SOCIAL_COLUMNS = ("post_id", "account", "posted_at", "text", "keywords", "likes", "media")
STOCK_COLUMNS = ("asset_id", "caption", "keywords", "released_at", "forward_actions", "media")
VAE_STREAM, UNET_STREAM, EVAL_STREAM, GOLDEN_STREAM = 10, 11, 12, 13  # batch_generator streams


@dataclass
class Post:
    kind: str  # "social" | "stock"
    post_id: str
    account: Optional[str]
    posted_at: datetime
    text: str
    keywords: List[str]
    kpi: float  # likes (social) or forward actions (stock)
    media: List[Tuple[str, Path]]  # (name as "subset/media/x.png", resolved path)
    bucket: Optional[str] = None
    split: str = "train"


@dataclass
class ImageSet:
    names: List[str]  # "social/media/p000001_0.png"
    prompts: List[str]  # normalized prompt text
    kinds: List[str]  # "social" | "stock"
    buckets: List[Optional[str]]  # high / medium / low / None (the social middle)
    pixels: torch.Tensor  # [N, 3, S, S] uint8
    input_ids: torch.Tensor  # [N, L] int64, <bos> prompt <eos> <pad>...

    def __len__(self) -> int:
        return len(self.names)

    def subset(self, index: Sequence[int]) -> "ImageSet":
        picked = list(index)
        tensor_index = torch.tensor(picked, dtype=torch.int64)
        return ImageSet(
            [self.names[i] for i in picked], [self.prompts[i] for i in picked], [self.kinds[i] for i in picked],
            [self.buckets[i] for i in picked], self.pixels[tensor_index], self.input_ids[tensor_index],
        )


@dataclass
class SdData:
    tokenizer: Tokenizer
    train: ImageSet
    eval: ImageSet  # test split (held out)
    snapshot: str
    truncated: int  # prompts cut to max_tokens (train + eval)
    counts: Dict[str, int]  # images per "kind/bucket/split", for the manifest


def normalize(text: str) -> List[str]:
    return [piece for word in words_of(text) for piece in free_text_pieces(word)]


def prompt_text(kind: str, account: Optional[str], text: str, keywords: Sequence[str]) -> str:
    caption = " ".join(normalize(text)[:MAX_CAPTION_WORDS])
    keyword_words = [" ".join(normalize(k)[:MAX_KEYWORD_WORDS]) for k in keywords]
    keyword_field = " , ".join([k for k in keyword_words if k][:MAX_KEYWORDS])
    head = f"brand {' '.join(normalize(account or '')) or 'unknown'}" if kind == "social" else "stock"
    return " ; ".join([head, caption, f"keywords {keyword_field}".rstrip()])


def encode_prompt(tokenizer: Tokenizer, prompt: str, max_tokens: int) -> Tuple[List[int], bool]:
    """<bos> prompt <eos> padded to max_tokens; a longer prompt keeps its first max_tokens-2 tokens."""
    body = tokenizer.encode(prompt)
    cut = len(body) > max_tokens - 2
    ids = [tokenizer.bos_id, *body[: max_tokens - 2], tokenizer.eos_id]
    return ids + [tokenizer.pad_id] * (max_tokens - len(ids)), cut


def empty_prompt_ids(tokenizer: Tokenizer, max_tokens: int) -> List[int]:
    return encode_prompt(tokenizer, "", max_tokens)[0]


def parse_time(value: str, where: str) -> datetime:
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise UsageError(f"{where}: bad timestamp {value!r}") from None


def read_posts(data_dir: Path, subset: str, digest: "hashlib._Hash") -> List[Post]:
    path = data_dir / subset / "posts.csv"
    if not path.is_file():
        return []
    raw = path.read_bytes()
    digest.update(f"{subset}/posts.csv\0".encode() + raw)
    reader = csv.DictReader(raw.decode("utf-8").splitlines(keepends=True))
    needed = SOCIAL_COLUMNS if subset == "social" else STOCK_COLUMNS
    missing = [c for c in needed if c not in (reader.fieldnames or [])]
    if missing:
        raise UsageError(f"{path}: missing columns {missing}")
    posts = []
    for row in reader:
        where = f"{path}:{reader.line_num}"
        media = []
        for rel in filter(None, (m.strip() for m in (row["media"] or "").split(";"))):
            resolved = (path.parent / rel).resolve()
            if path.parent.resolve() not in resolved.parents:
                raise UsageError(f"{where}: media path {rel!r} leaves {path.parent}")
            media.append((f"{subset}/{rel}", resolved))
        keywords = [k.strip() for k in (row["keywords"] or "").split(";") if k.strip()]
        try:
            if subset == "social":
                post = Post("social", row["post_id"], row["account"], parse_time(row["posted_at"], where), row["text"] or "", keywords, float(row["likes"]), media)
            else:
                post = Post("stock", row["asset_id"], None, parse_time(row["released_at"], where), row["caption"] or "", keywords, float(row["forward_actions"]), media)
        except (TypeError, ValueError) as error:
            raise UsageError(f"{where}: {error}") from None
        posts.append(post)
    return posts


def five_years_before(moment: datetime) -> datetime:
    try:
        return moment.replace(year=moment.year - 5)
    except ValueError:  # Feb 29 -> Feb 28, as Postgres does for `- interval '5 years'`
        return moment.replace(year=moment.year - 5, day=28)


def assign_buckets(posts: List[Post], kind: str) -> None:
    """Buckets and test split as server/services/assignBuckets.ts assigns them (see the module doc)."""
    for post in posts:
        post.bucket, post.split = None, "train"
    if not posts:
        return
    if kind == "social":
        cutoff = five_years_before(max(p.posted_at for p in posts))
        by_account: Dict[str, List[Post]] = {}
        for post in posts:
            if post.posted_at > cutoff:
                by_account.setdefault(post.account or "", []).append(post)
        for group in by_account.values():
            ranked = sorted(group, key=lambda p: (-p.kpi, p.post_id))
            n = len(ranked)
            for rank, post in enumerate(ranked, start=1):
                post.bucket = "high" if rank <= math.ceil(n * 0.1) else "low" if rank > n - math.floor(n * 0.6) else None
    else:
        ranked = sorted(posts, key=lambda p: (-p.kpi, p.post_id))
        n = len(ranked)
        base, extra = divmod(n, 3)  # Postgres ntile: the first `extra` tiles get one more row
        sizes = [base + (1 if i < extra else 0) for i in range(3)]
        start = 0
        for label, size in zip(("high", "medium", "low"), sizes):
            for post in ranked[start : start + size]:
                post.bucket = label
            start += size
    for label in ("high", "medium", "low"):
        members = sorted((p for p in posts if p.bucket == label), key=lambda p: (hashlib.md5(p.post_id.encode()).hexdigest(), p.post_id))
        test_count = min(1000, (len(members) + 5) // 10)  # Postgres round(n * 0.1): half away from zero
        for post in members[:test_count]:
            post.split = "test"


def load_posts(data_dir: Path, digest: "hashlib._Hash") -> List[Post]:
    """Both datasets' posts with their buckets and split; the CSVs go into `digest`."""
    posts: List[Post] = []
    for subset in ("social", "stock"):
        subset_posts = read_posts(data_dir, subset, digest)
        assign_buckets(subset_posts, subset)
        posts.extend(subset_posts)
    if not posts:
        raise UsageError(f"--data {data_dir}: no social/posts.csv or stock/posts.csv (run `npx boig world --out DIR` first)")
    return posts


def load_sd_world(
    data_dir: Path, image_size: int, max_tokens: int, vocab_min_count: int, vocab_max_size: int, only_bucket: str = "",
    tokenizer: Optional[Tokenizer] = None,
) -> SdData:
    """`tokenizer`: use this vocabulary (a fine-tune keeps its base model's) instead of building one."""
    data_dir = data_dir.resolve()
    digest = hashlib.sha256()
    posts = load_posts(data_dir, digest)

    rows: List[Tuple[Post, str, Path]] = [(post, name, path) for post in posts for name, path in post.media]
    if only_bucket:
        rows = [row for row in rows if row[0].bucket == only_bucket]
    prompts = [prompt_text(post.kind, post.account, post.text, post.keywords) for post, _, _ in rows]
    train_prompts = [prompt for (post, _, _), prompt in zip(rows, prompts) if post.split == "train"]
    if not train_prompts:
        raise UsageError(f"--data {data_dir}: no training images{f' in bucket {only_bucket!r}' if only_bucket else ''}")
    if tokenizer is None:
        tokenizer = Tokenizer(build_vocab(train_prompts, PROMPT_WORDS, vocab_min_count, vocab_max_size))

    images, ids, truncated = [], [], 0
    for (post, name, path), prompt in zip(rows, prompts):
        try:
            raw = path.read_bytes()
            images.append(read_image(path, image_size))
        except OSError as error:
            raise UsageError(f"{data_dir / post.kind / 'posts.csv'}: post {post.post_id}: cannot read {name}: {error}") from None
        digest.update(name.encode() + b"\0" + raw)
        encoded, cut = encode_prompt(tokenizer, prompt, max_tokens)
        ids.append(encoded)
        truncated += int(cut)
    everything = ImageSet(
        [name for _, name, _ in rows], prompts, [post.kind for post, _, _ in rows], [post.bucket for post, _, _ in rows],
        torch.from_numpy(np.stack(images)),  # [N, 3, S, S] uint8
        torch.tensor(ids, dtype=torch.int64),  # [N, L]
    )
    train_index = [i for i, (post, _, _) in enumerate(rows) if post.split == "train"]
    eval_index = [i for i, (post, _, _) in enumerate(rows) if post.split == "test"]
    counts: Dict[str, int] = {}
    for post, _, _ in rows:
        key = f"{post.kind}/{post.bucket or 'none'}/{post.split}"
        counts[key] = counts.get(key, 0) + 1
    seed = (world_info(data_dir) or {}).get("seed")
    snapshot = (
        f"world{'' if seed is None else f' seed={seed}'}{f' bucket={only_bucket}' if only_bucket else ''}"
        f" images={len(rows)} sha256={digest.hexdigest()[:16]}"
    )
    return SdData(tokenizer, everything.subset(train_index), everything.subset(eval_index), snapshot, truncated, dict(sorted(counts.items())))


def to_signed(pixels: torch.Tensor) -> torch.Tensor:
    return pixels.to(torch.float32).div_(127.5).sub_(1.0)  # uint8 [B, 3, S, S] -> float32 in [-1, 1] (SD's VAE range)


def training_batch(data: ImageSet, seed: int, stream: int, step: int, batch_size: int) -> Tuple[torch.Tensor, torch.Tensor, torch.Generator]:
    """Pixels [B, 3, S, S] in [-1, 1], input_ids [B, L], and the step's generator for any further
    randomness (noise, timesteps, CFG drops): everything depends only on (seed, stream, step)."""
    generator = batch_generator(seed, stream, step)
    index = torch.randint(0, len(data), (batch_size,), generator=generator)  # [B]
    return to_signed(data.pixels.index_select(0, index)), data.input_ids.index_select(0, index), generator


def describe_counts(counts: Dict[str, Any]) -> str:
    return ", ".join(f"{key} {value}" for key, value in counts.items())
