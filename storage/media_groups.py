"""Telegram albums being answered. An album's photos arrive as separate updates — behind a load balancer maybe at
different replicas — and are answered once, after the last: each item `join`s before its work and `finish`es after
it (with what became of it); whoever finds the album quiet (no item pending, no item finished since it looked)
`take`s it, which removes it, so exactly one caller gets the answer to give.

Two backends of one interface: `MemoryMediaGroups` (one process, the default) and `DbMediaGroups` (tables
`mediagroup` and `mediagroupitem`, shared on one PostgreSQL database). What became of a photo is kept as its
photo id, not its analysis: whoever answers reads the analysis back from the database.
"""

from __future__ import annotations

import dataclasses
import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Protocol

from sqlalchemy import ColumnElement, delete, update
from sqlmodel import col, select

from storage.db import Database
from storage.models import MediaGroup, MediaGroupItem, utcnow
from storage.schedule import insert_claiming
from storage.throttle import Every

MEDIA_GROUP_IDLE_S = 10 * 60  # an album nobody will answer (its items failed) is forgotten after this …
MEDIA_GROUP_MAX_AGE_S = 60 * 60  # … and one still waiting for an item after this (a handler that never returned)
PRUNE_EVERY_S = 60.0


@dataclass(frozen=True)
class GroupHeader:
    language: str
    sender: str
    quiet: bool  # the chat's answers are quiet: a reaction (and words only for problems)


@dataclass(frozen=True)
class GroupItem:
    """What became of one photo of the album."""

    problem: str | None = None  # why it was not taken
    saved: bool = False  # something new was filed from it
    duplicate: bool = False  # it was in the album already
    photo_id: int | None = None  # the photo filed just now (its analysis is read back when answering)
    own_answer: bool = False  # it held a booth QR: answered on its own, like a single strip


@dataclass(frozen=True)
class TakenGroup:
    chat_id: int
    media_group_id: str
    header: GroupHeader
    items: dict[int, GroupItem]  # message id → item


class MediaGroupStore(Protocol):
    async def join(self, chat_id: int, media_group_id: str, header: GroupHeader) -> None:
        """An item starts (the first one's header is kept)."""
        ...

    async def finish(self, chat_id: int, media_group_id: str, message_id: int, item: GroupItem | None) -> int:
        """An item ended: with what became of it, or None when its work failed. Returns the album's count of
        finished items, which `take` checks (-1: the album is gone)."""
        ...

    async def take(self, chat_id: int, media_group_id: str, seq: int) -> TakenGroup | None:
        """The album to answer, removed, when nothing is pending and `seq` items are still all that finished."""
        ...

    async def close(self) -> None: ...


@dataclass
class _Group:
    header: GroupHeader
    created_at: float
    pending: int = 0
    seq: int = 0
    touched_at: float = 0.0
    items: dict[int, GroupItem] = field(default_factory=dict)


class MemoryMediaGroups:
    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._groups: dict[tuple[int, str], _Group] = {}

    async def join(self, chat_id: int, media_group_id: str, header: GroupHeader) -> None:
        self._drop_abandoned()
        now = self._clock()
        group = self._groups.setdefault((chat_id, media_group_id), _Group(header, created_at=now, touched_at=now))
        group.pending += 1

    async def finish(self, chat_id: int, media_group_id: str, message_id: int, item: GroupItem | None) -> int:
        group = self._groups.get((chat_id, media_group_id))
        if group is None:
            return -1
        group.pending -= 1
        group.touched_at = self._clock()
        if item is not None:
            group.items[message_id] = item
            group.seq += 1
        return group.seq

    async def take(self, chat_id: int, media_group_id: str, seq: int) -> TakenGroup | None:
        group = self._groups.get((chat_id, media_group_id))
        if group is None or group.pending > 0 or group.seq != seq:
            return None
        del self._groups[(chat_id, media_group_id)]
        return TakenGroup(chat_id, media_group_id, group.header, dict(group.items))

    def __len__(self) -> int:
        self._drop_abandoned()
        return len(self._groups)

    def _drop_abandoned(self) -> None:
        now = self._clock()
        for key, group in list(self._groups.items()):
            idle = now - group.touched_at
            if (group.pending <= 0 and idle > MEDIA_GROUP_IDLE_S) or now - group.created_at > MEDIA_GROUP_MAX_AGE_S:
                del self._groups[key]

    async def close(self) -> None:
        self._groups.clear()


class DbMediaGroups:
    """Every step is one transaction; PostgreSQL's row locks (SQLite's write lock) order concurrent steps. Albums
    older than an hour (their items failed, or a replica died mid-item) are deleted by the next join."""

    def __init__(self, db: Database) -> None:
        self.db = db
        self._pruning = Every(PRUNE_EVERY_S)

    async def join(self, chat_id: int, media_group_id: str, header: GroupHeader) -> None:
        await self._prune()
        async with self.db.session() as session:
            values = {"chat_id": chat_id, "media_group_id": media_group_id, **dataclasses.asdict(header)}
            await insert_claiming(session, MediaGroup, values)
            await session.exec(
                update(MediaGroup).where(*_is(chat_id, media_group_id)).values(pending=col(MediaGroup.pending) + 1)
            )

    async def finish(self, chat_id: int, media_group_id: str, message_id: int, item: GroupItem | None) -> int:
        async with self.db.session() as session:
            result = await session.exec(
                update(MediaGroup)
                .where(*_is(chat_id, media_group_id))
                .values(
                    pending=col(MediaGroup.pending) - 1,
                    seq=col(MediaGroup.seq) + (1 if item is not None else 0),
                )
                .returning(col(MediaGroup.seq))
            )
            seq = result.scalar_one_or_none()
            if seq is None:
                return -1
            if item is not None:
                values = {
                    "chat_id": chat_id,
                    "media_group_id": media_group_id,
                    "message_id": message_id,
                    "value": json.dumps(dataclasses.asdict(item)),
                }
                await insert_claiming(session, MediaGroupItem, values)
            return int(seq)

    async def take(self, chat_id: int, media_group_id: str, seq: int) -> TakenGroup | None:
        async with self.db.session() as session:
            taken = (
                await session.exec(
                    delete(MediaGroup)
                    .where(*_is(chat_id, media_group_id), col(MediaGroup.pending) <= 0, col(MediaGroup.seq) == seq)
                    .returning(col(MediaGroup.language), col(MediaGroup.sender), col(MediaGroup.quiet))
                )
            ).one_or_none()
            if taken is None:
                return None
            where = (col(MediaGroupItem.chat_id) == chat_id, col(MediaGroupItem.media_group_id) == media_group_id)
            rows = (
                await session.exec(select(col(MediaGroupItem.message_id), col(MediaGroupItem.value)).where(*where))
            ).all()
            await session.exec(delete(MediaGroupItem).where(*where))
        items = {int(message_id): GroupItem(**json.loads(value)) for message_id, value in rows}
        return TakenGroup(chat_id, media_group_id, GroupHeader(taken[0], taken[1], bool(taken[2])), items)

    async def _prune(self) -> None:
        if not self._pruning.due():
            return
        cutoff = utcnow() - timedelta(seconds=MEDIA_GROUP_MAX_AGE_S)
        async with self.db.session() as session:
            old = (
                await session.exec(
                    select(col(MediaGroup.chat_id), col(MediaGroup.media_group_id)).where(
                        col(MediaGroup.created_at) < cutoff
                    )
                )
            ).all()
            for chat_id, media_group_id in old:
                await session.exec(delete(MediaGroup).where(*_is(chat_id, media_group_id)))
                await session.exec(
                    delete(MediaGroupItem).where(
                        col(MediaGroupItem.chat_id) == chat_id, col(MediaGroupItem.media_group_id) == media_group_id
                    )
                )

    async def close(self) -> None:
        """The database belongs to the services."""


def _is(chat_id: int, media_group_id: str) -> tuple[ColumnElement[bool], ColumnElement[bool]]:
    return col(MediaGroup.chat_id) == chat_id, col(MediaGroup.media_group_id) == media_group_id
