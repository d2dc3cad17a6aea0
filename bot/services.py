"""Everything handlers need, built once in post_init and kept in bot_data."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from booths import SafeFetcher
from bot.config import Settings
from bot.workers import CpuPool
from ranking.charities import SHIPPED_LIST, load_charities
from storage.albums import AlbumStore
from storage.blobs import BlobStore
from storage.db import Database
from storage.ledger import LedgerStore
from storage.models import utcnow
from storage.ranking import RankingStore
from storage.schedule import ScheduleStore


@dataclass
class Services:
    settings: Settings
    db: Database
    albums: AlbumStore
    cpu: CpuPool
    fetcher: SafeFetcher
    ranking: RankingStore
    ledger: LedgerStore
    schedules: ScheduleStore
    owns_cpu: bool = True
    clock: Callable[[], datetime] = utcnow  # now, in UTC; tests set a controllable clock

    @classmethod
    async def start(
        cls, settings: Settings, cpu: CpuPool | None = None, fetcher: SafeFetcher | None = None
    ) -> Services:
        """Open the database (migrating it), sweep crash leftovers, start the worker pool unless one is given."""
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        db = Database(settings.resolved_database_url)
        await db.migrate()
        albums = AlbumStore(db, BlobStore(settings.blob_dir))
        await albums.sweep_orphan_blobs()
        charities = load_charities(settings.charities_file or SHIPPED_LIST)
        owns_cpu = cpu is None
        return cls(
            settings=settings,
            db=db,
            albums=albums,
            cpu=cpu or CpuPool(settings.analysis_workers),
            fetcher=fetcher or SafeFetcher(),
            ranking=RankingStore(db, settings.timezone),
            ledger=LedgerStore(db, charities, settings.timezone),
            schedules=ScheduleStore(db, settings.timezone),
            owns_cpu=owns_cpu,
        )

    async def close(self) -> None:
        await self.fetcher.close()
        if self.owns_cpu:
            self.cpu.shutdown()
        await self.db.dispose()
