"""BoigLLM ONNX export with a KV cache, golden fixtures, verification through onnxruntime-node
(models/verify_llm_onnx.mjs), and the manifest."""
import json
import shutil
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Dict, List, Sequence

import onnx
import torch

from .errors import TrainerError
from .config_overrides import override_flags
from .export_onnx import ONNX_OPSET, REPO_ROOT, fixture_tensor, run_node_verifier
from .llm_config import LLM_PRESETS, LlmTrainConfig
from .llm_data import Encoded
from .llm_model import BoigLM
from .manifest import file_digest

LLM_VERIFIER = REPO_ROOT / "models" / "verify_llm_onnx.mjs"
GOLDEN_RTOL, GOLDEN_ATOL = 1e-4, 1e-4  # logits are sums over d_model terms: a little more atol than the tiny net
GOLDEN_LENGTH = 8  # tokens of the one-shot fixture; keeps golden.json small even with a 4000-word vocab
GOLDEN_PAD = 2  # the second golden row is left-padded by this many tokens (exercises attention_mask)


def repo_relative(path: Path) -> str:
    # Paths inside the repo are written relative to its root, where `npx boig` runs.
    try:
        return path.resolve().relative_to(REPO_ROOT).as_posix()
    except ValueError:
        return str(path)


class OnnxWrapper(torch.nn.Module):
    """Flat tensors in, flat tensors out: the signature the ONNX graph gets."""

    def __init__(self, model: BoigLM):
        super().__init__()
        self.model = model

    def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor, *past_flat: torch.Tensor):
        past = [(past_flat[2 * i], past_flat[2 * i + 1]) for i in range(len(past_flat) // 2)]
        logits, presents = self.model(input_ids, attention_mask, past)
        return (logits, *[t for kv in presents for t in kv])


def io_names(n_layers: int):
    past = [f"past_key_values.{i}.{kind}" for i in range(n_layers) for kind in ("key", "value")]
    present = [f"present.{i}.{kind}" for i in range(n_layers) for kind in ("key", "value")]
    return ["input_ids", "attention_mask", *past], ["logits", *present]


def signature(config: LlmTrainConfig) -> Dict[str, List[Dict[str, Any]]]:
    inputs, outputs = io_names(config.n_layers)
    cache = lambda seq: ["batch", config.n_heads, seq, config.head_dim]  # noqa: E731
    spec_in = [
        {"name": "input_ids", "dtype": "int64", "dims": ["batch", "seq"]},
        {"name": "attention_mask", "dtype": "int64", "dims": ["batch", "total_seq"]},
        *({"name": name, "dtype": "float32", "dims": cache("past_seq")} for name in inputs[2:]),
    ]
    spec_out = [
        {"name": "logits", "dtype": "float32", "dims": ["batch", "seq", config.vocab_size]},
        *({"name": name, "dtype": "float32", "dims": cache("total_seq")} for name in outputs[1:]),
    ]
    return {"inputs": spec_in, "outputs": spec_out}


def golden_batch(examples: Sequence[Encoded], pad_id: int) -> "tuple[torch.Tensor, torch.Tensor]":
    """Two rows of GOLDEN_LENGTH tokens: a prefix of example 0, and a left-padded prefix of example 1."""
    first = (examples[0].ids + [pad_id] * GOLDEN_LENGTH)[:GOLDEN_LENGTH]
    second_real = (examples[min(1, len(examples) - 1)].ids + [pad_id] * GOLDEN_LENGTH)[: GOLDEN_LENGTH - GOLDEN_PAD]
    second = [pad_id] * GOLDEN_PAD + second_real
    mask = [[1] * GOLDEN_LENGTH, [0] * GOLDEN_PAD + [1] * (GOLDEN_LENGTH - GOLDEN_PAD)]
    return torch.tensor([first, second], dtype=torch.int64), torch.tensor(mask, dtype=torch.int64)


def fixture(tensor: torch.Tensor) -> Dict[str, Any]:
    if tensor.dtype == torch.int64:
        return {"dims": list(tensor.shape), "type": "int64", "data": tensor.flatten().tolist()}
    return fixture_tensor(tensor)


def case(model: BoigLM, ids: torch.Tensor, mask: torch.Tensor, past) -> Dict[str, Any]:
    inputs, outputs = io_names(model.config.n_layers)
    with torch.no_grad():
        logits, presents = model(ids, mask, past)
    feeds = [ids, mask, *[t for kv in past for t in kv]]
    results = [logits, *[t for kv in presents for t in kv]]
    return {
        "inputs": {name: fixture(t) for name, t in zip(inputs, feeds)},
        "outputs": {name: fixture(t) for name, t in zip(outputs, results)},
        "rtol": GOLDEN_RTOL,
        "atol": GOLDEN_ATOL,
    }, presents


def export_llm(model: BoigLM, examples: Sequence[Encoded], pad_id: int, artifact_dir: Path) -> None:
    """Writes model.onnx, golden.json (one shot, empty past) and golden_step.json (the last token
    with the cache of the others), then runs verify_llm_onnx.mjs."""
    model = model.cpu().eval()
    config = model.config
    ids, mask = golden_batch(examples, pad_id)
    batch = ids.shape[0]
    full, _ = case(model, ids, mask, model.empty_past(batch))
    with torch.no_grad():
        _, prefix_presents = model(ids[:, :-1], mask[:, :-1], model.empty_past(batch))
    step, _ = case(model, ids[:, -1:], mask, prefix_presents)

    model_path = artifact_dir / "model.onnx"
    inputs, outputs = io_names(config.n_layers)
    # Trace with a non-empty past (3 cached tokens + 2 new) so every cache axis is dynamic.
    trace_ids = ids[:, :2]
    trace_mask = torch.ones(batch, 5, dtype=torch.int64)
    trace_past = [t for _ in range(config.n_layers) for t in (torch.zeros(batch, config.n_heads, 3, config.head_dim),) * 2]
    dynamic = {"input_ids": {0: "batch", 1: "seq"}, "attention_mask": {0: "batch", 1: "total_seq"}, "logits": {0: "batch", 1: "seq"}}
    dynamic.update({name: {0: "batch", 2: "past_seq"} for name in inputs[2:]})
    dynamic.update({name: {0: "batch", 2: "total_seq"} for name in outputs[1:]})
    torch.onnx.export(
        OnnxWrapper(model), (trace_ids, trace_mask, *trace_past), str(model_path),
        input_names=inputs, output_names=outputs, dynamic_axes=dynamic, opset_version=ONNX_OPSET, do_constant_folding=True,
    )
    onnx.checker.check_model(onnx.load(str(model_path)), full_check=True)
    (artifact_dir / "golden.json").write_text(json.dumps(full) + "\n")
    (artifact_dir / "golden_step.json").write_text(json.dumps(step) + "\n")
    verify_llm(artifact_dir)


def verify_llm(artifact_dir: Path) -> None:
    run_node_verifier(LLM_VERIFIER, [str(artifact_dir / name) for name in ("model.onnx", "golden.json", "golden_step.json")], 180)


def reproduce_command(config: LlmTrainConfig, data_dir: Path, run_dir: Path) -> str:
    steps = "" if config.steps == LLM_PRESETS[config.preset].steps else f" --steps {config.steps}"
    return (
        f"npx boig train llm --data {repo_relative(data_dir)} --preset {config.preset} --variant {config.variant}"
        f" --seed {config.seed}{steps}{override_flags(config, LLM_PRESETS[config.preset])} --out {repo_relative(run_dir)}"
    )


def write_llm_manifest(
    artifact_dir: Path, run_dir: Path, data_dir: Path, config: LlmTrainConfig, metrics: Dict[str, float], meta: Dict[str, Any], parameters: int
) -> Dict[str, Any]:
    shutil.copyfile(data_dir / "vocab.json", artifact_dir / "vocab.json")
    manifest = {
        "name": "boigllm" if config.variant == "behavior" else "boigllm-nokpi",
        "version": datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ"),
        "kind": "boigllm",
        "files": {"model.onnx": file_digest(artifact_dir / "model.onnx"), "vocab.json": file_digest(artifact_dir / "vocab.json")},
        **signature(config),
        "llm": {
            "format": "<bos> prompt <sep> target <eos>; tokenizer: models/boig_trainer/llm_tokenizer.py = server/llm/tokenizer.ts",
            "variant": config.variant,
            "context": config.context,
            "n_layers": config.n_layers,
            "n_heads": config.n_heads,
            "head_dim": config.head_dim,
            "vocab_size": config.vocab_size,
            "parameters": parameters,
            "positions": "cumsum(attention_mask) - 1: left padding does not shift positions",
            "golden": ["golden.json (one shot, past_seq 0)", "golden_step.json (last token, cache of the others)"],
        },
        "training": {"config": config.to_dict(), "command": reproduce_command(config, data_dir, run_dir), "torch": torch.__version__},
        "data": {"snapshot": config.data_snapshot, "dir": repo_relative(data_dir), "instructions": meta},
        "metrics": metrics,
    }
    (artifact_dir / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n")
    return manifest
