"""Child processes that do not outlive their parent."""

from __future__ import annotations

import ctypes
import logging
import os
import signal
import sys

log = logging.getLogger(__name__)

PR_SET_PDEATHSIG = 1  # <linux/prctl.h>


def die_with_parent(parent_pid: int | None = None) -> None:
    """Linux: this process gets SIGKILL when the process that started it dies (a `kill -9`ed bot or worker leaves no
    pool processes behind; a harness killed by a test's timeout leaves no bot behind). Kept across exec, so it also
    serves as a subprocess's `preexec_fn`. The kernel sends it when the starting *thread* ends: a pool's workers are
    started by `run_in_executor` in the event loop's thread. `parent_pid`: if the parent died before the signal was
    asked for, this process already has another parent, and exits at once."""
    if not sys.platform.startswith("linux"):
        return
    libc = ctypes.CDLL(None, use_errno=True)  # the process's own symbols, libc's prctl among them
    if libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL) != 0:
        log.warning("prctl(PR_SET_PDEATHSIG) failed: errno %d", ctypes.get_errno())
    elif parent_pid is not None and os.getppid() != parent_pid:
        os._exit(1)
