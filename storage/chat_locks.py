"""The per-chat lock held while a chat's people change (clustering, merges, renames, removals, a move to a new chat
id), so those never race — in one process (`KeyedLocks`, the default) or across every replica and worker on one
PostgreSQL database (`PgChatLocks`: `pg_advisory_xact_lock(chat id)` in a transaction of its own).

`KeyedLocks` keeps one asyncio lock per key only while someone holds it or waits for it: a process that sees
thousands of chats holds locks for the few that are busy, not for every chat it ever saw."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Hashable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass, field
from typing import Generic, Protocol, TypeVar

from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

K = TypeVar("K", bound=Hashable)


@dataclass
class _Entry:
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    users: int = 0  # holding or waiting


class KeyedLocks(Generic[K]):
    def __init__(self) -> None:
        self._entries: dict[K, _Entry] = {}

    @asynccontextmanager
    async def hold(self, key: K) -> AsyncIterator[None]:
        entry = self._entries.setdefault(key, _Entry())
        entry.users += 1
        try:
            async with entry.lock:
                yield
        finally:
            entry.users -= 1
            if entry.users == 0:
                del self._entries[key]

    def __len__(self) -> int:
        return len(self._entries)

    def __contains__(self, key: object) -> bool:
        return key in self._entries


class ChatLocks(Protocol):
    def hold(self, chat_id: int) -> AbstractAsyncContextManager[None]: ...

    async def close(self) -> None: ...


class MemoryChatLocks(KeyedLocks[int]):
    async def close(self) -> None:
        """Nothing to release."""


class PgChatLocks:
    """A transaction-scoped advisory lock keyed by the chat id (the bigint form; nothing else in the bot's database
    takes advisory locks), on connections of its own: a holder that waits for the work pool's connections while
    holding the lock can never starve it. Within a process the waiters queue on an asyncio lock first, so one chat
    ties up at most one connection per process."""

    def __init__(self, url: str, connections: int = 10) -> None:
        self.engine = create_async_engine(url, pool_size=connections, max_overflow=connections, pool_pre_ping=True)
        self._local: KeyedLocks[int] = KeyedLocks()

    @asynccontextmanager
    async def hold(self, chat_id: int) -> AsyncIterator[None]:
        async with self._local.hold(chat_id), self.engine.connect() as connection, connection.begin():
            await connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": chat_id})
            yield  # the lock goes with the transaction (or with the connection, if this process dies)

    async def close(self) -> None:
        await self.engine.dispose()
