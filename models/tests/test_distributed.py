"""`train llm` and `train tiny` under torchrun: 2 CPU processes (gloo), launched as README.md says
(`python -m boig_trainer.torchrun` is torchrun, fixed for torch 1.13 on Python 3.11), compared
with single-process runs of the same seed and global batch. Also: tasks that cannot run under
torchrun refuse to, and a stop signal to one rank stops every rank at the same step.

Why the weights are compared with a tolerance, not for equality: a step sees the same examples as
in one process and the losses are weighted so that the mean of the ranks' gradients is the
single-process gradient (distributed.py), but the float additions run in another order (each rank
sums its own rows, then the all-reduce adds the partial sums), so gradients differ at ~1e-7
relative. AdamW divides each coordinate's step by the root of its own second moment, so where a
gradient is tiny those last-digit differences move the weight a little differently, and that adds up
over the steps. Measured here: losses agree to ~1e-7 relative; weights to 1.4e-5 after the LLM's 60
steps and 3.5e-7 after tiny's 120. The LLM tolerance, 1e-4, is 7x the measured gap and 30x below
one step's update at the peak LR 3e-3: ranks that skipped the gradient average, or trained on the
wrong rows, miss it by orders of magnitude."""
import json
import os
import signal
import subprocess
import sys
from pathlib import Path
from typing import List

import pytest
import torch

from test_llm import verify, write_instructions
from trainer_process import MODELS_DIR, TrainerRun, parse_json_lines, run_trainer, trainer_env

# localhost:0: a free rendezvous port per launch (--standalone always takes 29400, so two launches
# on one machine could collide); --monitor_interval 1: torchrun notices the ranks' exit within 1 s, not 5.
TORCHRUN = [sys.executable, "-m", "boig_trainer.torchrun", "--rdzv_backend=c10d", "--rdzv_endpoint=localhost:0",
            "--nnodes=1", "--nproc_per_node=2", "--monitor_interval=1", "-m", "boig_trainer"]


def run_torchrun(*args: str, timeout: float = 120) -> TrainerRun:
    result = subprocess.run([*TORCHRUN, *args], cwd=MODELS_DIR, env=trainer_env(), capture_output=True, text=True, timeout=timeout)
    return TrainerRun(result.returncode, parse_json_lines(result.stdout), result.stderr)


def weights(run: TrainerRun) -> dict:
    return torch.load(Path(run.events[0]["run_dir"]) / "checkpoint.pt")["model"]


def assert_weights_close(got: dict, expected: dict, atol: float) -> None:
    assert got.keys() == expected.keys()
    for name, tensor in got.items():
        gap = (tensor - expected[name]).abs().max().item()
        assert gap <= atol, f"{name}: max abs gap {gap:.3g} > {atol}"


@pytest.fixture(scope="module")
def instructions(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_instructions(tmp_path_factory.mktemp("dp-instructions"))


@pytest.fixture(scope="module")
def llm_pair(instructions: Path, tmp_path_factory: pytest.TempPathFactory):
    """(single process, torchrun x 2) runs of `train llm --preset tiny --seed 0`: 60 steps of 16 examples."""
    args = ("train", "llm", "--data", str(instructions), "--preset", "tiny", "--seed", "0")
    single = run_trainer(*args, "--out", str(tmp_path_factory.mktemp("llm-single")))
    assert single.returncode == 0, single.stderr
    parallel = run_torchrun(*args, "--out", str(tmp_path_factory.mktemp("llm-dp")))
    assert parallel.returncode == 0, parallel.stderr
    return single, parallel


def test_llm_under_torchrun_speaks_one_protocol_stream(llm_pair):
    single, parallel = llm_pair
    types = [event["type"] for event in parallel.events]  # rank 0's lines only; rank 1 prints none
    assert types[0] == "start" and types[-2:] == ["artifact", "done"]
    assert types.count("start") == types.count("artifact") == types.count("done") == 1 and "error" not in types
    assert [e["step"] for e in parallel.of_type("progress")] == [10, 20, 30, 40, 50, 60]
    assert [e["step"] for e in parallel.of_type("checkpoint")] == [30, 60]
    assert parallel.events[0]["config"] == single.events[0]["config"]  # batch_size 16 is the global batch
    assert "data parallel: 2 processes (gloo)" in parallel.stderr


def test_llm_under_torchrun_learns_what_one_process_learns(llm_pair):
    single, parallel = llm_pair
    losses = [e["loss"] for e in parallel.of_type("progress")]
    assert losses[-1] < losses[0] * 0.7
    assert losses == pytest.approx([e["loss"] for e in single.of_type("progress")], rel=1e-5)
    got, expected = parallel.of_type("done")[0]["metrics"], single.of_type("done")[0]["metrics"]
    for name in ("final_loss", "eval_loss", "train_loss"):
        assert got[name] == pytest.approx(expected[name], rel=1e-4), name
    assert got["eval_token_accuracy"] == pytest.approx(expected["eval_token_accuracy"], abs=0.005)  # a near-tie argmax may flip (of ~990 tokens)
    assert_weights_close(weights(parallel), weights(single), atol=1e-4)


def test_llm_artifact_from_torchrun_verifies(llm_pair):
    _, parallel = llm_pair
    artifact_dir = Path(parallel.of_type("artifact")[0]["dir"])
    assert json.loads((artifact_dir / "manifest.json").read_text()) == parallel.of_type("artifact")[0]["manifest"]
    result = verify(artifact_dir)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "ok cache: step logits == one-shot logits" in result.stdout


@pytest.mark.parametrize("model", ["ddpo", "clip"])
def test_tasks_without_data_parallelism_refuse_torchrun(model, tmp_path):
    # WORLD_SIZE alone (no torchrun, no peers): the refusal must come before any process group is joined.
    env = {**trainer_env(), "WORLD_SIZE": "2", "RANK": "0", "LOCAL_RANK": "0"}
    result = subprocess.run([sys.executable, "-m", "boig_trainer", "train", model, "--out", str(tmp_path)],
                            cwd=MODELS_DIR, env=env, capture_output=True, text=True, timeout=30)
    events = parse_json_lines(result.stdout)
    assert result.returncode == 2 and [e["type"] for e in events] == ["error"]
    assert f"train {model} does not run under torchrun" in events[0]["message"] and "run it as one process" in events[0]["message"]


def rank_pid(launcher: subprocess.Popen, rank: int) -> int:
    """The worker torchrun started for `rank` (its children carry RANK in their environment)."""
    for child in Path(f"/proc/{launcher.pid}/task/{launcher.pid}/children").read_text().split():
        if f"RANK={rank}".encode() in Path(f"/proc/{child}/environ").read_bytes().split(b"\0"):
            return int(child)
    raise AssertionError(f"no rank {rank} among torchrun's children")


def test_sigterm_to_one_rank_stops_all_at_one_step_and_resume_matches_one_process(tiny_run, tmp_path):
    """Only rank 1 gets SIGTERM: the stop flag is all-reduced each step, so rank 0 stops at the same
    step, checkpoints it, and a torchrun --resume ends where the uninterrupted single process did."""
    run_dir = tmp_path / "run"
    launcher = subprocess.Popen([*TORCHRUN, "train", "tiny", "--preset", "tiny", "--seed", "0", "--out", str(run_dir)],
                                cwd=MODELS_DIR, env=trainer_env(), stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    assert launcher.stdout is not None
    lines: List[str] = []
    for line in launcher.stdout:
        lines.append(line)
        if json.loads(line)["type"] == "progress":
            os.kill(rank_pid(launcher, 1), signal.SIGTERM)
            break
    lines.extend(launcher.stdout)
    assert launcher.wait(timeout=60) != 0  # torchrun reports the ranks' exit 143 as its own failure
    events = parse_json_lines("".join(lines))
    assert events[-1]["type"] == "error" and "stopped by a signal to another rank" in events[-1]["message"]
    stopped_at = events[-2]["step"]
    assert events[-2]["type"] == "checkpoint" and 10 <= stopped_at < 120
    assert torch.load(run_dir / "checkpoint.pt")["step"] == stopped_at

    resumed = run_torchrun("train", "tiny", "--resume", "--out", str(run_dir))
    assert resumed.returncode == 0, resumed.stderr
    assert resumed.events[0]["resumed_from_step"] == stopped_at and resumed.of_type("done")
    expected = tiny_run.of_type("done")[0]["metrics"]["final_loss"]
    assert resumed.of_type("done")[0]["metrics"]["final_loss"] == pytest.approx(expected, rel=1e-4)
    assert_weights_close(weights(resumed), weights(tiny_run), atol=1e-5)
