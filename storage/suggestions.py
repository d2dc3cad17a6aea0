"""What `/pose` needs besides the poses seen (storage.poses): the poses it showed a chat lately, and how many faces
the chat's cuts usually hold."""

from __future__ import annotations

from sqlalchemy import delete
from sqlmodel import col, func, select

from storage.db import Database
from storage.models import Face, PoseSuggestion

KEPT_PER_CHAT = 20  # older suggestions are deleted: only the last few matter


class SuggestionStore:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def recent(self, chat_id: int, limit: int) -> list[str]:
        """The poses last shown to the chat, newest first (a pose shown twice is listed at its latest)."""
        async with self.db.session() as session:
            rows = (
                await session.exec(
                    select(PoseSuggestion.key)
                    .where(col(PoseSuggestion.chat_id) == chat_id)
                    .order_by(col(PoseSuggestion.created_at).desc(), col(PoseSuggestion.id).desc())
                    .limit(KEPT_PER_CHAT)
                )
            ).all()
        return list(dict.fromkeys(rows))[:limit]

    async def record(self, chat_id: int, key: str) -> None:
        async with self.db.session() as session:
            session.add(PoseSuggestion(chat_id=chat_id, key=key))
            await session.flush()
            kept = (
                select(PoseSuggestion.id)
                .where(col(PoseSuggestion.chat_id) == chat_id)
                .order_by(col(PoseSuggestion.created_at).desc(), col(PoseSuggestion.id).desc())
                .limit(KEPT_PER_CHAT)
            )
            await session.exec(
                delete(PoseSuggestion).where(
                    col(PoseSuggestion.chat_id) == chat_id, col(PoseSuggestion.id).not_in(kept.scalar_subquery())
                )
            )

    async def faces_per_cut(self, chat_id: int) -> dict[int, int]:
        """Faces in a cut → how many of the chat's cuts hold that many (cuts with no face stored are not counted)."""
        per_cut = (
            select(func.count().label("faces"))
            .select_from(Face)
            .where(col(Face.chat_id) == chat_id)
            .group_by(col(Face.photo_id), col(Face.frame))
            .subquery()
        )
        async with self.db.session() as session:
            rows = (await session.exec(select(per_cut.c.faces, func.count()).group_by(per_cut.c.faces))).all()
        return {int(faces): int(cuts) for faces, cuts in rows}
