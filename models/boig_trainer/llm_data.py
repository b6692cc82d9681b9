"""Instruction data for BoigLLM: what `exportInstructions` (server/llm/exportInstructions.ts)
writes, tokenized. INSTR_DIR holds train.jsonl, test.jsonl (one JSON record per line with
`variant`, `type`, `prompt`, `target`, ...), vocab.json and meta.json."""
import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Dict, List, Sequence, Tuple

import torch

from .errors import UsageError
from .llm_tokenizer import Tokenizer

FILES = ("train.jsonl", "test.jsonl", "vocab.json", "meta.json")
TRAIN_STREAM, EVAL_STREAM = 1, 2


@dataclass
class Encoded:
    ids: List[int]
    target_start: int  # index of the first target token (everything before is prompt)
    record: Dict[str, Any]


@dataclass
class InstructionData:
    tokenizer: Tokenizer
    train: List[Encoded]
    eval: List[Encoded]
    snapshot: str
    meta: Dict[str, Any]
    truncated: int  # examples longer than the context (cut at the end; their loss is kept up to the cut)


def read_jsonl(path: Path) -> List[Dict[str, Any]]:
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def snapshot_of(data_dir: Path, train_records: int, test_records: int) -> str:
    digest = hashlib.sha256()
    for name in FILES:
        digest.update(name.encode() + b"\0" + (data_dir / name).read_bytes())
    return f"instructions train={train_records} test={test_records} sha256={digest.hexdigest()[:16]}"


def load_instructions(data_dir: Path, variant: str, context: int) -> InstructionData:
    missing = [name for name in FILES if not (data_dir / name).exists()]
    if missing:
        raise UsageError(f"--data {data_dir} lacks {missing}; write it with exportInstructions (server/llm/exportInstructions.ts)")
    tokenizer = Tokenizer.load(data_dir / "vocab.json")
    train_records = read_jsonl(data_dir / "train.jsonl")
    test_records = read_jsonl(data_dir / "test.jsonl")
    snapshot = snapshot_of(data_dir, len(train_records), len(test_records))
    truncated = 0

    def encode(records: Sequence[Dict[str, Any]]) -> List[Encoded]:
        nonlocal truncated
        out = []
        for record in records:
            if record["variant"] != variant:
                continue
            ids, start = tokenizer.encode_example(record["prompt"], record["target"])
            if len(ids) > context:
                truncated += 1
                ids = ids[:context]
            out.append(Encoded(ids, start, record))
        return out

    train, evaluation = encode(train_records), encode(test_records)
    if not train:
        raise UsageError(f"--data {data_dir} has no training records of variant {variant!r}")
    return InstructionData(tokenizer, train, evaluation, snapshot, json.loads((data_dir / "meta.json").read_text()), truncated)


def collate(examples: Sequence[Encoded], pad_id: int) -> Tuple[torch.Tensor, torch.Tensor]:
    """Right-padded inputs [B,L-1] and next-token targets [B,L-1] with -100 outside the target span."""
    length = max(len(e.ids) for e in examples)
    inputs = torch.full((len(examples), length - 1), pad_id, dtype=torch.int64)
    targets = torch.full((len(examples), length - 1), -100, dtype=torch.int64)
    for row, example in enumerate(examples):
        ids = torch.tensor(example.ids, dtype=torch.int64)
        inputs[row, : len(ids) - 1] = ids[:-1]
        # position t predicts ids[t+1]; only target tokens (and <eos>) are scored
        labels = ids[1:].clone()
        labels[: example.target_start - 1] = -100
        targets[row, : len(ids) - 1] = labels
    return inputs, targets


def batch_indices(seed: int, step: int, size: int, count: int) -> List[int]:
    """A batch depends only on (seed, step): resuming at any step replays the same batches."""
    generator = torch.Generator().manual_seed(seed * 1_000_003 + TRAIN_STREAM * 7919 + step)
    return torch.randint(0, count, (size,), generator=generator).tolist()
