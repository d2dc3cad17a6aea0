"""Which update_ids a bot has already taken, shared by all its webhook replicas.

Telegram re-sends an update after any non-2xx answer or a timeout, and behind a load balancer the re-send may reach
another replica: the first replica to claim (bot id, update_id) handles it, every other claim is refused. Two
implementations of one interface: this table (SQLite or PostgreSQL, the default) and Redis (storage/redis_seen.py,
with REDIS_URL). The claim is taken before the update is queued, so a replica killed in between loses that update
rather than doubling it (replies are never sent twice).
"""

from __future__ import annotations

import time
from datetime import timedelta
from typing import Protocol

from sqlalchemy import delete, insert
from sqlalchemy.exc import IntegrityError
from sqlmodel import col

from storage.db import Database
from storage.models import SeenUpdate, utcnow

KEEP = timedelta(hours=24)  # Telegram keeps an undelivered update at most 24 h, so no re-send comes later
PRUNE_EVERY_S = 60.0


class SeenUpdates(Protocol):
    async def claim(self, bot_id: int, update_id: int) -> bool:
        """True the first time any replica claims this update, False for every later claim."""
        ...

    async def ping(self) -> None:
        """Raise when the backing server cannot be reached (readiness)."""
        ...

    async def close(self) -> None: ...


class DbSeenUpdates:
    """Claims as rows keyed by (bot id, update_id): the primary key refuses a second insert on any replica."""

    def __init__(self, db: Database, keep: timedelta = KEEP) -> None:
        self.db, self.keep = db, keep
        self._pruned_at = float("-inf")

    async def claim(self, bot_id: int, update_id: int) -> bool:
        await self._prune()
        try:
            async with self.db.session() as session:
                await session.exec(insert(SeenUpdate).values(bot_id=bot_id, update_id=update_id, created_at=utcnow()))
        except IntegrityError:
            return False
        return True

    async def _prune(self) -> None:
        if time.monotonic() - self._pruned_at < PRUNE_EVERY_S:
            return
        self._pruned_at = time.monotonic()
        async with self.db.session() as session:
            await session.exec(delete(SeenUpdate).where(col(SeenUpdate.created_at) < utcnow() - self.keep))

    async def ping(self) -> None:
        await self.db.ping()

    async def close(self) -> None:
        """The database belongs to the services; nothing of its own to close."""
