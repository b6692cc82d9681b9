"""BoigCLIP artifact: two ONNX graphs, golden fixtures checked by onnxruntime-node
(models/verify_clip_onnx.mjs; a mismatch fails the run), vocab.json and manifest.json.

| file | inputs | outputs |
|---|---|---|
| image_encoder.onnx | sample float32 [batch, 3, 64, 64] in [-1, 1] | image_embeds float32 [batch, E], unit norm |
| text_encoder.onnx | input_ids int64 [batch, seq] (`<bos> prompt <eos> <pad>...`) | text_embeds float32 [batch, E], unit norm |

Agreement of an (image, prompt) pair = dot product of its embeddings = their cosine.

Golden files:
- golden_image_encoder.json / golden_text_encoder.json: each graph on held-out inputs, PyTorch's outputs.
- golden_pairs.json: GOLDEN_PAIRS held-out (image, prompt) pairs end to end: each image as its PNG
  (base64, the exact 64x64 pixels the model sees), the post's raw fields, the prompt text and ids,
  and PyTorch's cosine matrix [image i, prompt j]: a TypeScript scorer must rebuild the prompt from
  the fields, decode the PNG and reproduce the matrix.
- golden_prompts.json: the prompt format itself (sd_data.prompt_text + encode_prompt with this
  vocabulary) on the pairs' posts and on hand-made edge cases (case, punctuation, non-ASCII, empty
  fields, over-long caption and keyword lists, unknown words, truncation), for server/sd/sdPrompt.ts.
"""
import base64
import hashlib
import io
import json
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Dict, List, Optional, Sequence

import torch
from PIL import Image

from .clip_config import CLIP_PRESETS, ClipTrainConfig
from .config_overrides import override_flags
from .clip_model import ClipModel
from .errors import TrainerError
from .export_onnx import REPO_ROOT, run_node_verifier
from .llm_tokenizer import Tokenizer
from .manifest import file_digest
from .sd_data import PROMPT_WORDS, ImageSet, Post, encode_prompt, prompt_text, read_posts, to_signed
from .sd_export import compact, export_graph, golden_case, golden_images, repo_relative

CLIP_VERIFIER = REPO_ROOT / "models" / "verify_clip_onnx.mjs"
GOLDEN_RTOL, GOLDEN_ATOL = 1e-4, 1e-4  # one graph, PyTorch vs onnxruntime (outputs are unit vectors)
PAIRS_RTOL, PAIRS_ATOL = 1e-4, 2e-4  # cosines via PNG decode + both graphs (pixels rounded differently by at most 1 ulp)
GOLDEN_PAIRS = 8  # held-out pairs in golden_pairs.json: half social, half stock, all different prompts
ONNX_FILES = ("image_encoder.onnx", "text_encoder.onnx")

# Hand-made prompt cases: every rule of sd_data.prompt_text and encode_prompt (see golden_prompts.json).
EDGE_CASES: List[Dict[str, Any]] = [
    {"why": "case, punctuation, a tab, non-ASCII letters and an emoji", "kind": "social", "account": "FizzWell",
     "text": "NEW Drop!!! Our \"Aurora\"\tcup \u2014 caf\u00e9 \u2615 #Launch #Winter2021", "keywords": ["Launch", "Winter", "holiday trip"]},
    {"why": "no account, empty caption, no keywords", "kind": "social", "account": None, "text": "", "keywords": []},
    {"why": "account with punctuation and digits", "kind": "social", "account": "Acme-Co. 2024", "text": "teal bicycle", "keywords": ["cup"]},
    {"why": "caption of 40 words: the first 32 are kept", "kind": "stock", "account": None,
     "text": " ".join(f"word{i}" for i in range(40)), "keywords": ["vector"]},
    {"why": "10 keywords (the first 8 non-empty are kept), one of 5 words (first 3), some empty after normalizing", "kind": "stock",
     "account": None, "text": "A gold sun on a muted teal background",
     "keywords": ["!!!", "Copy-Space icon set extra words", "a", "b", "\u2014", "c", "d", "e", "f", "g", "h", "i"]},
    {"why": "other ASCII whitespace (newline, CR, form feed, vertical tab) and non-ASCII spaces", "kind": "social", "account": "brand\u00a0x",
     "text": "line one\nline two\r\nthree\ffour\vfive\u2003six", "keywords": ["two\u00a0words"]},
    {"why": "structure words and separators inside the caption", "kind": "stock", "account": None,
     "text": "brand ; keywords , stock ;; ,, BRAND", "keywords": ["keywords", ";", "stock , brand"]},
    {"why": "words outside the vocabulary become <unk>", "kind": "social", "account": "zzqxunknownbrand", "text": "qqxyzzy zzword teal", "keywords": ["xxqqzz"]},
    {"why": "a prompt longer than max_tokens - 2 tokens is cut", "kind": "social", "account": "fizzwell",
     "text": " ".join(["teal cup"] * 16), "keywords": ["a b c", "d e f", "g h i", "j k l", "m n o", "p q r", "s t u", "v w x"]},
]


def signatures(config: ClipTrainConfig) -> Dict[str, Dict[str, List[Dict[str, Any]]]]:
    s, e = config.image_size, config.embed_dim
    return {
        "image_encoder.onnx": {
            "inputs": [{"name": "sample", "dtype": "float32", "dims": ["batch", 3, s, s]}],
            "outputs": [{"name": "image_embeds", "dtype": "float32", "dims": ["batch", e]}],
        },
        "text_encoder.onnx": {
            "inputs": [{"name": "input_ids", "dtype": "int64", "dims": ["batch", "seq"]}],
            "outputs": [{"name": "text_embeds", "dtype": "float32", "dims": ["batch", e]}],
        },
    }


def posts_by_media(data_dir: Path) -> Dict[str, Post]:
    """The world's posts by media name ("social/media/x.png"): the raw fields behind each prompt."""
    posts: Dict[str, Post] = {}
    for subset in ("social", "stock"):
        for post in read_posts(data_dir, subset, hashlib.sha256()):
            posts.update({name: post for name, _ in post.media})
    return posts


def pick_pairs(images: ImageSet, count: int) -> List[int]:
    """Indices of up to `count` pairs: alternately the next social and stock one, no prompt twice."""
    queues = {kind: [i for i, k in enumerate(images.kinds) if k == kind] for kind in ("social", "stock")}
    picked: List[int] = []
    seen = set()
    while len(picked) < count and any(queues.values()):
        for kind in ("social", "stock"):
            while queues[kind]:
                index = queues[kind].pop(0)
                if images.prompts[index] not in seen:
                    seen.add(images.prompts[index])
                    picked.append(index)
                    break
            if len(picked) == count:
                break
    return picked


def png_base64(pixels: torch.Tensor) -> str:
    """uint8 [3, S, S] -> base64 of a lossless RGB PNG."""
    buffer = io.BytesIO()
    Image.fromarray(pixels.permute(1, 2, 0).contiguous().numpy(), mode="RGB").save(buffer, format="PNG", optimize=True)
    return base64.b64encode(buffer.getvalue()).decode("ascii")


def prompt_case(tokenizer: Tokenizer, max_tokens: int, kind: str, account: Optional[str], text: str, keywords: Sequence[str], **extra: Any) -> Dict[str, Any]:
    prompt = prompt_text(kind, account, text, keywords)
    ids, cut = encode_prompt(tokenizer, prompt, max_tokens)
    return {**extra, "kind": kind, "account": account, "text": text, "keywords": list(keywords), "prompt": prompt, "input_ids": ids, "cut": cut}


def export_clip(model: ClipModel, tokenizer: Tokenizer, images: ImageSet, data_dir: Path, artifact_dir: Path) -> None:
    """Writes both graphs, the four golden files and vocab.json, then runs verify_clip_onnx.mjs
    (a mismatch raises TrainerError). `images`: the held-out pairs (or the training ones if none)."""
    model = model.cpu().eval()
    config = model.config
    specs = signatures(config)
    posts = posts_by_media(data_dir)
    pairs = pick_pairs(images, GOLDEN_PAIRS)
    pair_set = images.subset(pairs)
    pixels, _ = golden_images(images)  # [2, 3, S, S] in [-1, 1]
    graphs = {
        "image_encoder.onnx": (model.image_encoder, [pixels]),
        "text_encoder.onnx": (model.text_encoder, [pair_set.input_ids]),
    }
    for file_name, (module, feeds) in graphs.items():
        spec = specs[file_name]
        export_graph(module, artifact_dir / file_name, feeds, spec)
        names = ([s["name"] for s in spec["inputs"]], [s["name"] for s in spec["outputs"]])
        golden = golden_case(module, names, feeds, GOLDEN_RTOL, GOLDEN_ATOL)
        (artifact_dir / f"golden_{file_name[:-5]}.json").write_text(json.dumps(golden) + "\n")

    with torch.no_grad():
        cosine = model.image_encoder(to_signed(pair_set.pixels)) @ model.text_encoder(pair_set.input_ids).t()  # [P, P]
    rows = []
    for index in pairs:
        post = posts[images.names[index]]
        case = prompt_case(tokenizer, config.max_tokens, post.kind, post.account, post.text, post.keywords, name=images.names[index], post_id=post.post_id)
        if case["prompt"] != images.prompts[index] or case["input_ids"] != images.input_ids[index].tolist():
            raise TrainerError(f"golden pair {images.names[index]}: the rebuilt prompt differs from the training data's")
        rows.append({**case, "bucket": images.buckets[index], "png_base64": png_base64(images.pixels[index])})
    golden_pairs = {
        "about": "image i (PNG, 64x64 RGB; model input = pixel / 127.5 - 1, NCHW) vs prompt j (built from kind/account/text/keywords);"
                 " cosine[i][j] = image_embeds[i] . text_embeds[j]; the diagonal holds the true pairs",
        "pairs": rows,
        "cosine": compact(cosine),
        "rtol": PAIRS_RTOL,
        "atol": PAIRS_ATOL,
    }
    (artifact_dir / "golden_pairs.json").write_text(json.dumps(golden_pairs) + "\n")
    cases = [prompt_case(tokenizer, config.max_tokens, row["kind"], row["account"], row["text"], row["keywords"], why=f"held-out post {row['post_id']}") for row in rows]
    cases += [prompt_case(tokenizer, config.max_tokens, **case) for case in EDGE_CASES]
    golden_prompts = {
        "about": "sd_data.prompt_text(kind, account, text, keywords) and encode_prompt(vocab.json tokenizer, prompt, max_tokens)",
        "max_tokens": config.max_tokens,
        "cases": cases,
    }
    (artifact_dir / "golden_prompts.json").write_text(json.dumps(golden_prompts, indent=1, ensure_ascii=False) + "\n")
    tokenizer.save(artifact_dir / "vocab.json", max_tokens=config.max_tokens, prompt_words=list(PROMPT_WORDS))
    verify_clip(artifact_dir)


def verify_clip(artifact_dir: Path) -> str:
    return run_node_verifier(CLIP_VERIFIER, [str(artifact_dir)], 300)


def reproduce_command(config: ClipTrainConfig, data_dir: Path, run_dir: Path) -> str:
    steps = "" if config.steps == CLIP_PRESETS[config.preset].steps else f" --steps {config.steps}"
    return f"npx boig train clip --data {repo_relative(data_dir)} --preset {config.preset} --seed {config.seed}{steps}{override_flags(config, CLIP_PRESETS[config.preset])} --out {repo_relative(run_dir)}"


def write_clip_manifest(
    artifact_dir: Path,
    run_dir: Path,
    data_dir: Path,
    model: ClipModel,
    tokenizer: Tokenizer,
    metrics: Dict[str, float],
    data_info: Dict[str, Any],
    parameters: Dict[str, int],
) -> Dict[str, Any]:
    config = model.config
    specs = signatures(config)
    files: Dict[str, Any] = {name: {**file_digest(artifact_dir / name), **specs[name]} for name in ONNX_FILES}
    files["vocab.json"] = file_digest(artifact_dir / "vocab.json")
    manifest = {
        "name": "boigclip",
        "version": datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ"),
        "kind": "boigclip",
        "files": files,
        # Two independent graphs; each file's own signature is in `files`.
        "inputs": [*specs["image_encoder.onnx"]["inputs"], *specs["text_encoder.onnx"]["inputs"]],
        "outputs": [*specs["image_encoder.onnx"]["outputs"], *specs["text_encoder.onnx"]["outputs"]],
        "clip": {
            "agreement": "cosine of image_embeds and text_embeds (both unit norm: their dot product), in [-1, 1]",
            "tokenizer": {
                "vocab": "vocab.json (tokens; id = index)",
                "implementation": "models/boig_trainer/llm_tokenizer.py = server/llm/tokenizer.ts (encode)",
                "prompt": "sd_data.prompt_text = server/sd/sdPrompt.ts: social `brand <account> ; <caption> ; keywords <k1> , <k2>`;"
                          " stock `stock ; <caption> ; keywords ...` (BoigSD's prompt format)",
                "ids": "<bos> prompt <eos>, then <pad> up to max_tokens (a longer prompt keeps its first max_tokens - 2 tokens)",
                "max_tokens": config.max_tokens,
                "pad_id": tokenizer.pad_id,
                "bos_id": tokenizer.bos_id,
                "eos_id": tokenizer.eos_id,
            },
            "image": {"size": config.image_size, "range": "[-1, 1] = pixel / 127.5 - 1 (RGB, NCHW), as BoigSD's VAE"},
            "embed_dim": config.embed_dim,
            "logit_scale": model.scale().item(),
            "parameters": parameters,
            "golden": {
                "golden_image_encoder.json": "image_encoder.onnx on 2 held-out images",
                "golden_text_encoder.json": f"text_encoder.onnx on the {GOLDEN_PAIRS} golden pairs' prompts",
                "golden_pairs.json": f"{GOLDEN_PAIRS} held-out pairs: PNG, post fields, prompt, ids and PyTorch's cosine matrix",
                "golden_prompts.json": "the prompt format and ids on the pairs' posts and hand-made edge cases",
            },
        },
        "training": {"config": config.to_dict(), "command": reproduce_command(config, data_dir, run_dir), "torch": torch.__version__},
        "data": {"snapshot": config.data_snapshot, "dir": repo_relative(data_dir), **data_info},
        "metrics": metrics,
    }
    (artifact_dir / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n")
    return manifest
