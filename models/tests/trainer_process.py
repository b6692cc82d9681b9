"""Runs the trainer the way the app does: a subprocess, cwd=models/, JSON lines on stdout."""
import json
import signal
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Dict, List

MODELS_DIR = Path(__file__).resolve().parents[1]
REPO_ROOT = MODELS_DIR.parent
NODE = os.environ.get("BOIG_NODE", "node")  # same override the exporter honors
SMALL_WORLD_SEED = 3  # the `small_world` fixture (conftest.py): `boig world --seed 3 --brands 4 --posts 40 --stock 40`


@dataclass
class TrainerRun:
    returncode: int
    events: List[Dict[str, Any]]  # every stdout line, parsed: a non-JSON line fails the test
    stderr: str

    def of_type(self, event_type: str) -> List[Dict[str, Any]]:
        return [event for event in self.events if event["type"] == event_type]


def trainer_env() -> Dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(MODELS_DIR)}


def trainer_command(*args: str) -> List[str]:
    return [sys.executable, "-m", "boig_trainer", *args]


def parse_json_lines(stdout: str) -> List[Dict[str, Any]]:
    return [json.loads(line) for line in stdout.splitlines()]


def run_trainer(*args: str, timeout: float = 120) -> TrainerRun:
    result = subprocess.run(
        trainer_command(*args), cwd=MODELS_DIR, env=trainer_env(), capture_output=True, text=True, timeout=timeout
    )
    return TrainerRun(result.returncode, parse_json_lines(result.stdout), result.stderr)


def run_until_first_progress_then_sigterm(*args: str, timeout: float = 120) -> TrainerRun:
    """Starts a run, sends SIGTERM at its first progress line, and collects the rest: the
    trainer must finish the step, checkpoint, and exit 143 with an error line."""
    process = subprocess.Popen(
        trainer_command(*args), cwd=MODELS_DIR, env=trainer_env(), stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True
    )
    assert process.stdout is not None
    lines = []
    for line in process.stdout:
        lines.append(line)
        if json.loads(line)["type"] == "progress":
            process.send_signal(signal.SIGTERM)
            break
    lines.extend(process.stdout)
    returncode = process.wait(timeout=timeout)
    return TrainerRun(returncode, parse_json_lines("".join(lines)), "")
