"""Tasks for the worker-pool tests (module level: spawned workers import them by name)."""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path


def pid() -> int:
    return os.getpid()


def announce_then_sleep(started: str, seconds: float, result: str) -> str:
    """Say (by a file) that the task runs, then take `seconds`: a stand-in for a ten-second QR decode."""
    Path(started).write_text(str(os.getpid()))
    time.sleep(seconds)
    return result


def wait_for_file(path: str, result: str, limit_s: float = 60.0) -> str:
    """Busy until the test creates `path` (the heavy task the test controls; `limit_s` only guards a hung test)."""
    deadline = time.monotonic() + limit_s
    while not Path(path).exists() and time.monotonic() < deadline:
        time.sleep(0.01)
    return result


def die() -> None:
    os.kill(os.getpid(), signal.SIGKILL)


def niceness() -> int:
    return os.nice(0)


def thread_variables() -> dict[str, str | None]:
    return {name: os.environ.get(name) for name in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")}


def serve_a_pool_until_killed() -> None:
    """A parent process (`python -c`): starts a one-worker CpuPool, prints its worker's pid, then waits to be
    killed."""
    import asyncio
    import sys

    from pipeline.workers import CpuPool

    async def main() -> None:
        pool = CpuPool(1, name="orphan-test", niceness=5)
        print(await pool.run(pid), flush=True)
        await asyncio.sleep(600)

    asyncio.run(main())
    sys.exit(1)
