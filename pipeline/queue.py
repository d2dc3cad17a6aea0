"""The work queue: members' file downloads, QR decoding, booth fetches and photo analysis run as Taskiq tasks.

Why Taskiq (and not Celery): our code is asyncio from end to end — PTB, SQLAlchemy's async engine, aiohttp — and
Taskiq's producers (`await task.kiq()`), workers (an event loop per process, startup hooks per process) and result
waits are all async; Celery's client is synchronous (`apply_async` would block the bot's event loop or need a
thread), its prefork workers run sync functions, and its Redis transport re-runs tasks after a visibility timeout
anyway. Delivery is at least once in both, so every effect is idempotent on our side (claims, unique rows).

Two brokers, the same task functions:
- no WORK_QUEUE_URL (`make run`): Taskiq's `InMemoryBroker`, awaiting each task in place — the bot's own process
  does the work, as before, and nothing else has to run;
- `WORK_QUEUE_URL=redis://…`: a Redis stream (taskiq-redis) read by `make worker` processes (`taskiq worker
  bot.worker:broker`), each of which starts the services once — the models load once per worker pool process.
  A message is acknowledged after its task ran; one whose worker died (kill -9, OOM) is claimed by another worker
  (XAUTOCLAIM) after WORK_QUEUE_IDLE_S, the same time after which the photo's analysis claim lapses
  (pipeline.analysis), so the redelivered task analyses it. A live worker keeps the deliveries it holds fresh (an
  XCLAIM to itself every third of that time, until each is acknowledged), so a task that runs longer than
  WORK_QUEUE_IDLE_S (a hard QR strip, a busy machine) is not taken for a dead worker's and run twice. Results go to
  Redis for the bot to wait on.

Three tasks, each with effects that happen once however often it runs:
- `scan_upload`: a member's photo or document downloaded from Telegram within the size cap (getFile, then the bytes;
  pipeline.downloads, implemented in handlers.telegram_files), checked, its QR codes read, and — when it is a
  picture — put in the `incoming` blob store under the hash of its bytes named by the message, for the replica to
  read and delete. Run again, it downloads the same bytes into the same blob: nothing is filed, so a redelivered or
  taken-over task changes nothing but the CPU spent. The download is the task's first step, not a task of its own:
  one queue round trip per photo, and the bytes go from Telegram to the decoder without a blob store between;
- `file_booth_link`: a booth link's originals and videos downloaded (SafeFetcher) and filed in the chat's album —
  unique per chat and content, so a redelivered task files nothing twice and completes what a killed one left
  (the caller decides "already in the album" before it sends the task, so a rerun still reports the strip as new);
- `analyse_photo`: the photo is stored before the task is sent, its analysis is recorded once
  (FaceStore.record_analysis, under the photo's claim), the ledger has one row per photo.
Replies stay in the replicas (handlers.replies): workers send nothing to a chat; their Bot only downloads.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncGenerator, Awaitable, Callable
from typing import Annotated, Any, Protocol

from redis.asyncio import Redis
from taskiq import (
    AckableMessage,
    AsyncBroker,
    AsyncTaskiqDecoratedTask,
    AsyncTaskiqTask,
    Context,
    InMemoryBroker,
    TaskiqDepends,
)
from taskiq.exceptions import TaskiqResultTimeoutError
from taskiq_redis import RedisAsyncResultBackend, RedisStreamBroker

from pipeline.metrics import TASKS_REDELIVERED
from pipeline.queue_ops import renew
from pipeline.settings import Settings
from runtime.tasks import cancel_and_wait

log = logging.getLogger(__name__)

ANALYSE_TASK = "choosecheese.analyse_photo"
SCAN_TASK = "choosecheese.scan_upload"
BOOTH_TASK = "choosecheese.file_booth_link"
RESULT_TTL_S = 3600
IN_PROCESS_TASKS = 10_000  # the in-memory broker's own cap on tasks at once; the worker pools do the real queueing


class LocalAnalyser(Protocol):
    async def analyse_locally(self, photo_id: int) -> object | None: ...


class LocalIntake(Protocol):
    """The intake's task bodies (pipeline.intake.IntakeWork): JSON in, JSON out."""

    async def scan_locally(
        self, chat_id: int, message_id: int, file_id: str, declared_size: int | None
    ) -> dict[str, object]: ...

    async def file_link_locally(self, chat_id: int, sender_id: int | None, url: str) -> dict[str, object]: ...


class TaskFailed(RuntimeError):
    """A task raised, or no worker finished it within the wait."""


class ReclaimingStreamBroker(RedisStreamBroker):
    """taskiq-redis's stream broker, but
    - a worker also claims messages of dead workers when no new message came: upstream reclaims only after a read
      that returned something, so an idle queue would keep a killed worker's task pending until new work arrived;
    - a worker renews the deliveries it holds (running or fetched, not yet acknowledged) every third of the idle
      time, so only a dead worker's are claimed by others. taskiq-redis (1.2) has nothing of the kind: its advice
      for long tasks is a longer idle time or acknowledging on receipt, and either loses a killed worker's task for
      longer or for good."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.held: set[str] = set()  # delivered here, not yet acknowledged
        self._renewing: asyncio.Task[None] | None = None

    @property
    def renew_every_s(self) -> float:
        return self.idle_timeout / 1000 / 3

    async def renew_held(self) -> None:
        """One renewal of every delivery this worker holds; those it no longer owns are dropped from `held`."""
        if self.held:
            gone = await renew(
                self.connection_pool, self.queue_name, self.consumer_group_name, self.consumer_name, set(self.held)
            )
            self.held.difference_update(gone)

    async def _keep_renewing(self) -> None:
        while True:
            await asyncio.sleep(self.renew_every_s)
            try:
                await self.renew_held()
            except Exception as exc:  # Redis away for a moment: the next round tries again
                log.warning("renewing %d held work-queue deliveries failed: %s", len(self.held), exc)

    async def shutdown(self) -> None:
        """Stop renewing (Taskiq calls this after the running tasks ended), then hand back and close."""
        await cancel_and_wait(self._renewing)
        self._renewing = None
        await super().shutdown()

    async def listen(self) -> AsyncGenerator[AckableMessage, None]:
        if self._renewing is None:
            self._renewing = asyncio.create_task(self._keep_renewing())
        async with Redis(connection_pool=self.connection_pool) as redis:
            while True:
                fetched = await redis.xreadgroup(
                    self.consumer_group_name,
                    self.consumer_name,
                    {self.queue_name: ">"},
                    block=self.block,
                    noack=False,
                    count=self.count,
                )
                streams: list[tuple[bytes, list[tuple[bytes, dict[bytes, bytes]]]]] = fetched or []  # type: ignore[assignment]
                for _stream, messages in streams:
                    for message_id, message in messages:
                        yield self._ackable(message_id, message)
                _next, claimed, *_ = await redis.xautoclaim(
                    self.queue_name,
                    self.consumer_group_name,
                    self.consumer_name,
                    min_idle_time=self.idle_timeout,
                    count=self.unacknowledged_batch_size,
                )
                for message_id, message in claimed:
                    TASKS_REDELIVERED.inc()
                    yield self._ackable(message_id, message)

    def _ackable(self, message_id: bytes, message: dict[bytes, bytes]) -> AckableMessage:
        entry = message_id.decode()
        self.held.add(entry)
        return AckableMessage(data=message[b"data"], ack=self._acknowledging(entry))

    def _acknowledging(self, entry: str) -> Callable[[], Awaitable[None]]:
        ack = self._ack_generator(id=entry, queue_name=self.queue_name)

        async def acknowledge() -> None:
            try:
                await ack()
            finally:  # not renewed any more even when the XACK failed: another worker then runs it once more
                self.held.discard(entry)

        return acknowledge


def make_broker(settings: Settings) -> AsyncBroker:
    if settings.work_queue_url is None:
        return InMemoryBroker(await_inplace=True, max_async_tasks=IN_PROCESS_TASKS)
    url = settings.work_queue_url.get_secret_value()
    prefix = settings.redis_key_prefix
    broker = ReclaimingStreamBroker(
        url,
        queue_name=f"{prefix}:tasks",
        consumer_group_name=f"{prefix}:workers",
        idle_timeout=round(settings.work_queue_idle_s * 1000),
        xread_block=1000,
        xread_count=settings.work_queue_fetch,
    )
    return broker.with_result_backend(
        RedisAsyncResultBackend(url, result_ex_time=RESULT_TTL_S, prefix_str=f"{prefix}:results")
    )


async def analyse_photo_task(photo_id: int, context: Annotated[Context, TaskiqDepends()]) -> bool:
    """Analyse and file one stored photo (its faces, people, poses, moods; then the after-analysis hooks) in this
    process. True when its analysis is stored (now or before)."""
    analyser: LocalAnalyser = context.state.analyser
    return await analyser.analyse_locally(photo_id) is not None


async def scan_upload_task(
    chat_id: int,
    message_id: int,
    file_id: str,
    declared_size: int | None,
    context: Annotated[Context, TaskiqDepends()],
) -> dict[str, object]:
    """Download a member's file from Telegram within the size cap, check it and read its QR codes; the picture is
    left in the incoming blobs for the replica (its key in the result)."""
    intake: LocalIntake = context.state.intake
    return await intake.scan_locally(chat_id, message_id, file_id, declared_size)


async def file_booth_link_task(
    chat_id: int, sender_id: int | None, url: str, context: Annotated[Context, TaskiqDepends()]
) -> dict[str, object]:
    """Download a booth link's originals and videos and file them in the chat's album (once per content)."""
    intake: LocalIntake = context.state.intake
    return await intake.file_link_locally(chat_id, sender_id, url)


class WorkQueue:
    """The producer's side: send a task and wait for its outcome. `broker.state.analyser` and `broker.state.intake`
    must be set where the tasks run (the bot's process with the in-memory broker, each worker with Redis)."""

    def __init__(self, broker: AsyncBroker, wait_s: float = 600.0) -> None:
        self.broker, self.wait_s = broker, wait_s
        self._analyse: AsyncTaskiqDecoratedTask[[int], bool] = broker.register_task(
            analyse_photo_task,  # type: ignore[arg-type]  # the Context argument is filled in by Taskiq
            task_name=ANALYSE_TASK,
        )
        self._scan: AsyncTaskiqDecoratedTask[[int, int, str, int | None], dict[str, object]] = broker.register_task(
            scan_upload_task,  # type: ignore[arg-type]
            task_name=SCAN_TASK,
        )
        self._file_link: AsyncTaskiqDecoratedTask[[int, int | None, str], dict[str, object]] = broker.register_task(
            file_booth_link_task,  # type: ignore[arg-type]
            task_name=BOOTH_TASK,
        )

    @property
    def in_process(self) -> bool:
        return isinstance(self.broker, InMemoryBroker)

    async def scan(self, chat_id: int, message_id: int, file_id: str, declared_size: int | None) -> dict[str, object]:
        """A member's file downloaded, checked and its QR codes read by some worker
        (pipeline.intake.IntakeWork.scan_locally)."""
        return await self._outcome(await self._scan.kiq(chat_id, message_id, file_id, declared_size), SCAN_TASK)

    async def file_link(self, chat_id: int, sender_id: int | None, url: str) -> dict[str, object]:
        """A booth link filed by some worker (pipeline.intake.IntakeWork.file_link_locally)."""
        return await self._outcome(await self._file_link.kiq(chat_id, sender_id, url), BOOTH_TASK)

    async def _outcome(self, task: AsyncTaskiqTask[dict[str, object]], name: str) -> dict[str, object]:
        try:
            result = await task.wait_result(check_interval=0.1, timeout=self.wait_s)
        except TaskiqResultTimeoutError as exc:
            raise TaskFailed(f"{name}: no result within {self.wait_s:.0f} s") from exc
        if result.is_err or not isinstance(result.return_value, dict):
            raise TaskFailed(f"{name}: {result.error!r}") from result.error
        return result.return_value

    async def analyse(self, photo_id: int) -> bool:
        """The photo analysed by some worker (or this process); False when it failed or took longer than wait_s."""
        task = await self._analyse.kiq(photo_id)
        result = await task.wait_result(check_interval=0.1, timeout=self.wait_s)
        return not result.is_err and bool(result.return_value)
