"""The load run: many group chats send phone photos of booth strips (faces and a QR code each) in one burst while
other members ask text commands and picture commands, all through the emulator to the bot as a real process —
optionally with Telegram failing at random (429, 500, 502, hangs, dropped connections, answers lost after the request
was carried out) and booth pages that hang, redirect in a loop or return garbage.

What it asserts, not eyeballs: every photo is filed exactly once (one album row per photo), answered exactly once
(one visible bot reply to it), analysed, every command answered, nothing left behind on disk. `LoadReport.lost`,
`.duplicates` (an answer shown twice) and `.stale_statuses` (a status message left beside the answer, never made
into it nor deleted) name what went wrong; tests assert they are empty (see below for `lost` faults), the
benchmark prints their counts.

One kind of fault makes doubles unavoidable: a post Telegram carried out whose answer was lost (`lost`). The bot
cannot tell it from a dropped connection that never ran, and the Bot API has no idempotency key and reads no message
by id (tdlib/telegram-bot-api#126): a member's answer is sent again (twice rather than never, handlers.delivery), and
a status message whose post was lost can never be edited or deleted. `.lost_posts` counts those faults: each may
leave one extra message, never more, and never a photo unanswered."""

from __future__ import annotations

import asyncio
import contextlib
import functools
import itertools
import os
import statistics
import time
from dataclasses import dataclass, field
from pathlib import Path

from playground.emulator import MessageRecord
from playground.emulator.driver import StoredPhoto
from playground.emulator.faults import FAULT_KINDS, LOST
from playground.stress.album_check import read_album
from playground.stress.booth import LoadBoothSite
from playground.stress.session import BotRun, bot_on_emulator
from playground.stress.strips import LoadStrip, load_strip, unique_copy

TEXT_COMMANDS = ("/help", "/privacy", "/lang")
PICTURE_COMMANDS = ("/rank", "/album")
PREFILLED_PHOTOS = 2  # per picture chat, filed before the burst so /rank and /album have something to show
# The booth page each photo's QR code points at, by the photo's place in the run (bad_booths plans only).
BOOTH_CYCLE = ("ok", "hang", "ok", "loop", "ok", "junk")
# A hang's connection is cut after 6 s; a lost answer's at once — the costlier case: a post is sent again after a cut
# connection, not after a timeout (handlers.delivery; tests/e2e/test_lost_*.py test answers lost past the timeout).
FAULT_DELAYS = {"timeout": 6.0, "slow": 1.0, "lost": 0.0}
# The bot is done with a chat when it has not called the Bot API about it for this long: longer than a resend's
# pause after a hung request (6 s + up to 4 s) and the 3 s between posts when a group's 20 a minute are used up.
QUIET_S = 12.0
GIVE_UP_IDLE_S = 60.0
ANSWER_TIMEOUT_S = {"text": 60.0, "picture": 600.0}  # pictures queue behind the burst's analyses in the worker pool
# A viewer asks /rank or /album at most this often: Telegram takes 20 messages a minute in a group (an /album answer
# is 2), and a viewer asking again the moment the last answer came measured that limit's queue, not the bot (its
# answers waited up to 50 s for the group's budget, bot.rate_limit).
PICTURE_ASK_EVERY_S = 8.0


@dataclass(frozen=True)
class LoadPlan:
    chats: int = 5
    photos_per_chat: int = 3
    command_users: int = 3
    picture_chats: int = 1
    analysis_workers: int = 1
    fault_rate: float = 0.0  # share of Bot API calls that fail during the burst
    fault_kinds: tuple[str, ...] = FAULT_KINDS
    bad_booths: bool = False
    seed: int = 0
    settle_timeout_s: float = 900.0
    booth_hang_s: float = 30.0


@dataclass
class LoadReport:
    plan: LoadPlan
    photos: int = 0
    burst_s: float = 0.0
    cold_start_s: float = 0.0
    photo_latencies_s: list[float] = field(default_factory=list)
    cmd_latencies_ms: list[float] = field(default_factory=list)
    picture_cmd_latencies_ms: list[float] = field(default_factory=list)
    peak_rss_mb: float = 0.0
    faults_served: int = 0
    lost_posts: int = 0  # `lost` faults served on calls that post a message
    lost: list[str] = field(default_factory=list)
    duplicates: list[str] = field(default_factory=list)
    stale_statuses: list[str] = field(default_factory=list)

    def metrics(self) -> dict[str, float]:
        return {
            "photos": self.photos,
            "photos_per_s": self.photos / self.burst_s if self.burst_s else 0.0,
            "photo_p50_s": percentile(self.photo_latencies_s, 50),
            "photo_p95_s": percentile(self.photo_latencies_s, 95),
            "cmd_p95_ms": percentile(self.cmd_latencies_ms, 95),
            "picture_cmd_p95_ms": percentile(self.picture_cmd_latencies_ms, 95),
            "commands": len(self.cmd_latencies_ms) + len(self.picture_cmd_latencies_ms),
            "peak_rss_mb": self.peak_rss_mb,
            "faults_served": self.faults_served,
            "lost_posts": self.lost_posts,
            "lost": len(self.lost),
            "duplicates": len(self.duplicates),
            "stale_statuses": len(self.stale_statuses),
        }


def percentile(values: list[float], pct: float) -> float:
    if not values:
        return 0.0
    if len(values) == 1:
        return values[0]
    return statistics.quantiles(values, n=100, method="inclusive")[round(pct) - 1]


@dataclass(frozen=True)
class SentPhoto:
    chat_id: int
    message_id: int
    sent_at: float


def strips_for(plan: LoadPlan) -> dict[tuple[int, int], LoadStrip]:
    """(chat index, photo index) → the strip its phone photo shows. Within a chat every photo has its own booth
    code, so each is filed once; the same codes repeat across chats (each chat files its own copy)."""
    chosen: dict[tuple[int, int], LoadStrip] = {}
    for chat, photo in itertools.product(range(plan.chats), range(plan.photos_per_chat)):
        place = chat * plan.photos_per_chat + photo
        kind = BOOTH_CYCLE[place % len(BOOTH_CYCLE)] if plan.bad_booths else "ok"
        code = f"ok{photo:03d}" if kind == "ok" else f"{kind}-{photo:03d}"
        chosen[(chat, photo)] = load_strip(code, photo + (0 if kind == "ok" else 1000 * BOOTH_CYCLE.index(kind)))
    return chosen


async def run_load(plan: LoadPlan, workdir: Path) -> LoadReport:
    strips = await asyncio.to_thread(strips_for, plan)
    photos = await asyncio.to_thread(
        lambda: {
            key: unique_copy(strip.phone_photo, 1 + key[0] * plan.photos_per_chat + key[1])
            for key, strip in strips.items()
        }
    )
    booth = LoadBoothSite(
        photos={s.code: s.original for s in strips.values() if s.code.startswith("ok")}, hang_s=plan.booth_hang_s
    )
    await booth.start()
    try:
        env = {"ANALYSIS_WORKERS": str(plan.analysis_workers), "LOOPBACK_BOOTH": booth.route}
        async with bot_on_emulator(workdir, extra_env=env) as run:
            return await _run(plan, run, photos)
    finally:
        await booth.stop()


async def _run(plan: LoadPlan, run: BotRun, photos: dict[tuple[int, int], bytes]) -> LoadReport:
    emu, report = run.emu, LoadReport(plan)
    groups = []
    for index in range(plan.chats):
        owner = emu.create_user(f"Member{index}", language_code="ko" if index % 2 else "en")
        groups.append((emu.create_chat("group", title=f"Load {index}", user=owner)["id"], owner["id"]))
    talkers = []
    for index in range(plan.command_users):
        user = emu.create_user(f"Talker{index}", language_code="en")
        talkers.append((emu.create_chat("private", user=user)["id"], user["id"]))
    viewers = []
    for index in range(plan.picture_chats):
        user = emu.create_user(f"Viewer{index}", language_code="en")
        viewers.append((emu.create_chat("group", title=f"Pictures {index}", user=user)["id"], user["id"]))

    report.cold_start_s = await run.start()
    prefilled = []
    for number, (chat_id, user_id) in enumerate(viewers):
        for photo in range(PREFILLED_PHOTOS):
            strip = load_strip(f"ok{photo:03d}", photo)
            message = await emu.send_photo(chat_id, user_id, unique_copy(strip.phone_photo, 4000 - number * 8 - photo))
            prefilled.append(SentPhoto(chat_id, message["message_id"], time.monotonic()))
    await settle_answers(run, prefilled, {chat: PREFILLED_PHOTOS for chat, _ in viewers}, plan.settle_timeout_s)

    stored: dict[tuple[int, int], StoredPhoto] = {}
    for key, data in photos.items():  # the members' uploads, resized as Telegram's servers would, before the burst
        stored[key] = emu.store_photo(data)
        await asyncio.sleep(0)
    if plan.fault_rate:
        emu.inject_random_faults(plan.fault_rate, plan.fault_kinds, seed=plan.seed, delays=FAULT_DELAYS)
    faults_before = len(emu.triggered_faults)
    stop = asyncio.Event()
    askers = [
        asyncio.create_task(
            _ask(run, chat, user, TEXT_COMMANDS, stop, report.cmd_latencies_ms, report.lost, ANSWER_TIMEOUT_S["text"])
        )
        for chat, user in talkers
    ] + [
        asyncio.create_task(
            _ask(
                run,
                chat,
                user,
                PICTURE_COMMANDS,
                stop,
                report.picture_cmd_latencies_ms,
                report.lost,
                ANSWER_TIMEOUT_S["picture"],
                every_s=PICTURE_ASK_EVERY_S,
            )
        )
        for chat, user in viewers
    ]
    started = time.monotonic()
    sent: list[SentPhoto] = []
    for photo, (index, (chat_id, user_id)) in itertools.product(range(plan.photos_per_chat), enumerate(groups)):
        message = await emu.send_photo(chat_id, user_id, stored[(index, photo)])
        sent.append(SentPhoto(chat_id, message["message_id"], time.monotonic()))
    expected = {chat: plan.photos_per_chat for chat, _ in groups}
    finished = await settle_answers(run, sent, expected, plan.settle_timeout_s)
    report.burst_s = finished - started
    stop.set()
    await asyncio.gather(*askers)
    served = emu.triggered_faults[faults_before:]
    report.faults_served = len(served)
    report.lost_posts = sum(kind == LOST and _posts_a_message(method) for method, kind in served)
    emu.clear_faults()
    report.photos = len(sent)
    report.peak_rss_mb = run.process.peak_rss_mb
    _check_answers(run, sent, report)
    _check_album(run, expected, report)
    _check_stray_messages(run, [chat for chat, _ in groups], sent, report)
    return report


async def _ask(
    run: BotRun,
    chat_id: int,
    user_id: int,
    commands: tuple[str, ...],
    stop: asyncio.Event,
    latencies_ms: list[float],
    lost: list[str],
    timeout_s: float,
    every_s: float = 0.0,
) -> None:
    """Ask the commands in turn until `stop`, one at most every `every_s`; each answer's first message is timed,
    then the chat must go quiet."""
    emu = run.emu
    asked = float("-inf")
    for command in itertools.cycle(commands):
        if stop.is_set():
            return
        pause = asked + every_s - time.monotonic()
        if pause > 0:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), pause)
            if stop.is_set():
                return
        before = len(emu.bot_messages(chat_id))
        asked = time.monotonic()
        await emu.send_text(chat_id, user_id, command)
        try:
            await emu.wait_for(functools.partial(_more_bot_messages, run, chat_id, before), timeout=timeout_s)
        except TimeoutError:
            lost.append(f"{command} in chat {chat_id} not answered within {timeout_s:.0f} s")
            continue
        latencies_ms.append((time.monotonic() - asked) * 1000)
        await _quiet_chat(run, chat_id, 0.5)


def _more_bot_messages(run: BotRun, chat_id: int, count: int) -> bool:
    return len(run.emu.bot_messages(chat_id)) > count


async def _quiet_chat(run: BotRun, chat_id: int, quiet_s: float, limit_s: float = 20.0) -> None:
    deadline = time.monotonic() + limit_s
    while time.monotonic() < deadline:
        latest = max((t for (chat, _), t in run.changed_at.items() if chat == chat_id), default=0.0)
        if time.monotonic() - latest >= quiet_s:
            return
        await asyncio.sleep(0.1)


async def settle_answers(run: BotRun, sent: list[SentPhoto], expected: dict[int, int], timeout_s: float) -> float:
    """Wait until every photo has exactly one answer, every album holds its photos, all analysed, and the bot has not
    called the Bot API about these chats for QUIET_S; returns when its last message there changed. Gives up (the
    checks then say what is missing or doubled) after `timeout_s`, or when the bot has been silent for
    GIVE_UP_IDLE_S."""
    began = time.monotonic()
    deadline = began + timeout_s
    chats = {photo.chat_id for photo in sent}
    while time.monotonic() < deadline:
        await asyncio.sleep(0.5)
        idle = time.monotonic() - max(run.last_call_to(chats), began)
        if idle < QUIET_S:
            continue
        if idle > GIVE_UP_IDLE_S:
            break
        if not all(sum(not r.deleted for r in run.replies_to(p.chat_id, p.message_id)) == 1 for p in sent):
            continue
        state = await asyncio.to_thread(read_album, run.data_dir, verify_hashes=False)
        if state.unanalysed == 0 and all(state.photos_per_chat[chat] >= n for chat, n in expected.items()):
            break
    return max([began, *(t for (chat, _), t in run.changed_at.items() if chat in chats)])


def _check_answers(run: BotRun, sent: list[SentPhoto], report: LoadReport) -> None:
    for photo in sent:
        replies = run.replies_to(photo.chat_id, photo.message_id)
        visible = [r for r in replies if not r.deleted]
        where = f"photo {photo.message_id} in chat {photo.chat_id}"
        if not visible:
            report.lost.append(f"{where}: never answered")
            continue
        answer, *others = sorted(visible, key=lambda r: (bool(r.photo), _changed(run, r, photo)), reverse=True)
        for other in others:
            said = (other.message_id, bool(other.photo), (other.text or other.caption or "")[:60])
            if other.photo or other.text == answer.text:
                report.duplicates.append(f"{where}: answered again: {said}")
            else:
                report.stale_statuses.append(f"{where}: status left beside the answer {answer.message_id}: {said}")
        report.photo_latencies_s.append(max(_changed(run, r, photo) for r in replies) - photo.sent_at)


def _changed(run: BotRun, record: MessageRecord, photo: SentPhoto) -> float:
    return run.changed_at.get((photo.chat_id, record.message_id), photo.sent_at)


def _posts_a_message(method: str) -> bool:
    return method.startswith(("send", "forward", "copy")) and method != "sendChatAction"


def _check_album(run: BotRun, expected: dict[int, int], report: LoadReport) -> None:
    state = read_album(run.data_dir)
    for chat, wanted in expected.items():
        filed = state.photos_per_chat[chat]
        if filed < wanted:
            report.lost.append(f"chat {chat}: {filed} of {wanted} photos filed")
        elif filed > wanted:
            report.duplicates.append(f"chat {chat}: {filed} album rows for {wanted} photos")
    if state.unanalysed:
        report.lost.append(f"{state.unanalysed} photos never analysed")
    report.lost.extend(state.problems)


def _check_stray_messages(run: BotRun, chats: list[int], sent: list[SentPhoto], report: LoadReport) -> None:
    """In the photo chats the bot only answers photos: anything else (an apology from the error handler, an answer
    that lost its reply link) means a photo's handling went wrong."""
    photo_ids = {(p.chat_id, p.message_id) for p in sent}
    for chat in chats:
        for record in run.emu.bot_messages(chat, include_deleted=False):
            replied = (record.message.get("reply_to_message") or {}).get("message_id")
            if (chat, replied) not in photo_ids:
                report.lost.append(f"chat {chat}: stray bot message {(record.text or record.caption or '')[:80]!r}")


def describe_machine() -> dict[str, str]:
    """Cores, load average and memory of this machine, for the benchmark report."""
    load = os.getloadavg()
    memory = {}
    with open("/proc/meminfo") as handle:
        for line in handle:
            key, value = line.split(":", 1)
            memory[key] = int(value.split()[0]) // 1024
    return {
        "cores": str(os.cpu_count()),
        "load_average": " ".join(f"{value:.2f}" for value in load),
        "ram_mb": f"{memory.get('MemTotal', 0)} total, {memory.get('MemAvailable', 0)} available",
    }
