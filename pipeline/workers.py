"""Process pools for CPU work (image decoding, QR, faces, pictures) so the event loop never stalls.

The bot runs two (pipeline.services): a heavy one for QR decoding, face analysis and clustering, and a small one for
the pictures members wait for (/rank, /album, /people, the annotated answer), so a picture never queues behind a
ten-second QR decode. A plain ProcessPoolExecutor is broken for good once one of its workers dies (killed by the
OOM killer, a crash in native code): CpuPool then starts a fresh executor and runs each task that was lost once
more; a task whose worker dies twice raises WorkerCrashed. The heavy pool's workers run at a lower CPU priority
(`niceness`): on a machine with fewer cores than busy processes, the event loop answering commands comes first.
"""

from __future__ import annotations

import asyncio
import logging
import multiprocessing
import os
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from functools import partial
from typing import ParamSpec, TypeVar

from pipeline.metrics import POOL_QUEUE_DEPTH

P = ParamSpec("P")
R = TypeVar("R")

log = logging.getLogger(__name__)


class WorkerCrashed(BrokenProcessPool):
    """A task's worker process died, and died again when the task was retried in a fresh pool."""


def _lower_priority(niceness: int) -> None:
    """Worker initializer: this process yields the CPU to the bot's event loop (and to interactive pictures)."""
    if niceness > 0:
        os.nice(niceness)


class CpuPool:
    def __init__(self, workers: int = 1, name: str = "cpu", niceness: int = 0) -> None:
        self.workers, self.name, self.niceness = max(1, workers), name, niceness
        self.restarts = 0  # fresh executors started after a worker died
        self.closed = False
        self._depth = POOL_QUEUE_DEPTH.labels(pool=name)
        self._executor = self._new_executor()

    @property
    def alive(self) -> bool:
        """Accepting work: not shut down (a broken executor is replaced on the next task, so it still counts)."""
        return not self.closed

    def _new_executor(self) -> ProcessPoolExecutor:
        # "spawn": the bot process runs threads (httpx, asyncio), and forking those is unsafe.
        return ProcessPoolExecutor(
            max_workers=self.workers,
            mp_context=multiprocessing.get_context("spawn"),
            initializer=_lower_priority,
            initargs=(self.niceness,),
        )

    async def run(self, fn: Callable[P, R], *args: P.args, **kwargs: P.kwargs) -> R:
        self._depth.inc()
        try:
            return await self._run(fn, *args, **kwargs)
        finally:
            self._depth.dec()

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
