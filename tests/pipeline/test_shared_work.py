"""Background work runs once across processes sharing one database (SQLite here stands for one machine, PostgreSQL
for many): a photo's analysis (two analysers, each on its own connections, asked for the same photo at once) and
the scheduled runs (the nightly re-cluster per day, the resume sweep per slot)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path
from types import SimpleNamespace
from typing import Any, cast
from zoneinfo import ZoneInfo

import pytest

from pipeline.analysis import PhotoAnalyser, PhotoAnalysis
from pipeline.services import Services
from pipeline.workers import CpuPool
from scheduler.recluster import run_recluster
from scheduler.resume import run_resume
from storage.albums import AlbumStore, NewMedia
from storage.blobs import LocalBlobStore
from storage.db import Database
from storage.faces import FaceStore
from storage.job_claims import JobClaims
from tests.storage.ledger_helpers import png

CHAT = -42


class CountingPool:
    """Stands in for the CPU pool: counts analyses, each taking a moment, and finds no face."""

    def __init__(self) -> None:
        self.runs = 0

    async def run(self, fn: Any, *args: Any) -> PhotoAnalysis:
        self.runs += 1
        await asyncio.sleep(0.3)
        return PhotoAnalysis(width=64, height=64, layout_kind="single", duplicated=False, faces=())


@pytest.fixture
async def replicas(database_url: str, tmp_path: Path) -> AsyncIterator[list[PhotoAnalyser]]:
    """Two analysers as two processes would have them: own connections, own claims, one database and blob store."""
    dbs = [Database(database_url), Database(database_url)]
    await dbs[0].migrate()
    analysers = []
    for index, db in enumerate(dbs):
        albums = AlbumStore(db, LocalBlobStore(tmp_path / "blobs"))
        pool = cast(CpuPool, CountingPool())
        claims = JobClaims(db, owner=f"replica-{index}")
        analysers.append(PhotoAnalyser(albums, FaceStore(db), pool, 60_000_000, claims=claims))
    await analysers[0].albums.remember(chat_id=CHAT, chat_type="group", chat_title="G", user_id=1, first_name="A")
    yield analysers
    for db in dbs:
        await db.dispose()


def runs(analysers: list[PhotoAnalyser]) -> int:
    return sum(cast(CountingPool, analyser.cpu).runs for analyser in analysers)


async def test_a_photo_asked_for_on_two_replicas_is_analysed_once(replicas: list[PhotoAnalyser]) -> None:
    photo = (await replicas[0].albums.save(CHAT, NewMedia(data=png(1), mime="image/png"))).photo
    assert photo.id is not None
    results = await asyncio.gather(*(analyser.analyse_and_file(photo.id) for analyser in replicas))
    assert runs(replicas) == 1, "the second replica waited for the first one's result"
    assert all(result is not None and result.photo_id == photo.id for result in results)
    assert sorted(result.fresh for result in results if result is not None) == [False, True]


async def test_a_resume_on_every_replica_analyses_each_photo_once(replicas: list[PhotoAnalyser]) -> None:
    for seed in range(4):
        await replicas[0].albums.save(CHAT, NewMedia(data=png(seed), mime="image/png"))
    tried = await asyncio.gather(*(analyser.resume() for analyser in replicas))
    assert tried == [4, 4] and runs(replicas) == 4, "each photo analysed by one replica, waited for by the other"


def service(database_url_db: Database, owner: str, now: datetime) -> Services:
    recluster = SimpleNamespace(count=0)

    async def recluster_all() -> None:
        recluster.count += 1

    async def resume() -> int:
        return 0

    analyser = SimpleNamespace(recluster_all=recluster_all, resume=resume, recluster=recluster)
    return cast(
        Services,
        SimpleNamespace(
            shared=SimpleNamespace(claims=JobClaims(database_url_db, owner=owner)),
            settings=SimpleNamespace(tz=ZoneInfo("Asia/Seoul")),
            clock=lambda: now,
            analyser=analyser,
        ),
    )


async def test_the_nightly_recluster_and_the_resume_sweep_run_once_across_replicas(database_url: str) -> None:
    dbs = [Database(database_url), Database(database_url)]
    await dbs[0].migrate()
    try:
        night = datetime(2026, 12, 4, 19, 30, tzinfo=UTC)  # 04:30 in Seoul, 5 December
        one, two = service(dbs[0], "one", night), service(dbs[1], "two", night)
        assert sorted(await asyncio.gather(run_recluster(one), run_recluster(two))) == [False, True]
        assert one.analyser.recluster.count + two.analyser.recluster.count == 1  # type: ignore[attr-defined]
        next_night = service(dbs[1], "two", datetime(2026, 12, 5, 19, 30, tzinfo=UTC))
        assert await run_recluster(next_night), "the next day is a new run"
        swept = await asyncio.gather(run_resume(one), run_resume(two))
        assert sorted(swept, key=lambda tried: tried is None) == [0, None], "one sweep per slot"
    finally:
        for db in dbs:
            await db.dispose()
