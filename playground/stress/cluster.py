"""`make cluster`: the scale-out topology on loopback and a burst through it.

PostgreSQL and Redis (already running; `scripts/start-services.sh` starts them), the emulator delivering updates as
Telegram's webhook does (playground.emulator.webhook), a round-robin proxy (playground.stress.proxy) in front of
N bot replicas in webhook mode (`python -m bot` processes sharing one database, one Redis and one blob store: a
folder, or S3-compatible object storage with --s3, moto's server on loopback), and M work-queue workers (`python -m
taskiq worker bot.worker:broker`, what `make worker` runs). The burst: group chats send strips (real faces), others
phone photos of QR strips (the booth site of the load scenario serves their originals), private chats ask /help and
/lang and press the /lang buttons meanwhile. With --kill-replicas / --kill-workers, that many of each are `kill -9`ed
half-way through the burst. Checked from outside: every photo answered exactly once (one visible bot reply to it),
stored once and analysed (the database), every command answered, every button press answered.

    python -m playground.stress.cluster [--replicas 2] [--workers 2] [--chats 4] [--qr-chats 0] [--photos 3]
                                        [--kill-replicas 0] [--kill-workers 0] [--s3]

prints `METRIC cluster.*` lines. Needs TEST_POSTGRES_URL and TEST_REDIS_URL (the Makefile sets them); it makes its
own database and Redis key prefix and drops them afterwards.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import itertools
import json
import logging
import os
import socket
import sys
import tempfile
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path

import aiohttp
import asyncpg  # type: ignore[import-untyped]
import boto3  # type: ignore[import-untyped]
from moto.server import ThreadedMotoServer
from prometheus_client.parser import text_string_to_metric_families
from redis.asyncio import Redis

from playground.emulator import BotApiEmulator
from playground.stress.booth import LoadBoothSite
from playground.stress.botproc import BotProcess, bot_environment
from playground.stress.load import percentile
from playground.stress.proxy import RoundRobinProxy
from playground.stress.strips import load_strip, unique_copy

TOKEN = "7000000003:cluster-token"
SECRET = "cluster-secret"
START_TIMEOUT_S = 300.0
QUIET_S = 5.0
WORKER_ARGV = ("-m", "taskiq", "worker", "bot.worker:broker", "--workers", "1", "--max-async-tasks", "8")


@dataclass(frozen=True)
class ClusterPlan:
    replicas: int = 2
    workers: int = 2
    chats: int = 4
    photos_per_chat: int = 3
    command_users: int = 2
    settle_timeout_s: float = 600.0
    lease_s: float = 15.0  # work-queue redelivery and reply takeover: short, so a kill test ends soon
    update_lease_s: float = 5.0  # a dead replica's updates taken over well inside Telegram's callback window
    qr_chats: int = 0  # group chats sending phone photos of QR strips instead of strips
    kill_replicas: int = 0  # kill -9 this many replicas and workers half-way through the burst
    kill_workers: int = 0
    s3: bool = False  # blobs in S3-compatible storage (moto's server on loopback) instead of a shared folder
    booth_delay_s: float = 0.0  # the booth site's delay per photo: > 0 lets a kill land inside a booth fetch
    kill_in_qr: bool = False  # kill the replica while it holds a QR strip (inside its fetch with a booth delay)


@dataclass
class ClusterReport:
    plan: ClusterPlan
    photos: int = 0
    commands: int = 0
    burst_s: float = 0.0
    photo_latencies_s: list[float] = field(default_factory=list)
    analysed: int = 0
    stored: int = 0
    forwarded: list[int] = field(default_factory=list)
    lost: list[str] = field(default_factory=list)
    duplicates: list[str] = field(default_factory=list)
    presses: int = 0
    taken_over: int = 0  # updates a killed replica held, handled by another
    killed_replicas: int = 0
    killed_workers: int = 0
    killed_mid_qr: int = 0  # replicas killed while they held a phone photo of a QR strip (its scan or booth fetch)
    killed_mid_fetch: int = 0  # … after its status message was shown: inside the booth fetch
    booth_originals: int = 0  # booth originals filed from the QR strips (each strip's once)
    tasks_per_worker: list[int] = field(default_factory=list)  # from each live worker's /metrics

    def metrics(self) -> dict[str, float]:
        return {
            "replicas": self.plan.replicas,
            "workers": self.plan.workers,
            "photos": self.photos,
            "photos_per_s": self.photos / self.burst_s if self.burst_s else 0.0,
            "photo_p50_s": percentile(self.photo_latencies_s, 50),
            "photo_p95_s": percentile(self.photo_latencies_s, 95),
            "stored": self.stored,
            "analysed": self.analysed,
            "commands": self.commands,
            "presses": self.presses,
            "updates_taken_over": self.taken_over,
            "killed_replicas": self.killed_replicas,
            "killed_workers": self.killed_workers,
            "killed_mid_qr": self.killed_mid_qr,
            "killed_mid_fetch": self.killed_mid_fetch,
            "booth_originals": self.booth_originals,
            "lost": len(self.lost),
            "duplicates": len(self.duplicates),
            # the smallest share of the analysis tasks one live worker ran (1 / workers: evenly spread)
            "worker_task_share_min": min(self.tasks_per_worker) / sum(self.tasks_per_worker)
            if sum(self.tasks_per_worker)
            else 0.0,
        }


@dataclass
class Cluster:
    emu: BotApiEmulator
    proxy: RoundRobinProxy
    replicas: list[BotProcess]
    workers: list[BotProcess]
    ports: list[int]
    database_url: str
    worker_ports: list[int] = field(default_factory=list)  # each worker's /healthz, /readyz, /metrics


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@asynccontextmanager
async def fresh_database(admin_url: str, prefix: str = "cc_cluster_") -> AsyncIterator[str]:
    """A new PostgreSQL database for one run (SQLAlchemy URL), dropped afterwards."""
    plain = admin_url.replace("postgresql+asyncpg://", "postgresql://")
    name = f"{prefix}{uuid.uuid4().hex[:12]}"
    connection = await asyncpg.connect(plain)
    try:
        await connection.execute(f'CREATE DATABASE "{name}"')
    finally:
        await connection.close()
    base = admin_url.rsplit("/", 1)[0]
    try:
        yield f"{base}/{name}"
    finally:
        connection = await asyncpg.connect(plain)
        try:
            await connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        finally:
            await connection.close()


async def drop_redis_prefix(url: str, prefix: str) -> None:
    """Delete every key under `prefix:` (a run's or a test's own; tests/conftest.py's redis_prefix uses it too)."""
    redis = Redis.from_url(url)
    try:
        keys = [key async for key in redis.scan_iter(match=f"{prefix}:*")]
        if keys:
            await redis.delete(*keys)
    finally:
        await redis.aclose()


S3_KEYS = {"BLOB_S3_KEY_ID": "cluster-key", "BLOB_S3_SECRET": "cluster-secret"}


@contextlib.contextmanager
def s3_blobs() -> Iterator[dict[str, str]]:
    """moto's S3-compatible server on loopback with a fresh bucket; the BLOB_* settings that point at it."""
    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # moto's request log
    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    endpoint, bucket = f"http://127.0.0.1:{port}", f"cc-cluster-{uuid.uuid4().hex[:8]}"
    try:
        keys = {"aws_access_key_id": S3_KEYS["BLOB_S3_KEY_ID"], "aws_secret_access_key": S3_KEYS["BLOB_S3_SECRET"]}
        boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1", **keys).create_bucket(Bucket=bucket)
        yield {"BLOB_URL": f"s3://{bucket}/photos", "BLOB_S3_ENDPOINT": endpoint, **S3_KEYS}
    finally:
        server.stop()


@asynccontextmanager
async def running_cluster(
    plan: ClusterPlan, workdir: Path, postgres_url: str, redis_url: str, extra: dict[str, str] | None = None
) -> AsyncIterator[Cluster]:
    prefix = f"cc_cluster_{uuid.uuid4().hex[:8]}"
    ports = [free_port() for _ in range(plan.replicas)]
    proxy = RoundRobinProxy([f"http://127.0.0.1:{port}" for port in ports])
    proxy_port = await proxy.start()
    async with (
        fresh_database(postgres_url) as database_url,
        BotApiEmulator(
            token=TOKEN, privacy_mode=False, deliver_webhook_to=f"http://127.0.0.1:{proxy_port}/hook"
        ) as emu,
    ):
        common = {
            "DATABASE_URL": database_url,
            "REDIS_URL": redis_url,
            "REDIS_KEY_PREFIX": prefix,
            "WORK_QUEUE_URL": redis_url,
            "WORK_QUEUE_IDLE_S": str(plan.lease_s),
            "REPLY_LEASE_S": str(plan.lease_s),
            "UPDATE_LEASE_S": str(plan.update_lease_s),
            "ANALYSIS_WORKERS": "1",
            "PICTURE_WORKERS": "1",
            "WEBHOOK_URL": "https://bot.example/hook",
            "WEBHOOK_LISTEN": "127.0.0.1",
            "WEBHOOK_SECRET": SECRET,
            "WEEKLY_POST_CHECK_S": "0",
            "DIGEST_CHECK_S": "0",
        } | (extra or {})
        data_dir = workdir / "data"  # one blob folder for all: the workers read the photos the replicas stored

        def process(name: str, argv: tuple[str, ...], extra: dict[str, str]) -> BotProcess:
            env = bot_environment(
                token=TOKEN,
                base_url=emu.base_url,
                base_file_url=emu.base_file_url,
                data_dir=data_dir,
                extra=common | extra,
            )
            return BotProcess(env, workdir / name, workdir / f"{name}.log", argv)

        worker_ports = [free_port() for _ in range(plan.workers)]
        workers = [
            process(f"worker{i}", WORKER_ARGV, {"WORKER_HEALTH_PORT": str(port)}) for i, port in enumerate(worker_ports)
        ]
        replicas = [process(f"replica{i}", ("-m", "bot"), {"WEBHOOK_PORT": str(port)}) for i, port in enumerate(ports)]
        cluster = Cluster(emu, proxy, replicas, workers, ports, database_url, worker_ports)
        try:
            for worker in workers:
                worker.start()
            for replica in replicas:
                replica.start()
            await wait_ready(cluster)
            yield cluster
        finally:
            await asyncio.gather(*(p.stop() for p in [*replicas, *workers]))
            await proxy.stop()
            await drop_redis_prefix(redis_url, prefix)


async def wait_ready(cluster: Cluster) -> None:
    deadline = time.monotonic() + START_TIMEOUT_S
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=5)) as session:
        for port, replica in zip(cluster.ports, cluster.replicas, strict=True):
            while True:
                if not replica.running:
                    raise RuntimeError(f"replica on {port} exited:\n{replica.log_tail()}")
                with contextlib.suppress(aiohttp.ClientError, TimeoutError):
                    async with session.get(f"http://127.0.0.1:{port}/readyz") as answer:
                        if answer.status == 200:
                            break
                if time.monotonic() > deadline:
                    raise RuntimeError(f"replica on {port} not ready:\n{replica.log_tail()}")
                await asyncio.sleep(0.5)
    await cluster.emu.wait_for(lambda: cluster.emu.state.webhook_url or None, timeout=START_TIMEOUT_S)


@dataclass(frozen=True)
class Sent:
    chat_id: int
    message_id: int
    at: float


@dataclass
class Burst:
    photos: list[Sent] = field(default_factory=list)
    commands: list[Sent] = field(default_factory=list)
    choosers: list[Sent] = field(default_factory=list)  # /lang: its answer's first button is pressed
    presses: dict[Sent, tuple[int, str]] = field(default_factory=dict)  # /lang → (its answer, the query id)
    users: dict[int, int] = field(default_factory=dict)  # private chat → its member


def burst_pictures(plan: ClusterPlan) -> tuple[dict[tuple[int, int], bytes], dict[str, bytes]]:
    """(chat index, photo index) → what its member sends; and the booth site's originals (code → bytes). Chats from
    `plan.chats` on send phone photos of QR strips, each with its own code (every chat files its own strips)."""
    pictures, originals = {}, {}
    for chat, photo in itertools.product(range(plan.chats + plan.qr_chats), range(plan.photos_per_chat)):
        seed = 1 + chat * 64 + photo
        if chat < plan.chats:
            pictures[(chat, photo)] = unique_copy(load_strip(f"c{photo:03d}", photo).original, seed)
        else:
            strip = load_strip(f"q{chat:02d}{photo:03d}", chat * 16 + photo)
            pictures[(chat, photo)], originals[strip.code] = unique_copy(strip.phone_photo, seed), strip.original
    return pictures, originals


async def burst(
    cluster: Cluster, plan: ClusterPlan, report: ClusterReport, pictures: dict[tuple[int, int], bytes]
) -> Burst:
    """The photos and commands, sent as fast as members could, with the kills half-way; returns what was sent."""
    emu, sent = cluster.emu, Burst()
    groups = []
    for index in range(plan.chats + plan.qr_chats):
        owner = emu.create_user(f"Member{index}", language_code="ko" if index % 2 else "en")
        groups.append((emu.create_chat("group", title=f"Cluster {index}", user=owner)["id"], owner["id"]))
    talkers = []
    for index in range(plan.command_users):
        user = emu.create_user(f"Talker{index}", language_code="en")
        talkers.append((emu.create_chat("private", user=user)["id"], user["id"]))
    sent.users = dict(talkers)
    order = list(itertools.product(range(plan.photos_per_chat), enumerate(groups)))
    for number, (photo, (index, (chat_id, user_id))) in enumerate(order):
        if number == len(order) // 2:
            qr_groups = {chat for chat, _ in groups[plan.chats :]} if plan.kill_in_qr else set()
            await kill_some(cluster, plan, report, qr_groups)
        message = await emu.send_photo(chat_id, user_id, pictures[(index, photo)])
        sent.photos.append(Sent(chat_id, message["message_id"], time.monotonic()))
        for chat, user in talkers:
            command = "/lang" if number % 2 else "/help"
            asked = await emu.send_text(chat, user, command)
            (sent.choosers if command == "/lang" else sent.commands).append(
                Sent(chat, asked["message_id"], time.monotonic())
            )
    report.photos, report.commands = len(sent.photos), len(sent.commands) + len(sent.choosers)
    return sent


async def kill_some(cluster: Cluster, plan: ClusterPlan, report: ClusterReport, qr_chats: set[int]) -> None:
    """kill -9 (the whole process group) of the first workers and replicas, each replica once it is in the middle
    of handling a photo (its claim row holds one) — a phone photo of a QR strip when the burst has them, so the
    kill lands in a QR decoding or a booth fetch (with a slow booth: after the link's status message was shown, inside
    the fetch): what they held must not be lost, and no status message doubled."""
    for replica in cluster.replicas[: plan.kill_replicas]:
        held = await holding_a_photo(cluster, replica.pid, qr_chats, fetching=plan.booth_delay_s > 0)
        report.killed_mid_qr += held in ("scan", "fetch")
        report.killed_mid_fetch += held == "fetch"
    for process in cluster.workers[: plan.kill_workers] + cluster.replicas[: plan.kill_replicas]:
        await process.kill()
    report.killed_workers, report.killed_replicas = plan.kill_workers, plan.kill_replicas


async def holding_a_photo(cluster: Cluster, pid: int, chats: set[int], fetching: bool, timeout_s: float = 60.0) -> str:
    """Until the replica with this pid holds an update with a photo it has not finished (storage.seen_updates: the
    owner is host:pid:…), for the first half of the wait one from `chats` — with `fetching`, one whose status message
    is shown (its booth fetch runs). What it held: "fetch", "scan" (a QR strip before its status) or "photo"."""
    connection = await asyncpg.connect(cluster.database_url.replace("postgresql+asyncpg://", "postgresql://"))
    start = time.monotonic()
    try:
        while time.monotonic() < start + timeout_s:
            rows = await connection.fetch(
                "SELECT payload FROM seenupdate WHERE owner LIKE $1 AND lease_until IS NOT NULL"
                " AND payload LIKE '%\"photo\"%'",
                f"%:{pid}:%",
            )
            held = [json.loads(row["payload"])["message"] for row in rows]
            strips = [Sent(m["chat"]["id"], m["message_id"], 0.0) for m in held if m["chat"]["id"] in chats]
            if any(fetch_shown(cluster.emu, strip) for strip in strips):
                return "fetch"
            if strips and not fetching:
                return "scan"
            if held and (not chats or time.monotonic() > start + timeout_s / 2):
                return "scan" if strips else "photo"
            await asyncio.sleep(0.05)
    finally:
        await connection.close()
    raise RuntimeError(f"the replica {pid} never held a photo to be killed with")


async def taken_over(database_url: str) -> int:
    connection = await asyncpg.connect(database_url.replace("postgresql+asyncpg://", "postgresql://"))
    try:
        return int(await connection.fetchval("SELECT coalesce(sum(takeovers), 0) FROM seenupdate"))
    finally:
        await connection.close()


LANG_BUTTON = "lang:"  # the callback data of /lang's buttons (handlers.start)


async def press_buttons(emu: BotApiEmulator, sent: Burst) -> None:
    """Press the first button of each /lang answer that has come: each answer once, for the earliest /lang of its
    chat still waiting before it. Message ids count per chat, so an answer is known by its chat and id."""
    used = {(asked.chat_id, message_id) for asked, (message_id, _query) in sent.presses.items()}
    for asked in sent.choosers:
        if asked in sent.presses:
            continue
        for record in emu.bot_messages(asked.chat_id, include_deleted=False):
            buttons = (record.message.get("reply_markup") or {}).get("inline_keyboard") or []
            data = buttons[0][0].get("callback_data", "") if buttons and buttons[0] else ""
            answer = (asked.chat_id, record.message_id)
            if record.message_id > asked.message_id and answer not in used and data.startswith(LANG_BUTTON):
                query = await emu.press_button(asked.chat_id, sent.users[asked.chat_id], record.message_id, data)
                sent.presses[asked] = (record.message_id, query)
                used.add(answer)
                break


def press_answered(emu: BotApiEmulator, query: str) -> bool:
    return any(answer["callback_query_id"] == query for answer in emu.callback_answers)


def replies_to(emu: BotApiEmulator, sent: Sent) -> list[int]:
    return [
        record.message_id
        for record in emu.bot_messages(sent.chat_id, include_deleted=False)
        if (record.message.get("reply_to_message") or {}).get("message_id") == sent.message_id
    ]


def fetch_shown(emu: BotApiEmulator, sent: Sent) -> bool:
    """The strip's status message says its booth fetch runs (⬇️, qr.downloading in either language)."""
    return any(
        (record.message.get("reply_to_message") or {}).get("message_id") == sent.message_id
        and (record.message.get("text") or "").startswith("⬇️")
        for record in emu.bot_messages(sent.chat_id, include_deleted=False)
    )


def answered(emu: BotApiEmulator, sent: Sent) -> bool:
    """A command's answer: any bot message in its chat after it (/help does not reply to the command)."""
    return any(record.message_id > sent.message_id for record in emu.bot_messages(sent.chat_id))


async def _fetch(database_url: str, query: str) -> list[asyncpg.Record]:
    connection = await asyncpg.connect(database_url.replace("postgresql+asyncpg://", "postgresql://"))
    try:
        return await connection.fetch(query)
    finally:
        await connection.close()


async def album_rows(database_url: str) -> tuple[int, int, dict[int, int]]:
    """(photos stored, photos analysed, photos per chat)."""
    rows = await _fetch(
        database_url,
        "SELECT chat_id, count(*) AS n, count(analysed_at) AS a FROM photo WHERE kind = 'photo' GROUP BY chat_id",
    )
    return sum(r["n"] for r in rows), sum(r["a"] for r in rows), {r["chat_id"]: r["n"] for r in rows}


async def booth_originals(database_url: str) -> dict[str, int]:
    """Booth link → how many album photos were filed from it (each QR strip's original: once)."""
    rows = await _fetch(
        database_url,
        "SELECT source_url, count(*) AS n FROM photo WHERE kind = 'photo' AND source = 'qr' GROUP BY source_url",
    )
    return {row["source_url"]: row["n"] for row in rows}


async def settle(cluster: Cluster, plan: ClusterPlan, sent: Burst) -> dict[Sent, float]:
    """Until every photo has an answer, every command one, every button press its answer, all photos analysed, then
    QUIET_S of calm (a second answer would show by then); returns when each photo's answer was first seen."""
    emu, deadline = cluster.emu, time.monotonic() + plan.settle_timeout_s
    answered_at: dict[Sent, float] = {}
    while time.monotonic() < deadline:
        await press_buttons(emu, sent)
        for photo in sent.photos:
            if photo not in answered_at and replies_to(emu, photo):
                answered_at[photo] = time.monotonic()
        if (
            len(answered_at) == len(sent.photos)
            and all(answered(emu, c) for c in sent.commands)
            and len(sent.presses) == len(sent.choosers)
            and all(press_answered(emu, query) for _, query in sent.presses.values())
        ):
            _, analysed, _ = await album_rows(cluster.database_url)
            if analysed >= len(sent.photos):
                break
        await asyncio.sleep(0.5)
    await asyncio.sleep(QUIET_S)
    return answered_at


async def check(cluster: Cluster, plan: ClusterPlan, sent: Burst, report: ClusterReport) -> None:
    emu = cluster.emu
    for photo in sent.photos:
        replies = replies_to(emu, photo)
        where = f"photo {photo.message_id} in chat {photo.chat_id}"
        if not replies:
            report.lost.append(f"{where}: never answered")
        elif len(replies) > 1:
            report.duplicates.append(f"{where}: answered {len(replies)} times")
    for command in sent.commands + sent.choosers:
        if not answered(emu, command):
            report.lost.append(f"command {command.message_id} in chat {command.chat_id}: not answered")
    for asked in sent.choosers:
        press = sent.presses.get(asked)
        if press is None or not press_answered(emu, press[1]):
            report.lost.append(f"the button under the answer to /lang {asked.message_id}: press not answered")
    report.presses = len(sent.presses)
    report.stored, report.analysed, per_chat = await album_rows(cluster.database_url)
    for chat in {p.chat_id for p in sent.photos}:
        filed = per_chat.get(chat, 0)
        if filed < plan.photos_per_chat:
            report.lost.append(f"chat {chat}: {filed} of {plan.photos_per_chat} photos stored")
        elif filed > plan.photos_per_chat:
            report.duplicates.append(f"chat {chat}: {filed} rows for {plan.photos_per_chat} photos")
    if report.analysed < report.stored:
        report.lost.append(f"{report.stored - report.analysed} photos never analysed")
    for url, count in (await booth_originals(cluster.database_url)).items():
        report.booth_originals += 1
        if count > 1:
            report.duplicates.append(f"booth original {url}: filed {count} times")
    if plan.qr_chats and report.booth_originals < plan.qr_chats * plan.photos_per_chat:
        report.lost.append(f"{report.booth_originals} of {plan.qr_chats * plan.photos_per_chat} booth originals filed")

    report.forwarded = list(cluster.proxy.forwarded)
    report.tasks_per_worker = await tasks_per_worker(cluster)
    report.taken_over = await taken_over(cluster.database_url)


async def tasks_per_worker(cluster: Cluster) -> list[int]:
    """How many analysis tasks each live worker started, from its own /metrics (a killed worker's are gone)."""
    counts = []
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=5)) as session:
        for port, worker in zip(cluster.worker_ports, cluster.workers, strict=True):
            if not worker.running:
                continue
            with contextlib.suppress(aiohttp.ClientError, TimeoutError):
                async with session.get(f"http://127.0.0.1:{port}/metrics") as answer:
                    text = await answer.text()
                counts.append(
                    round(
                        sum(
                            sample.value
                            for family in text_string_to_metric_families(text)
                            for sample in family.samples
                            if sample.name == "choosecheese_tasks_received_total"
                        )
                    )
                )
    return counts


async def run_cluster(plan: ClusterPlan, workdir: Path, postgres_url: str, redis_url: str) -> ClusterReport:
    report = ClusterReport(plan)
    pictures, originals = await asyncio.to_thread(burst_pictures, plan)
    booth = LoadBoothSite(photos=originals, photo_delay_s=plan.booth_delay_s)
    await booth.start()
    try:
        with contextlib.ExitStack() as stack:
            extra = {"LOOPBACK_BOOTH": booth.route} | (stack.enter_context(s3_blobs()) if plan.s3 else {})
            async with running_cluster(plan, workdir, postgres_url, redis_url, extra) as cluster:
                started = time.monotonic()
                sent = await burst(cluster, plan, report, pictures)
                answered_at = await settle(cluster, plan, sent)
                report.burst_s = max(answered_at.values(), default=time.monotonic()) - started
                report.photo_latencies_s = [answered_at[p] - p.at for p in sent.photos if p in answered_at]
                await check(cluster, plan, sent, report)
    finally:
        await booth.stop()
    return report


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--replicas", type=int, default=2)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--chats", type=int, default=4)
    parser.add_argument("--qr-chats", type=int, default=0, help="chats sending phone photos of QR strips")
    parser.add_argument("--booth-delay-s", type=float, default=0.0, help="the booth site's delay per photo")
    parser.add_argument("--kill-in-qr", action="store_true", help="kill the replica while it holds a QR strip")
    parser.add_argument("--photos", type=int, default=3, help="photos per chat")
    parser.add_argument("--kill-replicas", type=int, default=0, help="kill -9 this many replicas mid-burst")
    parser.add_argument("--kill-workers", type=int, default=0, help="kill -9 this many workers mid-burst")
    parser.add_argument("--s3", action="store_true", help="blobs in moto's S3-compatible server on loopback")
    args = parser.parse_args()
    postgres, redis = os.environ.get("TEST_POSTGRES_URL"), os.environ.get("TEST_REDIS_URL")
    if not postgres or not redis:
        sys.exit("set TEST_POSTGRES_URL and TEST_REDIS_URL (make cluster starts the servers and sets them)")
    plan = ClusterPlan(
        replicas=args.replicas,
        workers=args.workers,
        chats=args.chats,
        qr_chats=args.qr_chats,
        booth_delay_s=args.booth_delay_s,
        kill_in_qr=args.kill_in_qr,
        photos_per_chat=args.photos,
        kill_replicas=args.kill_replicas,
        kill_workers=args.kill_workers,
        s3=args.s3,
    )
    with tempfile.TemporaryDirectory(prefix="cc-cluster-") as tmp:
        report = asyncio.run(run_cluster(plan, Path(tmp), postgres, redis))
    for name, value in report.metrics().items():
        print(f"METRIC cluster.{name} {round(value, 3)}")
    for problem in [*report.lost, *report.duplicates]:
        print(f"problem: {problem}")
    print(f"forwarded per replica: {report.forwarded}")
    print(f"analysis tasks per live worker: {report.tasks_per_worker}")


if __name__ == "__main__":
    main()
