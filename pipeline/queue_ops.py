"""Operations of a work-queue worker (`make worker`): what it counts and what its health server says.

- `TaskMetrics`, a Taskiq middleware: tasks started, their wall time, failures (raised, or returned False: the
  photo could not be analysed), tasks running now. Taskiq ships a PrometheusMiddleware, but it is not used: it sets
  PROMETHEUS_MULTIPROC_DIR for the whole process (every other metric of ours would then be written to files in
  /tmp that outlive the worker and add up across restarts), its names have no prefix (`found_errors`), and it runs
  its own HTTP server with no health checks. Ours counts into the same registry as the rest of the process.
- `queue_depth`: the Redis stream's length, the tasks not yet delivered to any worker (the consumer group's lag: the
  backlog that more workers would shrink) and the tasks delivered but not acknowledged (running, or held by a worker
  that died until another claims them), read at each scrape.
- `renew`: a live worker's deliveries kept fresh (pipeline.queue.ReclaimingStreamBroker calls it every third of
  WORK_QUEUE_IDLE_S), so only a dead worker's are claimed by others.
- `WorkerOperations`: /healthz, /readyz (database, Redis, the analysis pool, not shutting down) and /metrics on an
  aiohttp server of the worker's own (WORKER_HEALTH_PORT; the Nth process of `--workers N` on port + N).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from redis.asyncio import ConnectionPool, Redis
from taskiq import TaskiqMessage, TaskiqMiddleware, TaskiqResult

from pipeline.metrics import (
    QUEUE_LENGTH,
    QUEUE_PENDING,
    QUEUE_WAITING,
    TASK_FAILURES,
    TASK_SECONDS,
    TASKS_IN_PROGRESS,
    TASKS_RECEIVED,
)

log = logging.getLogger(__name__)
CHECK_TIMEOUT_S = 2.0


class TaskMetrics(TaskiqMiddleware):
    """Counts every task this worker runs into pipeline.metrics."""

    def __init__(self) -> None:
        super().__init__()
        self._started: dict[str, float] = {}

    def pre_execute(self, message: TaskiqMessage) -> TaskiqMessage:
        TASKS_RECEIVED.labels(message.task_name).inc()
        TASKS_IN_PROGRESS.inc()
        self._started[message.task_id] = time.monotonic()
        return message

    def post_execute(self, message: TaskiqMessage, result: TaskiqResult[Any]) -> None:
        self._finished(message)
        if result.is_err or result.return_value is False:
            TASK_FAILURES.labels(message.task_name).inc()

    def _finished(self, message: TaskiqMessage) -> None:
        started = self._started.pop(message.task_id, None)
        if started is not None:
            TASKS_IN_PROGRESS.dec()
            TASK_SECONDS.labels(message.task_name).observe(time.monotonic() - started)


@dataclass(frozen=True)
class QueueDepth:
    length: int  # entries in the stream (acknowledged ones stay until trimmed)
    waiting: int  # not yet delivered to any worker of the group
    pending: int  # delivered, not acknowledged


async def queue_depth(pool: ConnectionPool, stream: str, group: str) -> QueueDepth:
    """The stream's figures, also set on the gauges of pipeline.metrics."""
    async with Redis(connection_pool=pool) as redis:
        length = int(await redis.xlen(stream))
        groups = await redis.xinfo_groups(stream) if length or await redis.exists(stream) else []
    found = next((g for g in groups if _text(g.get("name")) == group), None)
    waiting = int(found.get("lag") or 0) if found is not None else length  # no group yet: nothing was read
    pending = int(found.get("pending") or 0) if found is not None else 0
    QUEUE_LENGTH.set(length)
    QUEUE_WAITING.set(waiting)
    QUEUE_PENDING.set(pending)
    return QueueDepth(length, waiting, pending)


async def hand_back(pool: ConnectionPool, stream: str, group: str, consumer: str) -> int:
    """Give back every delivery this consumer still holds (a shutting-down worker's prefetched tasks, which it never
    started): each is added to the stream again and acknowledged in one transaction, so another worker takes it at
    once instead of after WORK_QUEUE_IDLE_S. Call it only once no task runs here any more. How many went back."""
    handed = 0
    async with Redis(connection_pool=pool) as redis:
        held = await redis.xpending_range(stream, group, min="-", max="+", count=10_000, consumername=consumer)
        for entry in held:
            # Taken back to this consumer first: a message another worker claimed meanwhile is not doubled.
            claimed: list[tuple[bytes, dict[bytes, bytes]]] = await redis.xclaim(  # type: ignore[assignment]
                stream, group, consumer, 0, [entry["message_id"]]
            )
            for message_id, fields in claimed:
                async with redis.pipeline(transaction=True) as pipe:
                    pipe.xadd(stream, dict(fields.items()))
                    pipe.xack(stream, group, message_id)
                    await pipe.execute()
                handed += 1
    return handed


# KEYS[1] the stream; ARGV: group, consumer, ids. Returns the ids the consumer no longer owns.
RENEW_SCRIPT = """
local gone = {}
for i = 3, #ARGV do
  local held = redis.call('XPENDING', KEYS[1], ARGV[1], ARGV[i], ARGV[i], 1)
  if held[1] and held[1][2] == ARGV[2] then
    redis.call('XCLAIM', KEYS[1], ARGV[1], ARGV[2], 0, ARGV[i], 'JUSTID')
  else
    table.insert(gone, ARGV[i])
  end
end
return gone
"""


async def renew(pool: ConnectionPool, stream: str, group: str, consumer: str, held: Iterable[str]) -> set[str]:
    """Reset the idle time of the deliveries this consumer still owns (an XCLAIM to itself, JUSTID: the delivery
    count stays), so no other worker claims them as a dead worker's. Those it no longer owns — acknowledged, or
    claimed by another worker after a renewal came too late — are left alone: a plain XCLAIM would take an entry back
    from the worker now running it, hence the owner check, atomic with the claim. The ids no longer owned."""
    ids = sorted(held)
    if not ids:
        return set()
    async with Redis(connection_pool=pool) as redis:
        gone = await redis.eval(RENEW_SCRIPT, 1, stream, group, consumer, *ids)
    return {_text(entry) for entry in gone}


def _text(value: object) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)


Check = Callable[[], Awaitable[object]]


@dataclass
class WorkerOperations:
    """The worker's health server. `checks` are run by /readyz; `depth` refreshes the queue gauges before /metrics."""

    checks: dict[str, Check] = field(default_factory=dict)
    depth: Callable[[], Awaitable[QueueDepth]] | None = None
    draining: bool = False  # set on SIGTERM: the worker finishes its running tasks and takes no new ones
    _runner: web.AppRunner | None = None

    async def healthz(self, _request: web.Request) -> web.Response:
        return web.json_response({"status": "ok"})

    async def readyz(self, _request: web.Request) -> web.Response:
        found = {"accepting": not self.draining}
        for name, check in self.checks.items():
            found[name] = await _passes(name, check)
        ready = all(found.values())
        body = {"status": "ready" if ready else "unready", "checks": found}
        return web.json_response(body, status=200 if ready else 503)

    async def metrics(self, _request: web.Request) -> web.Response:
        if self.depth is not None:
            try:
                await asyncio.wait_for(self.depth(), CHECK_TIMEOUT_S)
            except Exception as exc:  # the other metrics are still worth a scrape
                log.warning("reading the work queue's depth failed: %s", exc)
        return web.Response(body=generate_latest(), headers={"Content-Type": CONTENT_TYPE_LATEST})

    async def start(self, host: str, port: int) -> None:
        """Serve on host:port."""
        server = web.Application()
        server.router.add_get("/healthz", self.healthz)
        server.router.add_get("/readyz", self.readyz)
        server.router.add_get("/metrics", self.metrics)
        self._runner = web.AppRunner(server, access_log=None)
        await self._runner.setup()
        await web.TCPSite(self._runner, host, port).start()

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None


async def _passes(name: str, check: Check) -> bool:
    try:
        await asyncio.wait_for(check(), CHECK_TIMEOUT_S)
    except Exception as exc:  # any failure means not ready; the reason goes to the log
        log.warning("worker readiness check %s failed: %s", name, exc)
        return False
    return True
