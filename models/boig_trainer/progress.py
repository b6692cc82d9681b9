"""The JSON-lines protocol on stdout: one object per line, flushed. Nothing else may reach stdout."""
import json
import os
import sys
from typing import Any, TextIO


class ProgressEmitter:
    def __init__(self, stream: TextIO):
        self._stream = stream

    def emit(self, event_type: str, **fields: Any) -> None:
        # allow_nan=False: NaN is not JSON; callers must turn a diverged loss into an error event.
        line = json.dumps({"type": event_type, **fields}, allow_nan=False)
        self._stream.write(line + "\n")
        self._stream.flush()


def claim_stdout_for_protocol() -> ProgressEmitter:
    """Keeps the real stdout for JSON lines and points fd 1 at stderr, so stray prints
    (torch export warnings, C++ logging, the node verifier) cannot corrupt the protocol."""
    sys.stdout.flush()
    protocol_fd = os.dup(1)
    os.dup2(2, 1)
    return ProgressEmitter(os.fdopen(protocol_fd, "w", buffering=1, encoding="utf-8"))
