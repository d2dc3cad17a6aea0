"""Which update_ids a bot has already taken, shared by all its webhook replicas, and the updates still being handled.

Telegram re-sends an update after any non-2xx answer or a timeout, and behind a load balancer the re-send may reach
another replica: the first replica to claim (bot id, update_id) handles it, every other claim is refused. The claim
is durable: it stores the update itself with its owner's lease, taken before Telegram is answered 200, and cleared
(`done`) when the handling ended. The owner renews the leases of everything it holds in one statement every third of
the lease; a replica that dies (kill -9, a lost machine) stops renewing, and `take_lapsed` on any other replica hands
each of its updates to exactly one taker (a conditional UPDATE on the old owner), which handles it again. The
handlers make that second handling harmless (a photo is unique per chat and content, its answer a stored reply).

In the database only (SQLite, PostgreSQL): the row is the one record of an update Telegram has forgotten, so it
must survive a restart of the store; a Redis without an append-only file keeps no such promise.
"""

from __future__ import annotations

import json
import logging
from datetime import timedelta
from typing import Any

from sqlalchemy import delete, insert, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import col, select

from storage.db import Database
from storage.job_claims import process_owner
from storage.models import SeenUpdate, utcnow
from storage.throttle import Every

log = logging.getLogger(__name__)

KEEP = timedelta(hours=24)  # Telegram keeps an undelivered update at most 24 h, so no re-send comes later
PRUNE_EVERY_S = 60.0
LEASE = timedelta(seconds=15)
MAX_TAKEOVERS = 3  # an update whose handling kills every replica that takes it is dropped after this many
TAKE_AT_ONCE = 50


class SeenUpdates:
    """Claims as rows keyed by (bot id, update_id): the primary key refuses a second insert on any replica."""

    def __init__(
        self, db: Database, owner: str | None = None, lease: timedelta = LEASE, keep: timedelta = KEEP
    ) -> None:
        self.db, self.lease, self.keep = db, lease, keep
        self.owner = owner or process_owner()
        self._pruning = Every(PRUNE_EVERY_S)

    async def claim(self, bot_id: int, update_id: int, payload: dict[str, Any] | None = None) -> bool:
        """True the first time any replica claims this update (held by this process until `done`), False for every
        later claim. Without a payload the claim only de-duplicates (nothing to hand over)."""
        await self._prune()
        now = utcnow()
        values: dict[str, Any] = {"bot_id": bot_id, "update_id": update_id, "created_at": now}
        if payload is not None:
            values |= {"owner": self.owner, "lease_until": now + self.lease, "payload": json.dumps(payload)}
        try:
            async with self.db.session() as session:
                await session.exec(insert(SeenUpdate).values(**values))
        except IntegrityError:
            return False
        return True

    async def done(self, bot_id: int, update_id: int) -> None:
        """The handling ended (well or not): nothing left to hand over."""
        async with self.db.session() as session:
            await session.exec(
                update(SeenUpdate)
                .where(_is(bot_id, update_id), col(SeenUpdate.owner) == self.owner)
                .values(payload=None, lease_until=None)
            )

    async def renew(self) -> int:
        """Extend the lease of every update this process is handling; how many."""
        async with self.db.session() as session:
            result = await session.exec(
                update(SeenUpdate)
                .where(col(SeenUpdate.owner) == self.owner, col(SeenUpdate.lease_until).is_not(None))
                .values(lease_until=utcnow() + self.lease)
            )
            return int(result.rowcount)

    async def take_lapsed(self, bot_id: int) -> list[dict[str, Any]]:
        """Updates whose owner stopped renewing before it finished them: each now held by this process, by no other
        (oldest first). One that was taken over MAX_TAKEOVERS times already is dropped instead. This process's own
        lapsed ones are still being handled here (its loop was too busy to renew in time): not taken again."""
        now = utcnow()
        async with self.db.session() as session:
            rows = (
                await session.exec(
                    select(SeenUpdate)
                    .where(
                        col(SeenUpdate.bot_id) == bot_id,
                        col(SeenUpdate.lease_until) <= now,
                        col(SeenUpdate.owner) != self.owner,
                    )
                    .order_by(col(SeenUpdate.update_id))
                    .limit(TAKE_AT_ONCE)
                )
            ).all()
        taken = []
        for row in rows:
            dropping = row.takeovers >= MAX_TAKEOVERS or row.payload is None
            changes: dict[str, Any] = (
                {"payload": None, "lease_until": None}
                if dropping
                else {"owner": self.owner, "lease_until": utcnow() + self.lease, "takeovers": row.takeovers + 1}
            )
            async with self.db.session() as session:
                result = await session.exec(
                    update(SeenUpdate)
                    .where(
                        _is(row.bot_id, row.update_id),
                        col(SeenUpdate.owner) == row.owner,
                        col(SeenUpdate.lease_until) <= now,
                    )
                    .values(**changes)
                )
            if result.rowcount != 1:
                continue  # another replica took it first
            if dropping:
                log.error("update %s dropped: its handling was taken over %d times", row.update_id, row.takeovers)
            elif row.payload is not None:
                taken.append(json.loads(row.payload))
        return taken

    async def _prune(self) -> None:
        if not self._pruning.due():
            return
        async with self.db.session() as session:
            await session.exec(
                delete(SeenUpdate).where(
                    col(SeenUpdate.created_at) < utcnow() - self.keep, col(SeenUpdate.lease_until).is_(None)
                )
            )

    async def ping(self) -> None:
        await self.db.ping()

    async def close(self) -> None:
        """The database belongs to the services; nothing of its own to close."""


def _is(bot_id: int, update_id: int) -> Any:
    return (col(SeenUpdate.bot_id) == bot_id) & (col(SeenUpdate.update_id) == update_id)
