"""Claims that make background work run once across every process sharing the database: a scheduled job's run (the
nightly re-cluster of a day, the resume sweep of a ten-minute slot) or one photo's analysis.

A claim is a row (name, slot) with an owner and an expiry: the first INSERT wins (ON CONFLICT DO NOTHING, as the
weekly post's claim); a claim whose expiry has passed — its owner died — can be taken over by exactly one other
caller (a conditional UPDATE). Work that is finished may `release` its claim; a job's claim is simply left to expire,
which is what keeps the same slot from running again. Rows expired a week ago are pruned.
"""

from __future__ import annotations

import os
import socket
import uuid
from datetime import timedelta

from sqlalchemy import delete, update
from sqlmodel import col

from storage.db import Database
from storage.models import JobClaim, utcnow
from storage.schedule import insert_claiming
from storage.throttle import Every

KEEP_EXPIRED = timedelta(days=7)
PRUNE_EVERY_S = 3600.0


def process_owner() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


class JobClaims:
    def __init__(self, db: Database, owner: str | None = None) -> None:
        self.db = db
        self.owner = owner or process_owner()
        self._pruning = Every(PRUNE_EVERY_S)

    async def claim(self, name: str, slot: str, ttl: timedelta) -> bool:
        """True for exactly one caller per (name, slot) until the claim expires."""
        await self._prune()
        now = utcnow()
        values = {"name": name, "slot": slot, "owner": self.owner, "claimed_at": now, "expires_at": now + ttl}
        async with self.db.session() as session:
            if await insert_claiming(session, JobClaim, values):
                return True
            taken = await session.exec(
                update(JobClaim)
                .where(col(JobClaim.name) == name, col(JobClaim.slot) == slot, col(JobClaim.expires_at) <= now)
                .values(owner=self.owner, claimed_at=now, expires_at=now + ttl)
            )
            return taken.rowcount == 1

    async def renew(self, name: str, slot: str, ttl: timedelta) -> bool:
        """Extend a claim this process holds by `ttl` from now; False when it is no longer ours (it lapsed and
        another process took it)."""
        async with self.db.session() as session:
            renewed = await session.exec(
                update(JobClaim)
                .where(col(JobClaim.name) == name, col(JobClaim.slot) == slot, col(JobClaim.owner) == self.owner)
                .values(expires_at=utcnow() + ttl)
            )
            return renewed.rowcount == 1

    async def release(self, name: str, slot: str) -> None:
        """Give back a claim this process holds (the work is done, or failed and may be tried again)."""
        async with self.db.session() as session:
            await session.exec(
                delete(JobClaim).where(
                    col(JobClaim.name) == name, col(JobClaim.slot) == slot, col(JobClaim.owner) == self.owner
                )
            )

    async def _prune(self) -> None:
        if not self._pruning.due():
            return
        async with self.db.session() as session:
            await session.exec(delete(JobClaim).where(col(JobClaim.expires_at) < utcnow() - KEEP_EXPIRED))
