"""Small values handlers remember between updates, per chat and with an expiry: an open "what is their name?"
question, the photo messages of a page on screen, a counter. One interface, three backends:

- `MemoryChatKeys` — this process only (the default: `make run` is one process on SQLite);
- `DbChatKeys` — the `chatkey` table, shared by every replica on one PostgreSQL database;
- `RedisChatKeys` (storage/redis_state.py) — keys with an expiry, with REDIS_URL.

Values are JSON (a tuple comes back as a list in every backend). `take` is get-and-delete in one step, so of two
replicas answering the same question only one gets it.
"""

from __future__ import annotations

import json
import time
from collections import OrderedDict
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

from sqlalchemy import Integer, String, case, cast, delete, update
from sqlmodel import col, select

from storage.db import Database
from storage.models import ChatKey, utcnow
from storage.schedule import insert_claiming
from storage.throttle import Every

Json = Any
KEYS_PER_CHAT = 200  # the memory backend forgets a chat's oldest keys beyond this (the others expire instead)
PRUNE_EVERY_S = 60.0


class ChatKeys(Protocol):
    async def put(self, chat_id: int, key: str, value: Json, ttl_s: float) -> None: ...

    async def get(self, chat_id: int, key: str) -> Json | None: ...

    async def take(self, chat_id: int, key: str) -> Json | None:
        """The value, deleted in the same step: only one caller ever gets it."""
        ...

    async def add(self, chat_id: int, key: str, amount: int, ttl_s: float) -> int:
        """Add to a counter (missing or expired: 0) and return the new count; the expiry restarts."""
        ...

    async def close(self) -> None: ...


class MemoryChatKeys:
    def __init__(self, clock: Callable[[], float] = time.monotonic, per_chat: int = KEYS_PER_CHAT) -> None:
        self._clock, self._per_chat = clock, per_chat
        self._chats: dict[int, OrderedDict[str, tuple[float, str]]] = {}  # oldest write first
        self._pruning = Every(PRUNE_EVERY_S, clock)

    async def put(self, chat_id: int, key: str, value: Json, ttl_s: float) -> None:
        self._prune()
        keys = self._chats.setdefault(chat_id, OrderedDict())
        keys.pop(key, None)
        keys[key] = (self._clock() + ttl_s, json.dumps(value))
        while len(keys) > self._per_chat:
            keys.popitem(last=False)

    async def get(self, chat_id: int, key: str) -> Json | None:
        keys = self._chats.get(chat_id)
        entry = keys.get(key) if keys is not None else None
        if entry is None or entry[0] <= self._clock():
            return None
        return json.loads(entry[1])

    async def take(self, chat_id: int, key: str) -> Json | None:
        value = await self.get(chat_id, key)
        keys = self._chats.get(chat_id)
        if keys is not None:
            keys.pop(key, None)
            if not keys:
                del self._chats[chat_id]
        return value

    async def add(self, chat_id: int, key: str, amount: int, ttl_s: float) -> int:
        count = int(await self.get(chat_id, key) or 0) + amount
        await self.put(chat_id, key, count, ttl_s)
        return count

    def __len__(self) -> int:
        self._pruning.reset()
        self._prune()
        return sum(len(keys) for keys in self._chats.values())

    def _prune(self) -> None:
        if not self._pruning.due():
            return
        now = self._clock()
        for chat_id, keys in list(self._chats.items()):
            for key in [key for key, (expires, _) in keys.items() if expires <= now]:
                del keys[key]
            if not keys:
                del self._chats[chat_id]

    async def close(self) -> None:
        self._chats.clear()


class DbChatKeys:
    """Rows of `chatkey`; an expired row counts as missing and is deleted by the next write after it (at most once a
    minute per process). They move with the chat (storage.chat_move) and /forget erases them."""

    def __init__(self, db: Database) -> None:
        self.db = db
        self._pruning = Every(PRUNE_EVERY_S)

    async def put(self, chat_id: int, key: str, value: Json, ttl_s: float) -> None:
        await self._prune()
        expires = utcnow() + timedelta(seconds=ttl_s)
        async with self.db.session() as session:
            values = {"chat_id": chat_id, "key": key, "value": json.dumps(value), "expires_at": expires}
            if not await insert_claiming(session, ChatKey, values):
                await session.exec(
                    update(ChatKey)
                    .where(col(ChatKey.chat_id) == chat_id, col(ChatKey.key) == key)
                    .values(value=values["value"], expires_at=expires)
                )

    async def get(self, chat_id: int, key: str) -> Json | None:
        async with self.db.session() as session:
            value = (
                await session.exec(
                    select(col(ChatKey.value)).where(
                        col(ChatKey.chat_id) == chat_id, col(ChatKey.key) == key, col(ChatKey.expires_at) > utcnow()
                    )
                )
            ).one_or_none()
        return None if value is None else json.loads(value)

    async def take(self, chat_id: int, key: str) -> Json | None:
        async with self.db.session() as session:
            row = (
                await session.exec(
                    delete(ChatKey)
                    .where(col(ChatKey.chat_id) == chat_id, col(ChatKey.key) == key)
                    .returning(col(ChatKey.value), col(ChatKey.expires_at))
                )
            ).one_or_none()
        if row is None or _aware(row[1]) <= utcnow():
            return None
        return json.loads(row[0])

    async def add(self, chat_id: int, key: str, amount: int, ttl_s: float) -> int:
        now = utcnow()
        expires = now + timedelta(seconds=ttl_s)
        counted = case(
            (col(ChatKey.expires_at) > now, cast(cast(col(ChatKey.value), Integer) + amount, String)),
            else_=str(amount),
        )
        for _ in range(2):  # a concurrent first add may insert the row between our update and our insert
            async with self.db.session() as session:
                # One statement: PostgreSQL locks the row, SQLite takes its write lock, so adds never interleave.
                result = await session.exec(
                    update(ChatKey)
                    .where(col(ChatKey.chat_id) == chat_id, col(ChatKey.key) == key)
                    .values(value=counted, expires_at=expires)
                    .returning(col(ChatKey.value))
                )
                current = result.scalar_one_or_none()
                if current is not None:
                    return int(current)
                values = {"chat_id": chat_id, "key": key, "value": str(amount), "expires_at": expires}
                if await insert_claiming(session, ChatKey, values):
                    return amount
        raise RuntimeError(f"counter {key!r} of chat {chat_id} could not be written")

    async def _prune(self) -> None:
        if not self._pruning.due():
            return
        async with self.db.session() as session:
            await session.exec(delete(ChatKey).where(col(ChatKey.expires_at) <= utcnow()))

    async def close(self) -> None:
        """The database belongs to the services."""


def _aware(when: datetime) -> datetime:
    """SQLite hands back naive datetimes (stored as UTC)."""
    return when if when.tzinfo is not None else when.replace(tzinfo=UTC)
