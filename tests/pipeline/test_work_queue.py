"""The work queue (pipeline.queue): the in-process broker `make run` uses, and a real Redis stream with worker
processes, one of them killed (kill -9) in the middle of a task: the task is run again by another worker and its
effects — the faces recorded, the ledger's row — happen exactly once. A live worker's task that runs longer than
WORK_QUEUE_IDLE_S is not taken from it."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import suppress
from pathlib import Path

import pytest
from redis.asyncio import Redis
from sqlmodel import col, func, select
from taskiq import AckableMessage

from pipeline.queue import ReclaimingStreamBroker, WorkQueue, make_broker
from pipeline.services import Services
from pipeline.settings import Settings
from storage.albums import NewMedia
from storage.db import Database
from storage.models import Face, JobClaim, Photo, Pledge
from vision.models import model_path

CHAT = -4242
ROOT = Path(__file__).resolve().parents[2]
TASKIQ = Path(sys.executable).with_name("taskiq")


def portrait() -> bytes:
    """One real face (the pinned public-domain sample portrait), so the analysis has something to record."""
    return model_path("sample_portrait").read_bytes()


async def test_make_run_analyses_through_the_same_task_in_process(tmp_path: Path, cpu_pool: object) -> None:
    settings = Settings(_env_file=None, data_dir=tmp_path, telegram_bot_token="1:x")
    services = await Services.start(settings, cpu=cpu_pool)  # type: ignore[arg-type]
    try:
        assert services.queue.in_process and services.analyser.queue is services.queue
        await services.albums.remember(chat_id=CHAT, chat_type="group", chat_title="G", user_id=1, first_name="A")
        saved = await services.albums.save(CHAT, NewMedia(data=portrait(), mime="image/png", sender_id=1))
        assert saved.photo.id is not None
        sent: list[int] = []
        original = services.queue.analyse

        async def counted(photo_id: int) -> bool:
            sent.append(photo_id)
            return await original(photo_id)

        services.queue.analyse = counted  # type: ignore[method-assign]
        filed = await services.analyser.analyse_and_file(saved.photo.id)
        assert sent == [saved.photo.id], "the photo went through the Taskiq task"
        assert filed is not None and filed.fresh and len(filed.faces) == 1
    finally:
        await services.close()


@pytest.fixture
def queue_env(tmp_path: Path, redis_prefix: tuple[str, str]) -> Iterator[dict[str, str]]:
    url, prefix = redis_prefix
    yield {
        **os.environ,
        "DATA_DIR": str(tmp_path / "data"),
        "DATABASE_URL": f"sqlite:///{tmp_path / 'data' / 'bot.sqlite3'}",
        "WORK_QUEUE_URL": url,
        "REDIS_KEY_PREFIX": prefix,
        "WORK_QUEUE_IDLE_S": "3",
        "ANALYSIS_WORKERS": "1",
        "PICTURE_WORKERS": "1",
        "TELEGRAM_BOT_TOKEN": "1:x",
        "PYTHONPATH": str(ROOT),
    }


def start_worker(env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    """`make worker`'s command, in a session of its own so that kill -9 reaches its pool processes too."""
    with log.open("ab") as out:
        return subprocess.Popen(
            [str(TASKIQ), "worker", "bot.worker:broker", "--workers", "1", "--shutdown-timeout", "5"],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )


def kill_hard(worker: subprocess.Popen[bytes]) -> None:
    if worker.poll() is None:
        os.killpg(worker.pid, signal.SIGKILL)
    worker.wait(10)


@pytest.fixture
async def producer(queue_env: dict[str, str]) -> AsyncIterator[tuple[Services, WorkQueue]]:
    settings = Settings(
        _env_file=None,
        data_dir=Path(queue_env["DATA_DIR"]),
        database_url=queue_env["DATABASE_URL"],
        work_queue_url=queue_env["WORK_QUEUE_URL"],
        redis_key_prefix=queue_env["REDIS_KEY_PREFIX"],
        work_queue_idle_s=3,
        work_queue_wait_s=240,
        telegram_bot_token="1:x",
    )
    services = await Services.start(settings)
    assert not services.queue.in_process
    yield services, services.queue
    await services.close()


async def wait_for(check: object, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if await check():  # type: ignore[operator]
            return
        await asyncio.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


async def test_a_task_killed_mid_way_is_run_again_and_its_effects_happen_once(
    producer: tuple[Services, WorkQueue], queue_env: dict[str, str], tmp_path: Path
) -> None:
    services, queue = producer
    db: Database = services.db
    await services.albums.remember(chat_id=CHAT, chat_type="group", chat_title="G", user_id=1, first_name="A")
    await services.ledger.set_rule(CHAT, won_per_point=10, weekly_cap_won=None, by=1)
    saved = await services.albums.save(CHAT, NewMedia(data=portrait(), mime="image/png", sender_id=1))
    photo_id = saved.photo.id
    assert photo_id is not None
    log = tmp_path / "workers.log"

    async def claimed() -> bool:
        async with db.session() as session:
            return (await session.get(JobClaim, ("analyse", str(photo_id)))) is not None

    async def analysed() -> bool:
        async with db.session() as session:
            photo = await session.get(Photo, photo_id)
            return photo is not None and photo.analysed_at is not None

    first = start_worker(queue_env, log)
    second = None
    try:
        result = asyncio.create_task(queue.analyse(photo_id))
        await wait_for(claimed, 120, "the first worker to start the analysis")
        kill_hard(first)  # mid-way: the analysis had started (its claim is taken), nothing was recorded yet
        assert not await analysed(), "killed before the analysis was recorded"
        second = start_worker(queue_env, log)
        assert await asyncio.wait_for(result, 200), "the task ran again on the second worker"
        again = await queue.analyse(photo_id)  # a duplicate delivery changes nothing either
        assert again
    finally:
        kill_hard(first)
        if second is not None:
            second.send_signal(signal.SIGTERM)
            try:
                second.wait(30)
            except subprocess.TimeoutExpired:
                kill_hard(second)

    async with db.session() as session:
        faces = (await session.exec(select(func.count()).select_from(Face).where(col(Face.photo_id) == photo_id))).one()
        pledges = (
            await session.exec(select(func.count()).select_from(Pledge).where(col(Pledge.photo_id) == photo_id))
        ).one()
    assert faces == 1, "the portrait's one face, recorded once"
    assert pledges == 1, "one ledger row for the photo"
    redis = Redis.from_url(queue_env["WORK_QUEUE_URL"])
    try:
        pending = await redis.xpending(
            f"{queue_env['REDIS_KEY_PREFIX']}:tasks", f"{queue_env['REDIS_KEY_PREFIX']}:workers"
        )
    finally:
        await redis.aclose()
    assert pending["pending"] == 0, "every delivery was acknowledged in the end"


IDLE_S = 0.6


@pytest.fixture
async def two_workers(redis_prefix: tuple[str, str]) -> AsyncIterator[tuple[ReclaimingStreamBroker, ...]]:
    """Two consumers of one stream with a short idle time, as two worker processes have."""
    url, prefix = redis_prefix
    settings = Settings(
        _env_file=None, work_queue_url=url, redis_key_prefix=prefix, work_queue_idle_s=IDLE_S, telegram_bot_token="1:x"
    )
    brokers = [make_broker(settings) for _ in range(2)]
    for broker in brokers:
        assert isinstance(broker, ReclaimingStreamBroker)
        await broker.startup()
    yield tuple(brokers)  # type: ignore[misc]
    for broker in brokers:
        await broker.shutdown()


async def collect(broker: ReclaimingStreamBroker, into: list[AckableMessage]) -> None:
    async for message in broker.listen():
        into.append(message)


async def pending_owners(broker: ReclaimingStreamBroker) -> list[str]:
    async with Redis(connection_pool=broker.connection_pool) as redis:
        entries = await redis.xpending_range(broker.queue_name, broker.consumer_group_name, min="-", max="+", count=10)
    return [entry["consumer"].decode() for entry in entries]


async def test_a_live_workers_long_task_is_not_claimed_but_a_stopped_workers_is(
    two_workers: tuple[ReclaimingStreamBroker, ReclaimingStreamBroker],
) -> None:
    first, second = two_workers
    got_first: list[AckableMessage] = []
    got_second: list[AckableMessage] = []
    async with Redis(connection_pool=first.connection_pool) as redis:
        await redis.xadd(first.queue_name, {"data": b"a long scan"})
    reading = asyncio.create_task(collect(first, got_first))

    async def delivered_to(got: list[AckableMessage]) -> bool:
        return bool(got)

    await wait_for(lambda: delivered_to(got_first), 10, "the first worker to take the task")
    reading.cancel()  # it reads nothing more; the task it holds "runs" on
    with suppress(asyncio.CancelledError):
        await reading
    claiming = asyncio.create_task(collect(second, got_second))
    try:
        await asyncio.sleep(IDLE_S * 5)  # the second worker reads and looks for idle deliveries all along
        assert got_second == [], "a running task's delivery was claimed from its live worker"
        assert await pending_owners(first) == [first.consumer_name]

        await first.shutdown()  # the first worker stops renewing (as a killed one does): its task is taken over
        await wait_for(lambda: delivered_to(got_second), IDLE_S * 10, "the second worker to claim it")
        assert got_second[0].data == b"a long scan"
        assert await pending_owners(first) == [second.consumer_name]
        await first.renew_held()  # a renewal after the takeover leaves the entry with its new owner
        assert await pending_owners(first) == [second.consumer_name] and not first.held
        await got_second[0].ack()  # type: ignore[misc]
        assert await pending_owners(first) == [] and not second.held
    finally:
        claiming.cancel()
        with suppress(asyncio.CancelledError):
            await claiming
