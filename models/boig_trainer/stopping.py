"""A clean stop on SIGTERM / SIGINT: the signal only sets a flag; the training loop checks it
between steps (never mid-step), checkpoints, and exits with an error line (exit 143)."""
import signal
from contextlib import contextmanager
from typing import Any, Iterator, Optional


class StopRequest:
    """Set from a signal handler; the loop checks it between steps, never mid-step."""

    def __init__(self) -> None:
        self.signal_name: Optional[str] = None


@contextmanager
def stop_requested_on_signals() -> Iterator[StopRequest]:
    request = StopRequest()

    def on_signal(signum: int, _frame: Any) -> None:
        request.signal_name = signal.Signals(signum).name

    previous = {sig: signal.signal(sig, on_signal) for sig in (signal.SIGTERM, signal.SIGINT)}
    try:
        yield request
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
