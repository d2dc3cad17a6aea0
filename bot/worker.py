"""A work-queue worker: `make worker` runs `taskiq worker bot.worker:broker` (WORK_QUEUE_URL must be set).

Each worker process starts the services once (database, blob store, its worker pools, whose processes load the
models once) and one Bot of its own, and runs the tasks the bot replicas send (pipeline.queue: members' file
downloads from Telegram with QR decoding, booth fetches, photo analysis); any number of workers on any number of
machines may share one queue. The worker's Bot only downloads (getFile and the file's bytes): it sends nothing.

Operations (pipeline.queue_ops): each process serves /healthz, /readyz and /metrics on WORKER_HEALTH_PORT (the Nth
process of `--workers N` on port + N): tasks started, their time, failures, redeliveries, and the queue's depth.
SIGTERM: /readyz turns 503 at once, Taskiq stops taking tasks and waits for the running ones, then the deliveries
this process had fetched but not started are handed back to the stream for the other workers.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import signal
from types import FrameType
from typing import Any

from taskiq import TaskiqEvents, TaskiqState
from taskiq_redis import RedisStreamBroker
from telegram.ext import ExtBot
from telegram.request import HTTPXRequest

from bot.__main__ import configure_logging
from bot.app import READ_TIMEOUT_S
from bot.rate_limit import PostingRateLimiter
from handlers.telegram_files import BotFiles
from pipeline.queue import WorkQueue, make_broker
from pipeline.queue_ops import QueueDepth, TaskMetrics, WorkerOperations, hand_back, queue_depth
from pipeline.services import Services
from pipeline.settings import Settings
from vision.models import MODEL_DIR_ENV

log = logging.getLogger(__name__)
TELEGRAM_API, TELEGRAM_FILES = "https://api.telegram.org/bot", "https://api.telegram.org/file/bot"  # PTB's defaults

settings = Settings()
if settings.work_queue_url is None:
    raise SystemExit("WORK_QUEUE_URL is not set: without a work queue the bot analyses photos itself (make run)")
if settings.telegram_bot_token is None:
    raise SystemExit("TELEGRAM_BOT_TOKEN is not set: workers download the members' photos from Telegram")
if settings.model_dir:
    os.environ[MODEL_DIR_ENV] = str(settings.model_dir)  # the pool processes inherit it
broker = make_broker(settings).with_middlewares(TaskMetrics())
queue = WorkQueue(broker, settings.work_queue_wait_s)  # registers the task functions on this broker
operations = WorkerOperations()


def process_index() -> int:
    """Which of `taskiq worker --workers N`'s processes this is (Taskiq names them worker-0 … worker-N-1)."""
    name = multiprocessing.current_process().name
    suffix = name.rpartition("-")[2]
    return int(suffix) if name.startswith("worker-") and suffix.isdigit() else 0


def _stream(target: Any) -> RedisStreamBroker:
    assert isinstance(target, RedisStreamBroker), "WORK_QUEUE_URL makes a Redis stream broker"
    return target


def drain_on_signals() -> None:
    """Turn unready the moment a stop signal arrives (SIGTERM; Taskiq's process manager passes its own SIGTERM on
    as SIGINT), then let Taskiq's own handler stop the receiver."""
    for signum in (signal.SIGTERM, signal.SIGINT):
        previous = signal.getsignal(signum)

        def draining(number: int, frame: FrameType | None, previous: Any = previous) -> None:
            operations.draining = True
            if callable(previous):
                previous(number, frame)

        signal.signal(signum, draining)


def downloading_bot(settings: Settings) -> ExtBot[Any]:
    """This process's one Bot: the same token and Bot API server (BOT_API_BASE_URL, e.g. the emulator) as the
    replicas, 429s and failed reads retried as theirs are (bot.rate_limit); never initialised (no getMe): it only
    asks getFile. Its connections close with the process."""
    assert settings.telegram_bot_token is not None
    return ExtBot(
        settings.telegram_bot_token.get_secret_value(),
        base_url=settings.bot_api_base_url or TELEGRAM_API,
        base_file_url=settings.bot_api_base_file_url or TELEGRAM_FILES,
        request=HTTPXRequest(connection_pool_size=16, read_timeout=READ_TIMEOUT_S),  # PTB's default pool is 1
        rate_limiter=PostingRateLimiter(max_retries=3),
    )


@broker.on_event(TaskiqEvents.WORKER_STARTUP)
async def start_services(state: TaskiqState) -> None:
    configure_logging()
    services = await Services.start(settings, worker=True, files=BotFiles(downloading_bot(settings)))
    state.services, state.analyser = services, services.analyser
    state.intake = services.queue.broker.state.intake  # the intake's task bodies (pipeline.intake.IntakeWork)
    stream = _stream(broker)

    async def depth() -> QueueDepth:
        return await queue_depth(stream.connection_pool, stream.queue_name, stream.consumer_group_name)

    async def pool_alive() -> None:
        if not services.cpu.alive:
            raise RuntimeError("the analysis pool is not usable")

    operations.checks = {"database": services.db.ping, "queue": depth, "analysis_pool": pool_alive}
    operations.depth = depth
    drain_on_signals()
    if settings.worker_health_port:
        port = settings.worker_health_port + process_index()
        await operations.start(settings.webhook_listen, port)
        log.info("worker health and metrics on port %d", port)


@broker.on_event(TaskiqEvents.WORKER_SHUTDOWN)
async def stop_services(state: TaskiqState) -> None:
    operations.draining = True
    stream = _stream(broker)
    try:
        handed = await hand_back(
            stream.connection_pool, stream.queue_name, stream.consumer_group_name, stream.consumer_name
        )
        if handed:
            log.info("handed %d fetched task(s) back to the queue", handed)
    except Exception:
        log.exception("handing fetched tasks back failed; other workers take them after WORK_QUEUE_IDLE_S")
    await operations.stop()
    services: Services | None = getattr(state, "services", None)
    if services is not None:
        await services.close()
