"""Shared fixtures: one full tiny run, and one small simulated world, each made once per session."""
import subprocess
from pathlib import Path

import pytest

from trainer_process import NODE, REPO_ROOT, SMALL_WORLD_SEED, TrainerRun, run_trainer


@pytest.fixture(scope="session")
def tiny_run(tmp_path_factory: pytest.TempPathFactory) -> TrainerRun:
    """One uninterrupted `--preset tiny` run, shared: it is also the reference for resume tests."""
    run_dir = tmp_path_factory.mktemp("tiny-full")
    run = run_trainer("train", "tiny", "--preset", "tiny", "--seed", "0", "--out", str(run_dir))
    assert run.returncode == 0, run.stderr
    return run


@pytest.fixture(scope="session")
def small_world(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """~220 renders (4 brands x ~45 posts + 40 stock assets) from the real simulator, via the CLI.
    Read-only for the tests (sd-base, sd-sft, ddpo and clip runs read it; a test that needs to
    change it copies it first)."""
    world_dir = tmp_path_factory.mktemp("small-world") / "world"
    command = [NODE, "bin/boig.mjs", "world", "--seed", str(SMALL_WORLD_SEED), "--out", str(world_dir), "--brands", "4", "--posts", "40", "--stock", "40"]
    result = subprocess.run(command, cwd=REPO_ROOT, capture_output=True, text=True, timeout=180)
    assert result.returncode == 0, result.stderr
    return world_dir
