"""Webhook mode as several replicas behind a load balancer: an update Telegram re-sends to another replica is
handled once (claims in the database); an update a dead replica held is handled by another; the operations
endpoints; a shutdown that finishes what it took."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack
from datetime import timedelta
from pathlib import Path
from typing import Any

import aiohttp
import asyncpg
import pytest
from prometheus_client import REGISTRY
from sqlmodel import col, select

from bot.app import build_application
from bot.webhook import SECRET_HEADER, running_webhook
from pipeline.settings import Settings
from pipeline.workers import CpuPool
from playground.emulator import BotApiEmulator
from storage.db import Database
from storage.models import SeenUpdate
from storage.seen_updates import SeenUpdates
from tests.e2e.harness import TOKEN, emulator_settings, raw_command_update, text_of

SECRET = "replica_secret-1"
HOOK = "/telegram-hook"


def replica_settings(emu: BotApiEmulator, data_dir: Path, database_url: str, **extra: Any) -> Settings:
    return emulator_settings(
        emu,
        data_dir,
        database_url=database_url,
        webhook_url=f"https://bot.example{HOOK}",
        webhook_listen="127.0.0.1",
        webhook_secret=SECRET,
        weekly_post_check_s=0,
        digest_check_s=0,
        **extra,
    )


def metric(name: str, **labels: str) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


@pytest.fixture
async def emu() -> AsyncIterator[BotApiEmulator]:
    async with BotApiEmulator(token=TOKEN, privacy_mode=False) as emulator:
        yield emulator


async def test_two_replicas_handle_a_resent_update_once(
    emu: BotApiEmulator,
    tmp_path: Path,
    database_url: str,
    cpu_pool: CpuPool,
    picture_pool: CpuPool,
) -> None:
    settings = replica_settings(emu, tmp_path / "data", database_url)
    update, chat_id = raw_command_update(emu, 7001, "/album")
    duplicates_before = metric("choosecheese_updates_duplicate_total")
    async with AsyncExitStack() as stack:
        ports = [
            await stack.enter_async_context(
                running_webhook(build_application(settings, cpu=cpu_pool, pictures=picture_pool), settings, port=0)
            )
            for _ in range(2)
        ]
        http = await stack.enter_async_context(aiohttp.ClientSession())
        first, second = (f"http://127.0.0.1:{port}{HOOK}" for port in ports)

        refused = await http.post(first, json=update, headers={SECRET_HEADER: "wrong"})
        assert refused.status == 403
        assert metric("choosecheese_updates_duplicate_total") == duplicates_before

        accepted = await http.post(first, json=update, headers={SECRET_HEADER: SECRET})
        resent = await http.post(second, json=update, headers={SECRET_HEADER: SECRET})
        again = await http.post(first, json=update, headers={SECRET_HEADER: SECRET})
        assert (accepted.status, resent.status, again.status) == (200, 200, 200)
        assert metric("choosecheese_updates_duplicate_total") == duplicates_before + 2

        reply = await emu.wait_for_bot_message(chat_id, timeout=20)
        assert "empty" in text_of(reply)  # the refused post with the same update_id claimed nothing
        other, other_chat = raw_command_update(emu, 7002, "/help")
        assert (await http.post(second, json=other, headers={SECRET_HEADER: SECRET})).status == 200
        await emu.wait_for_bot_message(other_chat, timeout=20)  # a later update went through: the first is done
    assert len(emu.bot_messages(chat_id)) == 1


async def test_an_update_a_dead_replica_held_is_handled_by_another_once(
    emu: BotApiEmulator, tmp_path: Path, database_url: str, cpu_pool: CpuPool, picture_pool: CpuPool
) -> None:
    settings = replica_settings(emu, tmp_path / "data", database_url, update_lease_s=1.0)
    held, held_chat = raw_command_update(emu, 7101, "/album")  # block=False: handled in a task of its own
    fresh, fresh_chat = raw_command_update(emu, 7102, "/help")
    app = build_application(settings, cpu=cpu_pool, pictures=picture_pool)
    async with running_webhook(app, settings, port=0) as port, aiohttp.ClientSession() as http:
        bot_id = app.bot.id
        dead = SeenUpdates(Database(settings.database_url), owner="killed-replica", lease=timedelta(seconds=0.5))
        try:
            assert await dead.claim(bot_id, 7101, held)  # accepted (200) by a replica killed before handling it
        finally:
            await dead.db.dispose()
        posted = await http.post(f"http://127.0.0.1:{port}{HOOK}", json=fresh, headers={SECRET_HEADER: SECRET})
        assert posted.status == 200
        await emu.wait_for_bot_message(fresh_chat, timeout=20)
        reply = await emu.wait_for_bot_message(held_chat, timeout=20)  # the sweep took it over
        assert "empty" in text_of(reply)
        resent = await http.post(f"http://127.0.0.1:{port}{HOOK}", json=held, headers={SECRET_HEADER: SECRET})
        assert resent.status == 200  # Telegram's late re-send: already taken
        seen = app.bot_data.services.db if app.bot_data.services else None
        assert seen is not None
        for _ in range(50):  # the claim is cleared just after the handler's task returned (after its send)
            async with seen.session() as session:
                held_rows = (
                    await session.exec(select(SeenUpdate).where(col(SeenUpdate.lease_until).is_not(None)))
                ).all()
            if not held_rows:
                break
            await asyncio.sleep(0.1)
        assert held_rows == []  # both handled to the end (the /album task included): nothing left to take over
    assert len(emu.bot_messages(held_chat)) == 1 and len(emu.bot_messages(fresh_chat)) == 1


async def test_a_press_a_dead_replica_held_is_answered_inside_telegrams_window(
    emu: BotApiEmulator, tmp_path: Path, database_url: str, cpu_pool: CpuPool, picture_pool: CpuPool
) -> None:
    """Telegram shows a spinner until a press is answered and refuses an answer after its window (the emulator's
    15 s): with the default UPDATE_LEASE_S, a press whose replica died right after claiming it is taken over, and
    answered, in time."""
    settings = replica_settings(emu, tmp_path / "data", database_url)
    ask, chat_id = raw_command_update(emu, 7201, "/lang")
    app = build_application(settings, cpu=cpu_pool, pictures=picture_pool)
    async with running_webhook(app, settings, port=0) as port, aiohttp.ClientSession() as http:
        assert (await http.post(f"http://127.0.0.1:{port}{HOOK}", json=ask, headers={SECRET_HEADER: SECRET})).ok
        choose = await emu.wait_for_bot_message(chat_id, timeout=20)
        user = ask["message"]["from"]["id"]
        query = await emu.press_button(chat_id, user, choose.message_id, choose.button_callback_data()[0])
        press = next(update for update in emu.state.updates if update.get("callback_query", {}).get("id") == query)
        lease = timedelta(seconds=settings.update_lease_s)
        dead = SeenUpdates(Database(settings.database_url), owner="killed-replica", lease=lease)
        try:
            assert await dead.claim(app.bot.id, press["update_id"], press)  # accepted, then the replica was killed
        finally:
            await dead.db.dispose()
        answered = await emu.wait_for(
            lambda: [a for a in emu.callback_answers if a["callback_query_id"] == query], timeout=30
        )
        assert len(answered) == 1
        edited = await emu.wait_for(lambda: "한국어로" in text_of(emu.message(chat_id, choose.message_id)), 10)
        assert edited, "the language was set (lang:ko) and its message edited"


async def test_health_readiness_and_metrics(
    emu: BotApiEmulator, tmp_path: Path, database_url: str, cpu_pool: CpuPool, picture_pool: CpuPool
) -> None:
    settings = replica_settings(emu, tmp_path / "data", database_url)
    update, chat_id = raw_command_update(emu, 8001, "/help")
    async with (
        running_webhook(build_application(settings, cpu=cpu_pool, pictures=picture_pool), settings, port=0) as port,
        aiohttp.ClientSession() as http,
    ):
        base = f"http://127.0.0.1:{port}"
        health = await http.get(f"{base}/healthz")
        assert health.status == 200 and await health.json() == {"status": "ok"}
        ready = await http.get(f"{base}/readyz")
        body = await ready.json()
        assert ready.status == 200, body
        assert body["checks"] == {
            "accepting": True,
            "services": True,
            "database": True,
            "analysis_pool": True,
            "picture_pool": True,
            "update_claims": True,
        }

        assert (await http.post(f"{base}{HOOK}", json=update, headers={SECRET_HEADER: SECRET})).status == 200
        await emu.wait_for_bot_message(chat_id, timeout=20)
        metrics = await http.get(f"{base}/metrics")
        assert metrics.status == 200 and metrics.headers["Content-Type"].startswith("text/plain")
        text = await metrics.text()
        for line in (
            "choosecheese_updates_received_total ",
            "choosecheese_updates_duplicate_total ",
            'choosecheese_replies_sent_total{method="sendMessage"} ',
            "choosecheese_telegram_429_total ",
            "choosecheese_photo_analysis_seconds_bucket",
            'choosecheese_worker_pool_queue_depth{pool="',
        ):
            assert line in text, line
        assert metric("choosecheese_updates_received_total") >= 1
        assert metric("choosecheese_replies_sent_total", method="sendMessage") >= 1

        await database_goes_away(database_url)
        unready = await http.get(f"{base}/readyz")
        body = await unready.json()
        assert unready.status == 503 and body["checks"]["database"] is False, body
        assert (await http.get(f"{base}/healthz")).status == 200  # alive, only not ready
        if not database_url.startswith("sqlite"):  # SQLite's open connections still write to the deleted file
            unclaimed = raw_command_update(emu, 8002, "/help")[0]
            refused = await http.post(f"{base}{HOOK}", json=unclaimed, headers={SECRET_HEADER: SECRET})
            assert refused.status == 503  # not claimed: Telegram sends it again later


def replace_with_a_directory(path: Path) -> None:
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    path.mkdir()  # a directory where the file was: SQLite cannot open it


async def database_goes_away(database_url: str) -> None:
    if database_url.startswith("sqlite"):
        replace_with_a_directory(Path(database_url.split(":///", 1)[1]))
        return
    plain = database_url.replace("postgresql+asyncpg://", "postgresql://")
    base, _, name = plain.rpartition("/")
    connection = await asyncpg.connect(f"{base}/postgres")
    try:
        await connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await connection.close()


async def test_shutdown_finishes_the_updates_it_accepted(
    emu: BotApiEmulator,
    tmp_path: Path,
    database_url: str,
    cpu_pool: CpuPool,
    picture_pool: CpuPool,
    recwarn: pytest.WarningsRecorder,
) -> None:
    settings = replica_settings(emu, tmp_path / "data", database_url)
    updates = [raw_command_update(emu, 9000 + n, "/album") for n in range(3)]
    app = build_application(settings, cpu=cpu_pool, pictures=picture_pool)
    async with running_webhook(app, settings, port=0) as port, aiohttp.ClientSession() as http:
        for update, _chat in updates:
            posted = await http.post(f"http://127.0.0.1:{port}{HOOK}", json=update, headers={SECRET_HEADER: SECRET})
            assert posted.status == 200
    # The server is stopped the moment the last update was accepted: each was still answered.
    for _update, chat_id in updates:
        assert len(emu.bot_messages(chat_id)) == 1
    assert app.bot_data.services is None and not app.running
    # PTB warns when an update is handled after stop() began: its block=False tasks would not be awaited.
    assert not [w for w in recwarn if "not running" in str(w.message)]
