"""With a work queue on Redis, a member's photo is downloaded from Telegram by a worker process (the first step of
its `scan_upload` task, with the worker's own Bot), never by the replica that got the update; the replica's answers
stay the same: "saved", or the refusal of a file over the size cap. A worker killed in the middle of the download:
another takes the task over, and the photo is filed once and answered once."""

from __future__ import annotations

import os
import subprocess
import zlib
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import pytest
from telegram.ext import ExtBot

from bot.app import build_application, running_application
from pipeline.workers import CpuPool
from playground.emulator import BotApiEmulator
from tests.e2e.harness import TOKEN, Harness, emulator_settings, noisy_jpeg, text_of
from tests.pipeline.test_work_queue import ROOT, kill_hard, start_worker, wait_for

IDLE_S = 5  # the kill test: a killed worker's task is taken by another after this


@pytest.fixture
def replica_get_files(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every getFile this test's process (the replica) asks for; the workers are processes of their own."""
    asked: list[str] = []
    original = ExtBot.get_file

    async def recorded(self: ExtBot[Any], file_id: Any, *args: Any, **kwargs: Any) -> Any:
        asked.append(str(file_id))
        return await original(self, file_id, *args, **kwargs)

    monkeypatch.setattr(ExtBot, "get_file", recorded)
    return asked


@pytest.fixture
async def queued(
    request: pytest.FixtureRequest,
    tmp_path: Path,
    cpu_pool: CpuPool,
    picture_pool: CpuPool,
    redis_prefix: tuple[str, str],
) -> AsyncIterator[tuple[Harness, Callable[[], subprocess.Popen[bytes]]]]:
    """A replica (polling the emulator) whose intake's tasks go to Redis, and a way to start `make worker`
    processes on the same database, blobs, queue and Bot API server."""
    url, prefix = redis_prefix
    # WORK_QUEUE_IDLE_S as the default unless a test shortens it: a slow task is not claimed again meanwhile
    overrides: dict[str, Any] = {"work_queue_idle_s": 600} | getattr(request, "param", {})
    async with BotApiEmulator(token=TOKEN, privacy_mode=False) as emu:
        settings = emulator_settings(
            emu,
            tmp_path / "data",
            work_queue_url=url,
            redis_key_prefix=prefix,
            work_queue_wait_s=240,
            group_answers="each",
            **overrides,
        )
        env = {
            **os.environ,
            "DATA_DIR": str(settings.data_dir),
            "DATABASE_URL": settings.resolved_database_url,
            "WORK_QUEUE_URL": url,
            "REDIS_KEY_PREFIX": prefix,
            "ANALYSIS_WORKERS": "1",
            "PICTURE_WORKERS": "1",
            "WORKER_HEALTH_PORT": "0",
            "TELEGRAM_BOT_TOKEN": TOKEN,
            "BOT_API_BASE_URL": emu.base_url,
            "BOT_API_BASE_FILE_URL": emu.base_file_url,
            "PYTHONPATH": str(ROOT),
        } | {key.upper(): str(value) for key, value in overrides.items()}
        workers: list[subprocess.Popen[bytes]] = []

        def worker() -> subprocess.Popen[bytes]:
            workers.append(start_worker(env, tmp_path / "workers.log"))
            return workers[-1]

        app = build_application(settings, cpu=cpu_pool, pictures=picture_pool)
        try:
            async with running_application(app):
                yield Harness(emu, settings, app), worker
        finally:
            for process in workers:
                kill_hard(process)


def _private(harness: Harness) -> tuple[dict, dict]:
    user = harness.emu.create_user("Sam", language_code="en")
    return user, harness.emu.create_chat("private", user=user)


def _answers(harness: Harness, chat_id: int, message_id: int) -> list[str]:
    return [
        text_of(m)
        for m in harness.bot_messages(chat_id)
        if (m.message.get("reply_to_message") or {}).get("message_id") == message_id
    ]


async def test_a_photo_is_downloaded_by_the_worker_not_the_replica(
    queued: tuple[Harness, Callable[[], subprocess.Popen[bytes]]], replica_get_files: list[str]
) -> None:
    harness, worker = queued
    worker()
    user, chat = _private(harness)
    sent = await harness.emu.send_photo(chat["id"], user["id"], noisy_jpeg(31))
    reply = await harness.reply(chat["id"], predicate=lambda m: "Saved" in text_of(m), timeout=180)
    assert "Saved to the album" in text_of(reply)
    largest = sent["photo"][-1]["file_id"]
    assert [params["file_id"] for params in harness.emu.calls_to("getFile")] == [largest], "downloaded once"
    assert replica_get_files == [], "the replica asked Telegram for no file: the worker did"
    assert await harness.album_count(chat["id"]) == 1
    assert list(harness.services.intake.incoming.digests()) == [], "the replica read and removed the worker's blob"


@pytest.mark.parametrize("queued", [{"max_upload_mb": 1}], indirect=True)
async def test_a_file_over_the_cap_is_refused_by_the_worker_with_the_same_text(
    queued: tuple[Harness, Callable[[], subprocess.Popen[bytes]]], replica_get_files: list[str]
) -> None:
    harness, worker = queued
    worker()
    user, chat = _private(harness)
    big = noisy_jpeg(32, size=(1600, 1200)) + zlib.compress(b"")
    assert len(big) > 1024 * 1024
    # No size in the update (the Bot API leaves it optional): only the worker's getFile and download can tell.
    await harness.emu.send_document(chat["id"], user["id"], big, "big.jpg", "image/jpeg", declare_size=False)
    reply = await harness.reply(chat["id"], timeout=180)
    assert "too big" in text_of(reply) and "1 MB" in text_of(reply)
    assert len(harness.emu.calls_to("getFile")) == 1 and replica_get_files == []
    assert await harness.album_count(chat["id"]) == 0
    assert harness.stored_files() == [] and list(harness.services.intake.incoming.digests()) == []


async def test_a_download_that_fails_on_the_worker_gets_the_busy_answer_as_before(
    queued: tuple[Harness, Callable[[], subprocess.Popen[bytes]]], replica_get_files: list[str]
) -> None:
    harness, worker = queued
    harness.emu.inject_fault("getFile", kind="500", count=5)  # more than the worker Bot's resends (bot.rate_limit)
    worker()
    user, chat = _private(harness)
    await harness.emu.send_photo(chat["id"], user["id"], noisy_jpeg(34))
    reply = await harness.reply(chat["id"], timeout=180)
    assert text_of(reply) == "Telegram is busy right now. Please try again shortly."
    assert len(harness.emu.calls_to("getFile")) == 5 and replica_get_files == []
    assert await harness.album_count(chat["id"]) == 0


@pytest.mark.parametrize("queued", [{"work_queue_idle_s": IDLE_S}], indirect=True)
async def test_a_worker_killed_mid_download_is_taken_over_and_the_photo_filed_and_answered_once(
    queued: tuple[Harness, Callable[[], subprocess.Popen[bytes]]], replica_get_files: list[str]
) -> None:
    harness, worker = queued
    emu = harness.emu
    emu.inject_fault("getFile", kind="slow", count=1, delay=60)  # the first worker's getFile hangs…
    first = worker()
    user, chat = _private(harness)
    sent = await emu.send_photo(chat["id"], user["id"], noisy_jpeg(33))

    async def downloading() -> bool:
        return len(emu.calls_to("getFile")) == 1

    await wait_for(downloading, 120, "the first worker to start the download")
    kill_hard(first)  # … and the worker dies inside it
    worker()
    reply = await harness.reply(chat["id"], predicate=lambda m: "Saved" in text_of(m), timeout=240)
    assert "Saved to the album" in text_of(reply)
    await harness.settled(quiet_s=IDLE_S + 2, timeout=120)  # a second answer would show by now
    # downloaded again by the worker that took the task over (delivery is at least once: what must hold is below)
    assert len(emu.calls_to("getFile")) >= 2
    assert replica_get_files == []
    assert _answers(harness, chat["id"], sent["message_id"]) == [text_of(reply)], "answered once"
    assert await harness.album_count(chat["id"]) == 1, "filed once"
    assert len(harness.stored_files()) == 1
