"""End-to-end checks of `python -m boig_trainer train llm` on a small synthetic instruction set:
protocol, learning, ONNX export with a KV cache verified by onnxruntime-node (verify_llm_onnx.mjs),
the cache in PyTorch itself, exact resume after SIGTERM, and argument errors."""
import json
import random
import shutil
import subprocess
from pathlib import Path

import pytest
import torch

from boig_trainer.llm_config import llm_preset
from boig_trainer.llm_export import signature
from boig_trainer.llm_model import BoigLM
from boig_trainer.llm_tokenizer import build_vocab
from boig_trainer.manifest import file_digest
from trainer_process import MODELS_DIR, NODE, REPO_ROOT, TrainerRun, run_trainer, run_until_first_progress_then_sigterm

FRESH_ARTIFACT_COPY = MODELS_DIR / "runs" / "pytest-llm-last" / "artifact"  # vitest can replay it too (BOIG_FRESH_LLM_DIR)
RESERVED = ["colors", "tones", "objects", ";", ",", "red", "blue", "green", "warm", "cool", "person", "car", "0", "4", "8", "12", "16",
            "20", "40", "60", "task", "social", "stock", "check", "brand", "date", "weekday", "kpi", "caption", "keywords", "verbalize",
            "high", "medium", "low", "mar", "sat"]


def synthetic_record(i: int, rng: random.Random, split: str):
    kind = "social" if i % 3 else "stock"
    labels = ["high", "low"] if kind == "social" else ["high", "medium", "low"]
    bucket = labels[i % len(labels)]
    # The verbalization depends on the KPI, so a model that reads the prompt can do better than chance.
    color = {"high": "red", "medium": "green", "low": "blue"}[bucket]
    verbalization = f"colors {color} {rng.choice(['40', '60'])} ; tones {'warm' if bucket == 'high' else 'cool'} 20 ; objects person {rng.choice(['0', '4'])} 4 8 12"
    words = " ".join(rng.choice(["sunny", "beach", "city", "coffee", "Morning!", "run", "team"]) for _ in range(5))
    brand = f"brand {rng.choice(['acme', 'fizzwell'])} ; " if kind == "social" else ""
    records = []
    for record_type, check in ((1 if kind == "social" else 2, False), (3 if kind == "social" else 4, True)):
        noisy = check and rng.random() < 0.2
        shown = rng.choice([label for label in labels if label != bucket]) if noisy else bucket
        prompt = f"task {kind}{' check' if check else ''} ; {brand}date 2024 mar weekday sat ; kpi {shown} ; caption {words} ; keywords beach , city ; verbalize"
        target = f"kpi {bucket} ; {verbalization}" if check else verbalization
        records.append({"id": f"{i}#{record_type}", "type": record_type, "variant": "behavior", "kind": kind, "split": split, "bucket": bucket,
                        "inputKpi": shown, "noisy": noisy, "prompt": prompt, "target": target})
    nokpi = records[0]["prompt"].replace(f"kpi {bucket} ; ", "")
    records.append({**records[0], "id": f"{i}#nokpi", "variant": "nokpi", "inputKpi": None, "prompt": nokpi})
    return records


def write_instructions(folder: Path, train_images: int = 150, test_images: int = 30) -> Path:
    rng = random.Random(5)
    folder.mkdir(parents=True, exist_ok=True)
    train = [r for i in range(train_images) for r in synthetic_record(i, rng, "train")]
    test = [r for i in range(train_images, train_images + test_images) for r in synthetic_record(i, rng, "test")]
    (folder / "train.jsonl").write_text("".join(json.dumps(r) + "\n" for r in train))
    (folder / "test.jsonl").write_text("".join(json.dumps(r) + "\n" for r in test))
    vocab = build_vocab((t for r in train for t in (r["prompt"], r["target"])), RESERVED, 2, 4000)
    (folder / "vocab.json").write_text(json.dumps({"tokens": vocab}) + "\n")
    (folder / "meta.json").write_text(json.dumps({"format": 1, "synthetic": True}) + "\n")
    return folder


@pytest.fixture(scope="module")
def instructions(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_instructions(tmp_path_factory.mktemp("llm-instructions"))


@pytest.fixture(scope="module")
def llm_run(instructions: Path, tmp_path_factory: pytest.TempPathFactory) -> TrainerRun:
    run_dir = tmp_path_factory.mktemp("llm-full")
    run = run_trainer("train", "llm", "--data", str(instructions), "--preset", "tiny", "--seed", "0", "--out", str(run_dir))
    assert run.returncode == 0, run.stderr
    artifact = Path(run.of_type("artifact")[0]["dir"])
    shutil.rmtree(FRESH_ARTIFACT_COPY, ignore_errors=True)
    shutil.copytree(artifact, FRESH_ARTIFACT_COPY)
    return run


def test_protocol_lines_are_ordered_and_loss_falls(llm_run):
    types = [event["type"] for event in llm_run.events]
    assert types[0] == "start" and types[-2:] == ["artifact", "done"]
    start = llm_run.events[0]
    assert start["total_steps"] == start["config"]["steps"] == 60 and start["config"]["variant"] == "behavior"
    assert start["config"]["data_snapshot"].startswith("instructions train=450 test=90 ")
    assert [e["step"] for e in llm_run.of_type("progress")] == [10, 20, 30, 40, 50, 60]
    assert [e["step"] for e in llm_run.of_type("checkpoint")] == [30, 60]
    losses = [e["loss"] for e in llm_run.of_type("progress")]
    assert losses[-1] < losses[0] * 0.7


def test_done_reports_eval_loss_token_and_kpi_accuracy(llm_run):
    metrics = llm_run.of_type("done")[0]["metrics"]
    assert metrics["eval_examples"] == 60  # 30 test images x (type 1|2 + type 3|4)
    assert 0 < metrics["eval_loss"] < 3 and 0.3 < metrics["eval_token_accuracy"] <= 1
    assert 0 <= metrics["eval_kpi_label_accuracy"] <= 1
    assert metrics["train_examples"] == 300 and metrics["truncated_examples"] == 0
    assert metrics["parameters"] > 1000


def test_artifact_has_kv_cache_signature_and_a_matching_manifest(llm_run, instructions):
    artifact = llm_run.of_type("artifact")[0]
    artifact_dir = Path(artifact["dir"])
    manifest = json.loads((artifact_dir / "manifest.json").read_text())
    assert manifest == artifact["manifest"] and manifest["kind"] == "boigllm" and manifest["name"] == "boigllm"
    assert manifest["files"]["model.onnx"] == file_digest(artifact_dir / "model.onnx")
    assert manifest["files"]["vocab.json"] == file_digest(artifact_dir / "vocab.json")
    assert (artifact_dir / "vocab.json").read_text() == (instructions / "vocab.json").read_text()
    names = [spec["name"] for spec in manifest["inputs"]]
    assert names == ["input_ids", "attention_mask", "past_key_values.0.key", "past_key_values.0.value", "past_key_values.1.key", "past_key_values.1.value"]
    assert manifest["outputs"][0] == {"name": "logits", "dtype": "float32", "dims": ["batch", "seq", manifest["llm"]["vocab_size"]]}
    assert manifest["outputs"][1] == {"name": "present.0.key", "dtype": "float32", "dims": ["batch", 2, "total_seq", 16]}
    assert manifest["training"]["command"].startswith(f"npx boig train llm --data {instructions} --preset tiny --variant behavior --seed 0")
    assert manifest["metrics"] == llm_run.of_type("done")[0]["metrics"]
    golden = json.loads((artifact_dir / "golden.json").read_text())
    assert golden["inputs"]["past_key_values.0.key"]["dims"][2] == 0  # one shot: an empty past
    assert golden["inputs"]["attention_mask"]["data"][8:10] == [0, 0]  # 2nd row is left-padded
    step = json.loads((artifact_dir / "golden_step.json").read_text())
    assert step["inputs"]["input_ids"]["dims"] == [2, 1] and step["inputs"]["past_key_values.1.value"]["dims"] == [2, 2, 7, 16]


def verify(artifact_dir: Path) -> subprocess.CompletedProcess:
    command = [NODE, "models/verify_llm_onnx.mjs", *(str(artifact_dir / f) for f in ("model.onnx", "golden.json", "golden_step.json"))]
    return subprocess.run(command, cwd=REPO_ROOT, capture_output=True, text=True, timeout=120)


def test_verifier_passes_and_rejects_a_tampered_golden(llm_run, tmp_path):
    artifact_dir = Path(llm_run.of_type("artifact")[0]["dir"])
    result = verify(artifact_dir)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "ok cache: step logits == one-shot logits" in result.stdout
    shutil.copytree(artifact_dir, tmp_path / "a")
    step = json.loads((tmp_path / "a" / "golden_step.json").read_text())
    step["outputs"]["logits"]["data"][3] += 0.5
    (tmp_path / "a" / "golden_step.json").write_text(json.dumps(step))
    tampered = verify(tmp_path / "a")
    assert tampered.returncode == 1 and "MISMATCH step logits" in tampered.stdout


def test_kv_cache_and_left_padding_in_pytorch():
    torch.manual_seed(0)
    model = BoigLM(llm_preset("tiny", vocab_size=50)).eval()
    ids = torch.randint(5, 50, (2, 9))
    with torch.no_grad():
        full, _ = model(ids)
        logits, past = model(ids[:, :4])
        steps = [logits]
        for t in range(4, 9):
            mask = torch.ones(2, t + 1, dtype=torch.int64)
            step, past = model(ids[:, t : t + 1], mask, past)
            steps.append(step)
        assert torch.allclose(torch.cat(steps, 1), full, atol=1e-5)
        # Left padding: a padded row gives the same logits (at real tokens) as the row alone.
        padded = torch.cat([torch.zeros(1, 3, dtype=torch.int64), ids[:1, :6]], 1)
        mask = torch.tensor([[0, 0, 0] + [1] * 6])
        alone, _ = model(ids[:1, :6])
        with_pad, _ = model(padded, mask)
        assert torch.allclose(with_pad[:, 3:], alone, atol=1e-5)


def test_signature_names_every_layer():
    spec = signature(llm_preset("default", vocab_size=100))
    assert len(spec["inputs"]) == 2 + 2 * 4 and len(spec["outputs"]) == 1 + 2 * 4
    assert spec["inputs"][2] == {"name": "past_key_values.0.key", "dtype": "float32", "dims": ["batch", 4, "past_seq", 32]}


def test_sigterm_then_resume_matches_the_uninterrupted_run(llm_run, instructions, tmp_path):
    stopped = run_until_first_progress_then_sigterm("train", "llm", "--data", str(instructions), "--preset", "tiny", "--out", str(tmp_path), timeout=120)
    assert stopped.returncode == 143
    events = stopped.events
    assert events[-1]["type"] == "error" and "SIGTERM" in events[-1]["message"]
    assert events[-2]["type"] == "checkpoint" and 10 <= events[-2]["step"] < 60
    resumed = run_trainer("train", "llm", "--data", str(instructions), "--resume", "--out", str(tmp_path))
    assert resumed.returncode == 0, resumed.stderr
    assert resumed.events[0]["resumed_from_step"] == events[-2]["step"]
    assert resumed.events[0]["config"] == llm_run.events[0]["config"]
    expected, got = llm_run.of_type("done")[0]["metrics"], resumed.of_type("done")[0]["metrics"]
    assert got["final_loss"] == pytest.approx(expected["final_loss"], rel=1e-6)
    assert got["eval_loss"] == pytest.approx(expected["eval_loss"], rel=1e-6)
    reference = torch.load(Path(llm_run.events[0]["run_dir"]) / "checkpoint.pt")["model"]
    for name, tensor in torch.load(tmp_path / "checkpoint.pt")["model"].items():
        assert torch.allclose(tensor, reference[name], rtol=1e-5, atol=1e-7), name


def test_resume_refuses_other_data_or_a_conflicting_variant(llm_run, instructions, tmp_path):
    run_dir = llm_run.events[0]["run_dir"]
    conflicting = run_trainer("train", "llm", "--data", str(instructions), "--resume", "--variant", "nokpi", "--out", run_dir)
    assert conflicting.returncode == 2 and "--variant nokpi conflicts" in conflicting.events[-1]["message"]
    other = write_instructions(tmp_path / "other", train_images=120)
    moved = run_trainer("train", "llm", "--data", str(other), "--resume", "--out", run_dir)
    assert moved.returncode == 2 and "checkpoint trained on" in moved.events[-1]["message"]


def test_nokpi_variant_trains_on_prompts_without_kpi(instructions, tmp_path):
    run = run_trainer("train", "llm", "--data", str(instructions), "--variant", "nokpi", "--steps", "10", "--out", str(tmp_path))
    assert run.returncode == 0, run.stderr
    assert run.of_type("artifact")[0]["manifest"]["name"] == "boigllm-nokpi"
    metrics = run.of_type("done")[0]["metrics"]
    assert metrics["train_examples"] == 150 and "eval_kpi_label_accuracy" not in metrics


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["train", "llm", "--out", "/tmp/x"], "needs --data"),
        (["train", "llm", "--data", "/nonexistent-dir", "--out", "/tmp/x"], "is not a folder"),
        (["train", "llm", "--data", "/tmp", "--arch", "dilated", "--out", "/tmp/x"], "--arch applies"),
        (["train", "tiny", "--variant", "nokpi", "--out", "/tmp/x"], "--variant applies"),
    ],
)
def test_bad_arguments_end_with_an_error_line(args, message):
    run = run_trainer(*args)
    assert run.returncode == 2 and run.events[-1]["type"] == "error" and message in run.events[-1]["message"]


def test_missing_instruction_files_are_named(tmp_path):
    run = run_trainer("train", "llm", "--data", str(tmp_path), "--out", str(tmp_path / "run"))
    assert run.returncode == 2 and "lacks ['train.jsonl'" in run.events[-1]["message"]
