"""Failures the CLI turns into an `error` line, each with its own exit code."""


class TrainerError(Exception):
    """A run failed for a reason worth showing the user (exit 1)."""

    exit_code = 1


class UsageError(TrainerError):
    """Bad arguments, or arguments that conflict with the run dir (exit 2, like argparse)."""

    exit_code = 2


class TrainingStopped(TrainerError):
    """SIGTERM/SIGINT: a checkpoint was written and `--resume` continues from it (exit 128+15)."""

    exit_code = 143
