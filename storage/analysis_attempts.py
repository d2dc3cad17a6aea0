"""How often a photo's analysis was started, and giving it up: a photo whose analysis always fails (a file the
decoder chokes on, a model that crashes its worker on it) would otherwise be tried again by every resume sweep,
forever. Counted in the photo's own row (`analysis_attempts`), so restarts, replicas and workers all count together.

An attempt is counted when it starts (not when it fails), so a photo that kills its worker outright counts too.
Given up (`analysis_failed_at`), a photo is no longer resumed; the chat is told once (`analysis_failure_told_at`,
set by the one process that wins a conditional UPDATE before it sends)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import update
from sqlmodel import col, select

from storage.db import Database
from storage.models import Photo, saved_id, utcnow


@dataclass(frozen=True)
class GivenUp:
    photo_id: int
    chat_id: int
    attempts: int
    created_at: datetime
    telegram_file_id: str | None  # to show the chat which photo it is


class AnalysisAttempts:
    def __init__(self, db: Database, max_attempts: int) -> None:
        self.db, self.max_attempts = db, max_attempts

    async def start(self, photo_id: int) -> int:
        """Count one more attempt at the photo's analysis; which attempt this is (1 = the first)."""
        async with self.db.session() as session:
            await session.exec(
                update(Photo)
                .where(col(Photo.id) == photo_id)
                .values(analysis_attempts=col(Photo.analysis_attempts) + 1)
            )
            counted = await session.exec(select(Photo.analysis_attempts).where(col(Photo.id) == photo_id))
            return int(counted.one_or_none() or 0)

    def exhausted(self, attempt: int) -> bool:
        return attempt >= self.max_attempts

    async def give_up(self, photo_id: int) -> bool:
        """Mark the photo's analysis failed for good (it is not resumed again); False when it was analysed or given
        up already."""
        async with self.db.session() as session:
            marked = await session.exec(
                update(Photo)
                .where(
                    col(Photo.id) == photo_id,
                    col(Photo.analysed_at).is_(None),
                    col(Photo.analysis_failed_at).is_(None),
                )
                .values(analysis_failed_at=utcnow())
            )
            return marked.rowcount == 1

    async def untold(self, limit: int = 50) -> list[GivenUp]:
        """Photos given up whose chat has not been told yet, oldest first."""
        async with self.db.session() as session:
            rows = await session.exec(
                select(Photo)
                .where(col(Photo.analysis_failed_at).is_not(None), col(Photo.analysis_failure_told_at).is_(None))
                .order_by(col(Photo.id))
                .limit(limit)
            )
            return [
                GivenUp(saved_id(p.id), p.chat_id, p.analysis_attempts, p.created_at, p.telegram_file_id)
                for p in rows.all()
            ]

    async def claim_telling(self, photo_id: int) -> bool:
        """True for the one caller that tells the chat about this photo (at most once, even if the send fails)."""
        async with self.db.session() as session:
            marked = await session.exec(
                update(Photo)
                .where(col(Photo.id) == photo_id, col(Photo.analysis_failure_told_at).is_(None))
                .values(analysis_failure_told_at=utcnow())
            )
            return marked.rowcount == 1
