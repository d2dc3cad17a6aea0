"""`make cluster`: the scale-out topology on loopback and a burst through it.

PostgreSQL and Redis (already running; `scripts/start-services.sh` starts them), the emulator delivering updates as
Telegram's webhook does (playground.emulator.webhook), a round-robin proxy (playground.stress.proxy) in front of
N bot replicas in webhook mode (`python -m bot` processes sharing one database, one Redis and one blob folder), and M
work-queue workers (`python -m taskiq worker bot.worker:broker`, what `make worker` runs). The burst: group chats
send strips (real faces), private chats ask text commands meanwhile. Checked from outside: every photo answered
exactly once (one visible bot reply to it), stored once and analysed (the database), every command answered.

    python -m playground.stress.cluster [--replicas 2] [--workers 2] [--chats 4] [--photos 3]

prints `METRIC cluster.*` lines. Needs TEST_POSTGRES_URL and TEST_REDIS_URL (the Makefile sets them); it makes its
own database and Redis key prefix and drops them afterwards.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import itertools
import os
import socket
import sys
import tempfile
import time
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path

import aiohttp
import asyncpg  # type: ignore[import-untyped]
from redis.asyncio import Redis

from playground.emulator import BotApiEmulator
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
            "lost": len(self.lost),
            "duplicates": len(self.duplicates),
        }


@dataclass
class Cluster:
    emu: BotApiEmulator
    proxy: RoundRobinProxy
    replicas: list[BotProcess]
    workers: list[BotProcess]
    ports: list[int]
    database_url: str


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@asynccontextmanager
async def fresh_database(admin_url: str) -> AsyncIterator[str]:
    """A new PostgreSQL database for one run (SQLAlchemy URL), dropped afterwards."""
    plain = admin_url.replace("postgresql+asyncpg://", "postgresql://")
    name = f"cc_cluster_{uuid.uuid4().hex[:12]}"
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
    redis = Redis.from_url(url)
    try:
        keys = [key async for key in redis.scan_iter(match=f"{prefix}:*")]
        if keys:
            await redis.delete(*keys)
    finally:
        await redis.aclose()


@asynccontextmanager
async def running_cluster(
    plan: ClusterPlan, workdir: Path, postgres_url: str, redis_url: str
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
            "ANALYSIS_WORKERS": "1",
            "PICTURE_WORKERS": "1",
            "WEBHOOK_URL": "https://bot.example/hook",
            "WEBHOOK_LISTEN": "127.0.0.1",
            "WEBHOOK_SECRET": SECRET,
            "WEEKLY_POST_CHECK_S": "0",
            "DIGEST_CHECK_S": "0",
        }
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

        workers = [process(f"worker{i}", WORKER_ARGV, {}) for i in range(plan.workers)]
        replicas = [process(f"replica{i}", ("-m", "bot"), {"WEBHOOK_PORT": str(port)}) for i, port in enumerate(ports)]
        cluster = Cluster(emu, proxy, replicas, workers, ports, database_url)
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


async def burst(cluster: Cluster, plan: ClusterPlan, report: ClusterReport) -> tuple[list[Sent], list[Sent]]:
    """The photos and commands, sent as fast as members could; returns what was sent."""
    emu = cluster.emu
    groups = []
    for index in range(plan.chats):
        owner = emu.create_user(f"Member{index}", language_code="ko" if index % 2 else "en")
        groups.append((emu.create_chat("group", title=f"Cluster {index}", user=owner)["id"], owner["id"]))
    talkers = []
    for index in range(plan.command_users):
        user = emu.create_user(f"Talker{index}", language_code="en")
        talkers.append((emu.create_chat("private", user=user)["id"], user["id"]))
    pictures = await asyncio.to_thread(
        lambda: {
            (chat, photo): unique_copy(load_strip(f"c{photo:03d}", photo).original, 1 + chat * 64 + photo)
            for chat, photo in itertools.product(range(plan.chats), range(plan.photos_per_chat))
        }
    )
    photos, commands = [], []
    for photo, (index, (chat_id, user_id)) in itertools.product(range(plan.photos_per_chat), enumerate(groups)):
        message = await emu.send_photo(chat_id, user_id, pictures[(index, photo)])
        photos.append(Sent(chat_id, message["message_id"], time.monotonic()))
        for chat, user in talkers:
            asked = await emu.send_text(chat, user, "/help")
            commands.append(Sent(chat, asked["message_id"], time.monotonic()))
    report.photos, report.commands = len(photos), len(commands)
    return photos, commands


def replies_to(emu: BotApiEmulator, sent: Sent) -> list[int]:
    return [
        record.message_id
        for record in emu.bot_messages(sent.chat_id, include_deleted=False)
        if (record.message.get("reply_to_message") or {}).get("message_id") == sent.message_id
    ]


def answered(emu: BotApiEmulator, sent: Sent) -> bool:
    """A command's answer: any bot message in its chat after it (/help does not reply to the command)."""
    return any(record.message_id > sent.message_id for record in emu.bot_messages(sent.chat_id))


async def album_rows(database_url: str) -> tuple[int, int, dict[int, int]]:
    """(photos stored, photos analysed, photos per chat)."""
    connection = await asyncpg.connect(database_url.replace("postgresql+asyncpg://", "postgresql://"))
    try:
        rows = await connection.fetch(
            "SELECT chat_id, count(*) AS n, count(analysed_at) AS a FROM photo WHERE kind = 'photo' GROUP BY chat_id"
        )
    finally:
        await connection.close()
    return sum(r["n"] for r in rows), sum(r["a"] for r in rows), {r["chat_id"]: r["n"] for r in rows}


async def settle(cluster: Cluster, plan: ClusterPlan, photos: list[Sent], commands: list[Sent]) -> dict[Sent, float]:
    """Until every photo has an answer and every command one, all photos analysed, then QUIET_S of calm (a second
    answer would show by then); returns when each photo's answer was first seen (to the half second)."""
    emu, deadline = cluster.emu, time.monotonic() + plan.settle_timeout_s
    answered_at: dict[Sent, float] = {}
    while time.monotonic() < deadline:
        for photo in photos:
            if photo not in answered_at and replies_to(emu, photo):
                answered_at[photo] = time.monotonic()
        if len(answered_at) == len(photos) and all(answered(emu, c) for c in commands):
            _, analysed, _ = await album_rows(cluster.database_url)
            if analysed >= len(photos):
                break
        await asyncio.sleep(0.5)
    await asyncio.sleep(QUIET_S)
    return answered_at


async def check(
    cluster: Cluster, plan: ClusterPlan, photos: list[Sent], commands: list[Sent], report: ClusterReport
) -> None:
    emu = cluster.emu
    for photo in photos:
        replies = replies_to(emu, photo)
        where = f"photo {photo.message_id} in chat {photo.chat_id}"
        if not replies:
            report.lost.append(f"{where}: never answered")
        elif len(replies) > 1:
            report.duplicates.append(f"{where}: answered {len(replies)} times")
    for command in commands:
        if not answered(emu, command):
            report.lost.append(f"/help {command.message_id} in chat {command.chat_id}: not answered")
    report.stored, report.analysed, per_chat = await album_rows(cluster.database_url)
    for chat in {p.chat_id for p in photos}:
        filed = per_chat.get(chat, 0)
        if filed < plan.photos_per_chat:
            report.lost.append(f"chat {chat}: {filed} of {plan.photos_per_chat} photos stored")
        elif filed > plan.photos_per_chat:
            report.duplicates.append(f"chat {chat}: {filed} rows for {plan.photos_per_chat} photos")
    if report.analysed < report.stored:
        report.lost.append(f"{report.stored - report.analysed} photos never analysed")
    report.forwarded = list(cluster.proxy.forwarded)


async def run_cluster(plan: ClusterPlan, workdir: Path, postgres_url: str, redis_url: str) -> ClusterReport:
    report = ClusterReport(plan)
    async with running_cluster(plan, workdir, postgres_url, redis_url) as cluster:
        started = time.monotonic()
        photos, commands = await burst(cluster, plan, report)
        answered_at = await settle(cluster, plan, photos, commands)
        report.burst_s = max(answered_at.values(), default=time.monotonic()) - started
        report.photo_latencies_s = [answered_at[p] - p.at for p in photos if p in answered_at]
        await check(cluster, plan, photos, commands, report)
    return report


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--replicas", type=int, default=2)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--chats", type=int, default=4)
    parser.add_argument("--photos", type=int, default=3, help="photos per chat")
    args = parser.parse_args()
    postgres, redis = os.environ.get("TEST_POSTGRES_URL"), os.environ.get("TEST_REDIS_URL")
    if not postgres or not redis:
        sys.exit("set TEST_POSTGRES_URL and TEST_REDIS_URL (make cluster starts the servers and sets them)")
    plan = ClusterPlan(replicas=args.replicas, workers=args.workers, chats=args.chats, photos_per_chat=args.photos)
    with tempfile.TemporaryDirectory(prefix="cc-cluster-") as tmp:
        report = asyncio.run(run_cluster(plan, Path(tmp), postgres, redis))
    for name, value in report.metrics().items():
        print(f"METRIC cluster.{name} {round(value, 3)}")
    for problem in [*report.lost, *report.duplicates]:
        print(f"problem: {problem}")
    print(f"forwarded per replica: {report.forwarded}")


if __name__ == "__main__":
    main()
