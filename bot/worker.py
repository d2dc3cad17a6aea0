"""A work-queue worker: `make worker` runs `taskiq worker bot.worker:broker` (WORK_QUEUE_URL must be set).

Each worker process starts the services once (database, blob store, its worker pools, whose processes load the
models once) and runs the tasks the bot replicas send (pipeline.queue: QR decoding, booth fetches,
photo analysis); any number of workers on any number of machines may share one queue. SIGTERM: Taskiq stops
taking tasks and waits for the running ones.
"""

from __future__ import annotations

import os

from taskiq import TaskiqEvents, TaskiqState

from bot.__main__ import configure_logging
from pipeline.queue import WorkQueue, make_broker
from pipeline.services import Services
from pipeline.settings import Settings
from vision.models import MODEL_DIR_ENV

settings = Settings()
if settings.work_queue_url is None:
    raise SystemExit("WORK_QUEUE_URL is not set: without a work queue the bot analyses photos itself (make run)")
if settings.model_dir:
    os.environ[MODEL_DIR_ENV] = str(settings.model_dir)  # the pool processes inherit it
broker = make_broker(settings)
queue = WorkQueue(broker, settings.work_queue_wait_s)  # registers the task functions on this broker


@broker.on_event(TaskiqEvents.WORKER_STARTUP)
async def start_services(state: TaskiqState) -> None:
    configure_logging()
    state.services = await Services.start(settings, worker=True)
    state.analyser = state.services.analyser
    state.intake = state.services.queue.broker.state.intake  # the intake's task bodies (pipeline.intake.IntakeWork)


@broker.on_event(TaskiqEvents.WORKER_SHUTDOWN)
async def stop_services(state: TaskiqState) -> None:
    services: Services | None = getattr(state, "services", None)
    if services is not None:
        await services.close()
