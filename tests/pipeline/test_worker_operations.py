"""A `make worker` process's operations, on a real Redis stream with real worker processes: its health server
(/healthz, /readyz, /metrics with the task and queue figures) and its graceful stop — SIGTERM turns it unready,
the task it runs finishes, and the tasks it had fetched but not started go back to the stream for the other
workers at once (not after WORK_QUEUE_IDLE_S)."""

from __future__ import annotations

import asyncio
import signal
import socket
import subprocess
from pathlib import Path

import aiohttp
from prometheus_client.parser import text_string_to_metric_families

from pipeline.queue import WorkQueue
from pipeline.queue_ops import QueueDepth, queue_depth
from pipeline.services import Services
from storage.albums import NewMedia
from storage.models import JobClaim
from tests.pipeline.test_work_queue import CHAT, TASKIQ, kill_hard, portrait, producer, queue_env, wait_for

__all__ = ["producer", "queue_env"]  # the fixtures, used here under their own names

ROOT = Path(__file__).resolve().parents[2]
ANALYSE = "choosecheese.analyse_photo"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def start_worker(env: dict[str, str], log: Path, port: int, *extra: str) -> subprocess.Popen[bytes]:
    # WORK_QUEUE_IDLE_S as the default: a long analysis is not claimed again meanwhile, and a handed-back task is
    # not explained by the idle reclaim.
    worker_env = env | {"WORKER_HEALTH_PORT": str(port), "WEBHOOK_LISTEN": "127.0.0.1", "WORK_QUEUE_IDLE_S": "600"}
    with log.open("ab") as out:
        return subprocess.Popen(
            [str(TASKIQ), "worker", "bot.worker:broker", "--workers", "1", "--shutdown-timeout", "30", *extra],
            cwd=ROOT,
            env=worker_env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )


async def get(port: int, path: str) -> tuple[int, str]:
    async with aiohttp.ClientSession() as http, http.get(f"http://127.0.0.1:{port}{path}") as response:
        return response.status, await response.text()


async def ready(port: int) -> bool:
    try:
        return (await get(port, "/readyz"))[0] == 200
    except aiohttp.ClientError:
        return False


def sample(text: str, name: str, **labels: str) -> float:
    for family in text_string_to_metric_families(text):
        for found in family.samples:
            if found.name == name and all(found.labels.get(k) == v for k, v in labels.items()):
                return float(found.value)
    raise AssertionError(f"{name} {labels} not in /metrics")


async def stored_photo(services: Services, seed: int) -> int:
    await services.albums.remember(chat_id=CHAT, chat_type="group", chat_title="G", user_id=1, first_name="A")
    data = portrait() + bytes([seed])  # another file each time (trailing bytes after the PNG's end are ignored)
    saved = await services.albums.save(CHAT, NewMedia(data=data, mime="image/png", sender_id=1))
    assert saved.photo.id is not None
    return saved.photo.id


async def test_a_worker_serves_health_and_the_queue_and_task_figures(
    producer: tuple[Services, WorkQueue], queue_env: dict[str, str], tmp_path: Path
) -> None:
    services, queue = producer
    photos = [await stored_photo(services, seed) for seed in range(3)]
    waiting = [asyncio.create_task(queue.analyse(photo_id)) for photo_id in photos]
    await wait_for(lambda: _waiting_are(queue, queue_env, 3), 30, "three tasks waiting with no worker yet")

    port = free_port()
    worker = start_worker(queue_env, tmp_path / "worker.log", port)
    try:
        await wait_for(lambda: ready(port), 180, "the worker to be ready")
        status, body = await get(port, "/healthz")
        assert status == 200 and "ok" in body
        assert all(await asyncio.wait_for(asyncio.gather(*waiting), 240)), "the three analyses ran on the worker"
        assert not await queue.analyse(10**9), "a photo that is not there: the task reports a failure"
        status, text = await get(port, "/metrics")
        assert status == 200
        assert sample(text, "choosecheese_tasks_received_total", task=ANALYSE) == 4
        assert sample(text, "choosecheese_task_seconds_count", task=ANALYSE) == 4
        assert sample(text, "choosecheese_task_failures_total", task=ANALYSE) == 1
        assert sample(text, "choosecheese_tasks_in_progress") == 0
        assert sample(text, "choosecheese_queue_stream_length") >= 4
        assert sample(text, "choosecheese_queue_waiting") == 0 and sample(text, "choosecheese_queue_pending") == 0
        assert sample(text, "choosecheese_photo_analysis_seconds_count") == 3, "the analyses of this worker"
    finally:
        kill_hard(worker)
    log = (tmp_path / "worker.log").read_text(errors="replace")
    assert "worker health and metrics on port" in log


async def _depth(queue: WorkQueue, queue_env: dict[str, str]) -> QueueDepth:
    """The queue's stream as a worker's /metrics reports it: tasks waiting, and fetched but not acknowledged."""
    prefix = queue_env["REDIS_KEY_PREFIX"]
    pool = queue.broker.connection_pool  # type: ignore[attr-defined]
    return await queue_depth(pool, f"{prefix}:tasks", f"{prefix}:workers")


async def _waiting_are(queue: WorkQueue, queue_env: dict[str, str], waiting: int) -> bool:
    return (await _depth(queue, queue_env)).waiting == waiting


async def test_sigterm_finishes_the_running_task_and_hands_back_the_fetched_ones(
    producer: tuple[Services, WorkQueue], queue_env: dict[str, str], tmp_path: Path
) -> None:
    services, queue = producer
    photos = [await stored_photo(services, seed) for seed in range(10, 14)]
    log = tmp_path / "workers.log"
    first_port, second_port = free_port(), free_port()
    results = [asyncio.create_task(queue.analyse(photo_id)) for photo_id in photos]
    await wait_for(lambda: _waiting_are(queue, queue_env, 4), 30, "four tasks in the stream before a worker starts")
    # One task at a time: the first runs, the others were fetched with it (one read takes up to WORK_QUEUE_FETCH).
    first = start_worker(queue_env | {"WORK_QUEUE_FETCH": "10"}, log, first_port, "--max-async-tasks", "1")
    second = None
    try:

        async def one_started() -> bool:
            async with services.db.session() as session:
                return any([await session.get(JobClaim, ("analyse", str(p))) for p in photos])

        await wait_for(one_started, 120, "the first worker to start an analysis")
        first.send_signal(signal.SIGTERM)  # `make worker`'s process manager passes it on to its process
        await wait_for(lambda: _unready(first_port), 10, "the worker to turn unready on SIGTERM")
        assert await asyncio.to_thread(first.wait, 120) == 0, "a clean exit after the running task"

        async def one_done() -> bool:
            return any(task.done() for task in results)

        await wait_for(one_done, 10, "the running task's result")
        await asyncio.sleep(0.5)
        finished = [task for task in results if task.done()]
        assert len(finished) == 1 and finished[0].result(), "the task it was running finished, and only that one"
        depth = await _depth(queue, queue_env)
        assert depth.pending == 0 and depth.waiting == 3, "the three fetched tasks are back in the stream"

        second = start_worker(queue_env, log, second_port)
        assert all(await asyncio.wait_for(asyncio.gather(*results), 200)), "another worker ran them (idle: 600 s)"
        for photo_id in photos:
            photo = await services.albums.get(photo_id)
            assert photo is not None and photo.analysed_at is not None and photo.analysis_attempts == 1
    finally:
        kill_hard(first)
        if second is not None:
            kill_hard(second)
    assert "handed 3 fetched task(s) back to the queue" in log.read_text(errors="replace")


async def _unready(port: int) -> bool:
    status, body = await get(port, "/readyz")
    return status == 503 and '"accepting": false' in body
