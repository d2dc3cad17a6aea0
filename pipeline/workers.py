"""Process pools for CPU work (image decoding, QR, faces, pictures) so the event loop never stalls.

The bot runs two (pipeline.services): a heavy one for QR decoding, face analysis and clustering, and a small one for
the pictures members wait for (/rank, /album, /people, the annotated answer), so a picture never queues behind a
ten-second QR decode. A plain ProcessPoolExecutor is broken for good once one of its workers dies (killed by the
OOM killer, a crash in native code): CpuPool then starts a fresh executor and runs each task that was lost once
more; a task whose worker dies twice raises WorkerCrashed. On Linux the workers die with the process that started
them (a `kill -9`ed bot or work-queue worker leaves no idle pool processes behind). The heavy pool's workers run at
a lower CPU priority (`niceness`): on a machine with fewer cores than busy processes, the event loop answering commands
comes first.

A pool hands its executor at most one task per worker and keeps the rest in two lines of its own: work somebody is
waiting for before bulk work (pipeline.priority), and bulk work that began earlier first. The pictures' pool also draws
every photo's annotated answer, and during a burst of photos the chart of a /rank queued behind dozens of them in the
executor's first-come queue; now it waits for at most the one task each worker is running. A pool of two or more workers
also keeps one of them for such tasks (`people_reserve`, pipeline.services): bulk work never takes the last free worker,
so a chart starts at once.
"""

from __future__ import annotations

import asyncio
import heapq
import itertools
import logging
import multiprocessing
import os
from collections import deque
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from functools import partial
from typing import ParamSpec, TypeVar

from pipeline.metrics import POOL_QUEUE_DEPTH
from pipeline.priority import bulk_since
from runtime.processes import die_with_parent

P = ParamSpec("P")
R = TypeVar("R")

log = logging.getLogger(__name__)


# Native libraries that size their thread pools by the machine's cores when they load: YuNet (yuface) runs on
# OpenMP, numpy on OpenBLAS. A worker is one of several busy processes on those cores, and its OpenMP threads spun
# waiting for each other: face detection took 0.25-0.35 CPU-s a load strip instead of 0.04 (analysis 0.70 → 0.42).
# The pool's workers are the parallelism; an operator's own setting of these variables is kept.
THREAD_VARIABLES = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")


class WorkerCrashed(BrokenProcessPool):
    """A task's worker process died, and died again when the task was retried in a fresh pool."""


def _start_worker(niceness: int, parent_pid: int) -> None:
    """Worker initializer, run before any task imports a native library: dies with its parent, one thread per
    library (THREAD_VARIABLES), and a heavy pool's process yields the CPU to the bot's event loop (and to interactive
    pictures)."""
    die_with_parent(parent_pid)
    for name in THREAD_VARIABLES:
        os.environ.setdefault(name, "1")
    if niceness > 0:
        os.nice(niceness)


class CpuPool:
    def __init__(self, workers: int = 1, name: str = "cpu", niceness: int = 0, people_reserve: int = 0) -> None:
        """`people_reserve`: workers bulk work leaves free (at most all but one)."""
        self.workers, self.name, self.niceness = max(1, workers), name, niceness
        self.people_reserve = max(0, min(people_reserve, self.workers - 1))
        self.restarts = 0  # fresh executors started after a worker died
        self.closed = False
        self._depth = POOL_QUEUE_DEPTH.labels(pool=name)
        self._executor = self._new_executor()
        self._free = self.workers  # workers without a task from this pool
        self._people_line: deque[asyncio.Future[None]] = deque()
        # Oldest bulk work first (pipeline.priority.bulk_since), then first come.
        self._bulk_line: list[tuple[float, int, asyncio.Future[None]]] = []
        self._arrivals = itertools.count()

    @property
    def alive(self) -> bool:
        """Accepting work: not shut down (a broken executor is replaced on the next task, so it still counts)."""
        return not self.closed

    def _new_executor(self) -> ProcessPoolExecutor:
        # "spawn": the bot process runs threads (httpx, asyncio), and forking those is unsafe.
        return ProcessPoolExecutor(
            max_workers=self.workers,
            mp_context=multiprocessing.get_context("spawn"),
            initializer=_start_worker,
            initargs=(self.niceness, os.getpid()),
        )

    async def run(self, fn: Callable[P, R], *args: P.args, **kwargs: P.kwargs) -> R:
        """`fn(*args, **kwargs)` in a worker process, once a worker is free: tasks somebody waits for go first."""
        self._depth.inc()
        try:
            await self._turn(bulk_since())
            try:
                return await self._run(fn, *args, **kwargs)
            finally:
                self._pass_on()
        finally:
            self._depth.dec()

    @property
    def waiting(self) -> int:
        """Tasks waiting for a free worker."""
        bulk = (turn for _, _, turn in self._bulk_line)
        return sum(not turn.done() for turn in (*self._people_line, *bulk))

    async def _turn(self, since: float | None) -> None:
        """Wait for a free worker; `since`: when the bulk work asking began (None: somebody waits for it)."""
        if self._free > (self.people_reserve if since is not None else 0):
            self._free -= 1
            return
        turn = asyncio.get_running_loop().create_future()
        if since is None:
            self._people_line.append(turn)
        else:
            heapq.heappush(self._bulk_line, (since, next(self._arrivals), turn))
        try:
            await turn
        except asyncio.CancelledError:
            if turn.done() and not turn.cancelled():
                self._pass_on()  # the worker was handed over as this task was cancelled
            elif turn in self._people_line:
                self._people_line.remove(turn)
            raise  # a cancelled turn left in the bulk line is skipped when its time comes

    def _pass_on(self) -> None:
        """A worker is free: to the first task waiting (people's line first; bulk only while `people_reserve`
        workers stay free), else back to the free count."""
        while self._people_line:
            if _hand_over(self._people_line.popleft()):
                return
        while self._bulk_line and self._free >= self.people_reserve:
            if _hand_over(heapq.heappop(self._bulk_line)[2]):
                return
        self._free += 1

    async def _run(self, fn: Callable[P, R], *args: P.args, **kwargs: P.kwargs) -> R:
        loop = asyncio.get_running_loop()
        call = partial(fn, *args, **kwargs)
        executor = self._executor
        try:
            return await loop.run_in_executor(executor, call)
        except BrokenProcessPool:
            self._replace(executor)
        try:
            return await loop.run_in_executor(self._executor, call)
        except BrokenProcessPool as exc:
            self._replace(self._executor)
            raise WorkerCrashed(f"a {self.name} worker died twice running {getattr(fn, '__name__', fn)!r}") from exc

    def _replace(self, broken: ProcessPoolExecutor) -> None:
        """Every task of a broken executor fails at once: the first to notice starts the new one, the rest use it."""
        if self._executor is not broken:
            return
        log.warning("a %s worker process died; starting a fresh pool", self.name)
        broken.shutdown(wait=False, cancel_futures=True)
        self._executor = self._new_executor()
        self.restarts += 1

    def shutdown(self) -> None:
        self.closed = True
        self._executor.shutdown(wait=True, cancel_futures=True)


def _hand_over(turn: asyncio.Future[None]) -> bool:
    """Give the free worker to a waiting task; False when it stopped waiting (cancelled, its loop closed)."""
    if turn.done() or turn.get_loop().is_closed():
        return False
    turn.set_result(None)
    return True
