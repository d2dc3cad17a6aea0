"""Crash runs of the weekly post: a group with strips from this week gets a schedule whose slot has just passed, the
bot claims the post (scheduler.weekly: one claim row per chat and week) and gets SIGKILL at a seeded moment after the
claim, while the chart is drawn and sent; then it restarts and runs its checks again. The rules under test: never two
posts for one week, and a post cut off before it began sending is made by the restarted bot (its claim lapses after
WEEKLY_POST_LEASE_S and is taken over); one cut off while sending is not made again (whether Telegram got it is
unknown: at most once)."""

from __future__ import annotations

import asyncio
import random
import sqlite3
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from playground.stress.album_check import DATABASE_FILE
from playground.stress.booth import LoadBoothSite
from playground.stress.kill_runs import group_sending, seeded_runs
from playground.stress.load import settle_answers
from playground.stress.session import BotRun
from playground.stress.strips import load_strip, unique_copy
from storage.db import Database
from storage.schedule import ScheduleStore

TIMEZONE = "Asia/Seoul"  # the bot's default (pipeline.settings), which the chat keeps
KILL_WINDOW_S = (0.0, 0.6)  # after the claim row appears: drawing the chart and sending it take about that long
CHECK_S = "1"  # WEEKLY_POST_CHECK_S: the job looks every second (its first look is at the next whole minute)
LEASE_S = "3"  # WEEKLY_POST_LEASE_S: the killed bot's claim has lapsed by the restarted job's first look


@dataclass
class WeeklyCrashReport:
    runs: int = 0
    posted: int = 0  # runs where the week's post reached the chat (before the kill, or not cut off)
    double_posts: list[str] = field(default_factory=list)
    lost: list[str] = field(default_factory=list)


async def run_weekly_crashes(runs: int, workdir: Path, *, seed: int = 0) -> WeeklyCrashReport:
    strip = await asyncio.to_thread(load_strip, "ok000", 0)
    report = WeeklyCrashReport()

    async def one_run(number: int, rng: random.Random, booth: LoadBoothSite) -> None:
        photos = [unique_copy(strip.phone_photo, 3000 + number * 2 + i) for i in range(2)]
        delay = rng.uniform(*KILL_WINDOW_S)
        await _one_weekly_crash(workdir / f"weekly-{number:02d}", booth, photos, delay, number, report)

    await seeded_runs({strip.code: strip.original}, runs, seed, one_run)
    return report


async def _one_weekly_crash(
    workdir: Path, booth: LoadBoothSite, photos: list[bytes], delay: float, number: int, report: WeeklyCrashReport
) -> None:
    env = {"WEEKLY_POST_CHECK_S": CHECK_S, "WEEKLY_POST_LEASE_S": LEASE_S, "TIMEZONE": TIMEZONE}
    async with group_sending(workdir, booth, photos, title="Weekly", env=env) as group:
        run, chat_id = group.run, group.chat_id
        await settle_answers(run, group.sent, {chat_id: len(photos)}, timeout_s=300)
        await _schedule_just_passed(run.data_dir, chat_id)
        if not await _wait_for_claim(run.data_dir, chat_id, timeout_s=90):
            report.lost.append(f"weekly run {number}: the post was never claimed")
            return
        await group.kill_and_restart(delay)
        await asyncio.sleep(_seconds_past_next_minute(5))  # the restarted job's first look, and then some
        posts = _weekly_posts(run, chat_id)
        report.runs += 1
        report.posted += posts >= 1
        if posts > 1:
            report.double_posts.append(f"weekly run {number}: {posts} posts for one week")


async def _schedule_just_passed(data_dir: Path, chat_id: int) -> None:
    """The chat's slot: a minute ago (its own time zone), set a day ago, so this week's post is due now."""
    db = Database(f"sqlite+aiosqlite:///{data_dir / DATABASE_FILE}")
    try:
        slot = datetime.now(ZoneInfo(TIMEZONE)) - timedelta(minutes=1)
        await ScheduleStore(db, TIMEZONE).set_schedule(
            chat_id,
            weekday=slot.weekday(),
            hour=slot.hour,
            minute=slot.minute,
            now=datetime.now(UTC) - timedelta(days=1),
        )
    finally:
        await db.dispose()


async def _wait_for_claim(data_dir: Path, chat_id: int, timeout_s: float) -> bool:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        with sqlite3.connect(f"file:{data_dir / DATABASE_FILE}?mode=ro", uri=True, timeout=30) as connection:
            if connection.execute("SELECT 1 FROM weeklypost WHERE chat_id = ?", (chat_id,)).fetchone():
                return True
        await asyncio.sleep(0.02)
    return False


def _seconds_past_next_minute(extra_s: float) -> float:
    now = datetime.now(UTC)
    return 60 - now.second - now.microsecond / 1e6 + extra_s


def _weekly_posts(run: BotRun, chat_id: int) -> int:
    """The bot's photos in the chat that answer nothing: the weekly posts (photo answers reply to the photo)."""
    return sum(
        1
        for record in run.emu.bot_messages(chat_id, include_deleted=False)
        if "photo" in record.message and "reply_to_message" not in record.message
    )
