"""BoigLLM's word-level tokenizer (SPEC §4), mirrored by server/llm/tokenizer.ts.

A text is split on whitespace. A word that is in the vocabulary as written (every canonical
verbalization token, every field keyword, the specials) is one token. Any other word is
lowercased (ASCII A-Z only, so Python and JavaScript agree on every input) and split on
everything that is not [a-z0-9]; each piece is a token, or <unk> if the vocabulary lacks it.
The vocabulary: specials, then the reserved tokens (canonical vocabulary + field keywords, in
the order given), then free-text words of the training data with count >= min_count, most
frequent first (ties alphabetical), until max_size. models/llm_tokenizer_golden.json pins both
implementations to the same output.
"""
import json
import re
from collections import Counter
from pathlib import Path
from typing import Dict, Iterable, List, Sequence

PAD, UNK, BOS, EOS, SEP = "<pad>", "<unk>", "<bos>", "<eos>", "<sep>"
SPECIALS = (PAD, UNK, BOS, EOS, SEP)  # ids 0..4, in this order
_NOT_ALNUM = re.compile(r"[^a-z0-9]+")
_UPPER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")


def words_of(text: str) -> List[str]:
    """Whitespace split, the same set of whitespace characters as JavaScript's /\\s+/ for ASCII text."""
    return [word for word in re.split(r"[ \t\n\r\f\v]+", text) if word]


def free_text_pieces(word: str) -> List[str]:
    return [piece for piece in _NOT_ALNUM.split(word.translate(_UPPER)) if piece]


def pieces(text: str, reserved: "set[str]") -> List[str]:
    out: List[str] = []
    for word in words_of(text):
        if word in reserved:
            out.append(word)
        else:
            out.extend(free_text_pieces(word))
    return out


def build_vocab(texts: Iterable[str], reserved: Sequence[str], min_count: int, max_size: int) -> List[str]:
    head: List[str] = []
    for token in (*SPECIALS, *reserved):
        if token not in head:
            head.append(token)
    reserved_set = set(head)
    counts: Counter = Counter()
    for text in texts:
        counts.update(piece for piece in pieces(text, reserved_set) if piece not in reserved_set)
    ranked = sorted((word for word, count in counts.items() if count >= min_count), key=lambda w: (-counts[w], w))
    return head + ranked[: max(0, max_size - len(head))]


class Tokenizer:
    def __init__(self, tokens: Sequence[str]):
        if list(tokens[: len(SPECIALS)]) != list(SPECIALS):
            raise ValueError(f"vocab must start with {SPECIALS}")
        self.tokens = list(tokens)
        self.ids: Dict[str, int] = {token: i for i, token in enumerate(self.tokens)}
        if len(self.ids) != len(self.tokens):
            raise ValueError("vocab has duplicate tokens")
        self.pad_id, self.unk_id, self.bos_id, self.eos_id, self.sep_id = (self.ids[s] for s in SPECIALS)

    def __len__(self) -> int:
        return len(self.tokens)

    def encode(self, text: str) -> List[int]:
        out: List[int] = []
        for word in words_of(text):
            exact = self.ids.get(word)
            if exact is not None:
                out.append(exact)
            else:
                out.extend(self.ids.get(piece, self.unk_id) for piece in free_text_pieces(word))
        return out

    def decode(self, ids: Sequence[int]) -> str:
        return " ".join(self.tokens[i] for i in ids)

    def encode_example(self, prompt: str, target: str) -> "tuple[List[int], int]":
        """<bos> prompt <sep> target <eos>; returns the ids and the index of the first target token."""
        head = [self.bos_id, *self.encode(prompt), self.sep_id]
        return head + self.encode(target) + [self.eos_id], len(head)

    @classmethod
    def load(cls, path: Path) -> "Tokenizer":
        return cls(json.loads(Path(path).read_text())["tokens"])

    def save(self, path: Path, **extra: object) -> None:
        Path(path).write_text(json.dumps({"tokens": self.tokens, **extra}, indent=0) + "\n")
