"""Shared fixture: one full tiny run, reused by several tests (each run costs ~2.5 s)."""
import pytest

from trainer_process import TrainerRun, run_trainer


@pytest.fixture(scope="session")
def tiny_run(tmp_path_factory: pytest.TempPathFactory) -> TrainerRun:
    """One uninterrupted `--preset tiny` run, shared: it is also the reference for resume tests."""
    run_dir = tmp_path_factory.mktemp("tiny-full")
    run = run_trainer("train", "tiny", "--preset", "tiny", "--seed", "0", "--out", str(run_dir))
    assert run.returncode == 0, run.stderr
    return run
