"""The Python tokenizer reproduces the TypeScript one (server/llm/tokenizer.ts) exactly, through the
shared golden file models/llm_tokenizer_golden.json (written by server/llm/writeTokenizerGolden.ts)."""
import json

import pytest

from boig_trainer.llm_tokenizer import SPECIALS, Tokenizer, build_vocab
from trainer_process import MODELS_DIR

GOLDEN = json.loads((MODELS_DIR / "llm_tokenizer_golden.json").read_text())


def test_vocab_built_from_the_corpus_equals_the_typescript_one():
    vocab = build_vocab(GOLDEN["corpus"], GOLDEN["reserved"], GOLDEN["minCount"], GOLDEN["maxSize"])
    assert vocab == GOLDEN["vocab"]
    assert len(vocab) == GOLDEN["maxSize"]  # the cap is exercised
    assert vocab[: len(SPECIALS)] == list(SPECIALS)


def test_every_sample_encodes_to_the_typescript_ids():
    tokenizer = Tokenizer(GOLDEN["vocab"])
    assert len(GOLDEN["samples"]) > 300
    mismatches = [s["text"] for s in GOLDEN["samples"] if tokenizer.encode(s["text"]) != s["ids"]]
    assert mismatches == []
    assert any(tokenizer.unk_id in s["ids"] for s in GOLDEN["samples"])  # unknown words are exercised too


def test_examples_frame_prompt_and_target_like_typescript():
    tokenizer = Tokenizer(GOLDEN["vocab"])
    for example in GOLDEN["examples"]:
        ids, start = tokenizer.encode_example(example["prompt"], example["target"])
        assert (ids, start) == (example["ids"], example["targetStart"])


def test_canonical_tokens_are_single_tokens():
    tokenizer = Tokenizer(GOLDEN["vocab"])
    for token in GOLDEN["reserved"]:
        assert tokenizer.encode(token) == [tokenizer.ids[token]]


@pytest.mark.parametrize("text", ["Café-Bar", "İstanbul", "a\u00a0b", "ß"])
def test_only_ascii_is_lowercased_and_kept(text):
    tokenizer = Tokenizer(GOLDEN["vocab"])
    pieces = [tokenizer.tokens[i] for i in tokenizer.encode(text)]
    assert all(p == "<unk>" or p.isascii() for p in pieces)
