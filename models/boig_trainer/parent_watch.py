"""Die with the parent: a trainer whose worker was SIGKILLed must not keep writing its run dir
while the resumed attempt of the same job trains there (Linux prctl PR_SET_PDEATHSIG)."""
import ctypes
import ctypes.util
import os
import signal
import sys

PR_SET_PDEATHSIG = 1


def die_with_parent() -> None:
    """Ask the kernel to SIGTERM us when the launching process exits (graceful: checkpoint, exit 143)."""
    if not sys.platform.startswith("linux") or os.environ.get("BOIG_TRAINER_DIE_WITH_PARENT", "1") != "1":
        return
    parent = os.getppid()
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGTERM)
    except OSError:
        return
    if os.getppid() != parent:  # the parent died before prctl took effect
        os.kill(os.getpid(), signal.SIGTERM)
