"""End-to-end checks of `python -m boig_trainer train tiny`: protocol, learning, export, resume, failures."""
import json
import shutil
import subprocess
from pathlib import Path

import onnx
import pytest
import torch

from boig_trainer.manifest import file_digest
from trainer_process import MODELS_DIR, NODE, REPO_ROOT, run_trainer, run_until_first_progress_then_sigterm

FRESH_ARTIFACT_COPY = MODELS_DIR / "runs" / "pytest-last" / "artifact"  # vitest replays it via BOIG_FRESH_GOLDEN_DIR


def test_protocol_lines_are_ordered_and_progress_is_monotonic(tiny_run):
    types = [event["type"] for event in tiny_run.events]
    assert types[0] == "start" and types[-2:] == ["artifact", "done"]
    start = tiny_run.events[0]
    assert start["resumed_from_step"] == 0 and start["total_steps"] == start["config"]["steps"] == 120
    steps = [event["step"] for event in tiny_run.of_type("progress")]
    assert steps == sorted(set(steps)) and steps[-1] == 120
    assert all(event["total"] == 120 and event["message"].startswith(f"step {event['step']}/120") for event in tiny_run.of_type("progress"))
    assert [event["step"] for event in tiny_run.of_type("checkpoint")] == [40, 80, 120]


def test_loss_decreases_and_eval_beats_predicting_the_average(tiny_run):
    losses = [event["loss"] for event in tiny_run.of_type("progress")]
    assert losses[-1] < losses[0] / 10
    metrics = tiny_run.of_type("done")[0]["metrics"]
    assert metrics["final_loss"] == losses[-1]
    assert metrics["eval_mae"] < 0.06  # a constant guess scores ~0.175 on this data


def test_artifact_is_verified_onnx_with_matching_manifest(tiny_run):
    artifact = tiny_run.of_type("artifact")[0]
    artifact_dir = Path(artifact["dir"])
    manifest = json.loads((artifact_dir / "manifest.json").read_text())
    assert manifest == artifact["manifest"]
    assert manifest["files"]["model.onnx"] == file_digest(artifact_dir / "model.onnx")
    assert manifest["inputs"] == [{"name": "pixels", "dtype": "float32", "dims": ["batch", 3, 16, 16]}]
    assert manifest["training"]["config"] == tiny_run.events[0]["config"]
    assert manifest["data"] == {"snapshot": "synthetic:seed=0"}
    assert "verify_onnx.mjs: ok mean_rgb" in tiny_run.stderr  # the exporter's node check ran and passed

    graph = onnx.load(str(artifact_dir / "model.onnx")).graph
    batch_dim = graph.input[0].type.tensor_type.shape.dim[0]
    assert (graph.input[0].name, graph.output[0].name, batch_dim.dim_param) == ("pixels", "mean_rgb", "batch")

    golden = json.loads((artifact_dir / "golden.json").read_text())
    assert golden["inputs"]["pixels"]["dims"] == [4, 3, 16, 16] and golden["outputs"]["mean_rgb"]["dims"] == [4, 3]
    shutil.rmtree(FRESH_ARTIFACT_COPY, ignore_errors=True)
    shutil.copytree(artifact_dir, FRESH_ARTIFACT_COPY)


def test_resume_continues_from_checkpoint_and_matches_uninterrupted_run(tiny_run, tmp_path):
    first = run_trainer("train", "tiny", "--steps", "60", "--out", str(tmp_path))
    assert first.returncode == 0, first.stderr
    stored = torch.load(tmp_path / "checkpoint.pt")
    assert stored["step"] == 60 and stored["config"] == {**tiny_run.events[0]["config"], "steps": 60}

    resumed = run_trainer("train", "tiny", "--steps", "120", "--resume", "--out", str(tmp_path))
    assert resumed.returncode == 0, resumed.stderr
    assert resumed.events[0]["resumed_from_step"] == 60
    assert resumed.events[0]["config"] == tiny_run.events[0]["config"]
    assert resumed.of_type("progress")[0]["step"] == 70
    # Batches depend only on (seed, step) and the LR is constant, so the result is the same.
    expected = tiny_run.of_type("done")[0]["metrics"]["final_loss"]
    assert resumed.of_type("done")[0]["metrics"]["final_loss"] == pytest.approx(expected, rel=1e-5)


def test_sigterm_writes_a_checkpoint_then_resume_finishes(tmp_path):
    stopped = run_until_first_progress_then_sigterm("train", "tiny", "--preset", "default", "--out", str(tmp_path), timeout=60)
    assert stopped.returncode == 143
    events = stopped.events
    assert events[-1]["type"] == "error" and "SIGTERM" in events[-1]["message"]
    stopped_at = events[-2]["step"]
    assert events[-2]["type"] == "checkpoint" and 0 < stopped_at < 600

    finish_soon = str(stopped_at + 5)  # the rest of the 600 steps would only cost time
    resumed = run_trainer("train", "tiny", "--resume", "--steps", finish_soon, "--out", str(tmp_path))
    assert resumed.returncode == 0, resumed.stderr
    assert resumed.events[0]["resumed_from_step"] == stopped_at
    assert resumed.events[-1]["type"] == "done"


@pytest.mark.parametrize(
    "args, message",
    [
        (["train", "huge", "--out", "unused"], "invalid choice: 'huge'"),
        (["train", "tiny", "--out", "unused", "--steps", "0"], "must be >= 1"),
        (["train", "tiny"], "--out"),
    ],
)
def test_bad_arguments_end_with_an_error_line(args, message):
    run = run_trainer(*args)
    assert run.returncode == 2
    assert len(run.events) == 1 and run.events[0]["type"] == "error" and message in run.events[0]["message"]


def test_resume_refuses_a_conflicting_seed(tiny_run):
    run_dir = tiny_run.events[0]["run_dir"]
    run = run_trainer("train", "tiny", "--resume", "--seed", "7", "--out", run_dir)
    assert (run.returncode, run.events[-1]["type"]) == (2, "error")
    assert "conflicts with the checkpoint's seed 0" in run.events[-1]["message"]


def test_verifier_rejects_a_tampered_golden_fixture(tiny_run, tmp_path):
    artifact_dir = Path(tiny_run.of_type("artifact")[0]["dir"])
    golden = json.loads((artifact_dir / "golden.json").read_text())
    golden["outputs"]["mean_rgb"]["data"][0] += 1e-3
    tampered = tmp_path / "golden.json"
    tampered.write_text(json.dumps(golden))
    verify = [NODE, "models/verify_onnx.mjs", str(artifact_dir / "model.onnx"), str(tampered)]
    result = subprocess.run(verify, cwd=REPO_ROOT, capture_output=True, text=True, timeout=60)
    assert result.returncode == 1
    assert "MISMATCH mean_rgb: max abs diff 1.0" in result.stdout
