"""Each chat's choice to have its photos also read by OpenAI (/settings; off unless an admin turned it on)."""

from __future__ import annotations

from datetime import datetime

from storage.albums import insert_ignoring_conflicts
from storage.db import Database
from storage.models import ChatRefinement, utcnow


class RefinementStore:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def openai_on(self, chat_id: int) -> bool:
        async with self.db.session() as session:
            row = await session.get(ChatRefinement, chat_id)
        return bool(row and row.openai)

    async def set_openai(self, chat_id: int, on: bool, now: datetime | None = None) -> None:
        when = now or utcnow()
        async with self.db.session() as session:
            await insert_ignoring_conflicts(
                session, ChatRefinement, {"chat_id": chat_id, "openai": on, "changed_at": when}
            )
            row = await session.get(ChatRefinement, chat_id)
            if row is not None:
                row.openai, row.changed_at = on, when
                session.add(row)
