"""The community gallery: which chats share (`/share on`), the de-identified pose examples taken from their photos
(pictures in the gallery's own blob store, never the photos themselves), and the examples the check refused.

Only photos filed after a chat turned sharing on are used. `/share off` deletes the opt-in, every example taken from
the chat and their files. Deciding what is shown where (never a chat's own examples back to it) is the pipeline's.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, delete, exists, update
from sqlmodel import col, func, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.albums import insert_ignoring_conflicts
from storage.blobs import BlobStore
from storage.db import Database
from storage.models import GalleryExample, GalleryRefusal, GalleryShare, MediaKind, Photo, Pose, saved_id


@dataclass(frozen=True)
class Share:
    chat_id: int
    shared_by: int | None
    since: datetime


@dataclass(frozen=True)
class ExampleSource:
    """One cut of a sharing chat's photo that shows a pose and has not been made into an example yet."""

    chat_id: int
    photo_id: int
    frame: int
    key: str
    confidence: float  # the surest detection of the pose in that cut


@dataclass(frozen=True)
class StoredExample:
    id: int
    chat_id: int  # the chat whose photo it was made from
    photo_id: int
    frame: int
    key: str
    sha256: str
    width: int
    height: int
    telegram_file_id: str | None


@dataclass(frozen=True)
class Withdrawn:
    examples: int
    files: int


def _stored(row: GalleryExample) -> StoredExample:
    return StoredExample(
        saved_id(row.id),
        row.chat_id,
        row.photo_id,
        row.frame,
        row.key,
        row.sha256,
        row.width,
        row.height,
        row.telegram_file_id,
    )


async def erase_chat_gallery(session: AsyncSession, chat_id: int) -> tuple[int, set[str]]:
    """Delete the chat's opt-in, its examples and refusals (in the caller's transaction). Returns how many examples
    went and their files' digests, to delete with `GalleryStore.delete_unused_files` once committed."""
    digests = set(
        (await session.exec(select(GalleryExample.sha256).where(col(GalleryExample.chat_id) == chat_id))).all()
    )
    result = await session.exec(delete(GalleryExample).where(col(GalleryExample.chat_id) == chat_id))
    await session.exec(delete(GalleryRefusal).where(col(GalleryRefusal.chat_id) == chat_id))
    await session.exec(delete(GalleryShare).where(col(GalleryShare.chat_id) == chat_id))
    return int(result.rowcount or 0), digests


class GalleryStore:
    def __init__(self, db: Database, blobs: BlobStore) -> None:
        self.db, self.blobs = db, blobs

    # ----- opt-in -----------------------------------------------------------------------------------------------
    async def share(self, chat_id: int, user_id: int | None) -> bool:
        """Turn sharing on. False: it was on already (the first opt-in and its date stay)."""
        async with self.db.session() as session:
            if await session.get(GalleryShare, chat_id) is not None:
                return False
            await insert_ignoring_conflicts(session, GalleryShare, {"chat_id": chat_id, "shared_by": user_id})
        return True

    async def sharing(self, chat_id: int) -> Share | None:
        async with self.db.session() as session:
            row = await session.get(GalleryShare, chat_id)
        return None if row is None else Share(row.chat_id, row.shared_by, row.since)

    async def unshare(self, chat_id: int) -> Withdrawn:
        """Turn sharing off and withdraw every example taken from the chat, files included."""
        async with self.db.session() as session:
            examples, digests = await erase_chat_gallery(session, chat_id)
        return Withdrawn(examples, await self.delete_unused_files(digests))

    # ----- examples ---------------------------------------------------------------------------------------------
    async def sources(self, key: str, limit: int, chat_id: int | None = None) -> list[ExampleSource]:
        """Cuts of sharing chats' photos (filed after they turned sharing on) that show `key` and were neither made
        into an example nor refused yet: surest first, then newest. `chat_id`: only that chat's."""
        best = func.max(Pose.confidence)
        made = exists().where(
            col(GalleryExample.photo_id) == col(Pose.photo_id),
            col(GalleryExample.frame) == col(Pose.frame),
            col(GalleryExample.key) == col(Pose.key),
        )
        refused = exists().where(
            col(GalleryRefusal.photo_id) == col(Pose.photo_id),
            col(GalleryRefusal.frame) == col(Pose.frame),
            col(GalleryRefusal.key) == col(Pose.key),
        )
        query = (
            select(Pose.chat_id, Pose.photo_id, Pose.frame, best)
            .join(Photo, col(Photo.id) == col(Pose.photo_id))
            .join(
                GalleryShare,
                and_(col(GalleryShare.chat_id) == col(Pose.chat_id), col(Photo.created_at) >= col(GalleryShare.since)),
            )
            .where(col(Pose.key) == key, col(Photo.kind) == MediaKind.photo, ~made, ~refused)
            .group_by(col(Pose.chat_id), col(Pose.photo_id), col(Pose.frame))
            .order_by(best.desc(), col(Pose.photo_id).desc(), col(Pose.frame))
            .limit(limit)
        )
        if chat_id is not None:
            query = query.where(col(Pose.chat_id) == chat_id)
        async with self.db.session() as session:
            rows = (await session.exec(query)).all()
        return [ExampleSource(chat, photo, frame, key, float(confidence)) for chat, photo, frame, confidence in rows]

    async def add_example(self, source: ExampleSource, picture: bytes, width: int, height: int) -> int | None:
        """File a de-identified picture as an example of `source`. None: the chat stopped sharing (or its photo
        went) meanwhile, and nothing is kept."""
        digest = await asyncio.to_thread(self.blobs.put, picture)
        added: int | None = None
        async with self.db.session() as session:
            if await _still_shared(session, source):
                row = GalleryExample(
                    chat_id=source.chat_id,
                    photo_id=source.photo_id,
                    frame=source.frame,
                    key=source.key,
                    sha256=digest,
                    width=width,
                    height=height,
                )
                session.add(row)
                await session.flush()
                added = saved_id(row.id)
        if added is None:
            await self.delete_unused_files({digest})
        return added

    async def refuse(self, source: ExampleSource) -> None:
        """The check refused the cut's example: count it, and never try that cut for that pose again."""
        async with self.db.session() as session:
            if await _still_shared(session, source):
                await insert_ignoring_conflicts(
                    session,
                    GalleryRefusal,
                    {"chat_id": source.chat_id, "photo_id": source.photo_id, "frame": source.frame, "key": source.key},
                )

    async def refused_count(self, chat_id: int | None = None) -> int:
        query = select(func.count()).select_from(GalleryRefusal)
        if chat_id is not None:
            query = query.where(col(GalleryRefusal.chat_id) == chat_id)
        async with self.db.session() as session:
            return int((await session.exec(query)).one())

    async def examples(self, key: str, not_from_chat: int | None = None) -> list[StoredExample]:
        """The examples of a pose, newest first; `not_from_chat`: leave that chat's own out."""
        query = select(GalleryExample).where(col(GalleryExample.key) == key)
        if not_from_chat is not None:
            query = query.where(col(GalleryExample.chat_id) != not_from_chat)
        async with self.db.session() as session:
            rows = (
                await session.exec(query.order_by(col(GalleryExample.created_at).desc(), col(GalleryExample.id).desc()))
            ).all()
        return [_stored(row) for row in rows]

    async def example_counts(self, chat_id: int | None = None) -> dict[str, int]:
        """Pose key → examples held (`chat_id`: taken from that chat only)."""
        query = select(GalleryExample.key, func.count())
        if chat_id is not None:
            query = query.where(col(GalleryExample.chat_id) == chat_id)
        async with self.db.session() as session:
            rows = (await session.exec(query.group_by(col(GalleryExample.key)))).all()
        return {key: int(n) for key, n in rows}

    def read(self, example: StoredExample) -> bytes:
        return self.blobs.get(example.sha256)

    async def load(self, example: StoredExample) -> bytes:
        return await asyncio.to_thread(self.blobs.get, example.sha256)

    async def remember_file_id(self, example_id: int, file_id: str) -> None:
        async with self.db.session() as session:
            await session.exec(
                update(GalleryExample).where(col(GalleryExample.id) == example_id).values(telegram_file_id=file_id)
            )

    # ----- files ------------------------------------------------------------------------------------------------
    async def delete_unused_files(self, digests: Iterable[str]) -> int:
        """Delete the files of `digests` that no example points at any more; how many were deleted."""
        wanted = set(digests)
        if not wanted:
            return 0
        async with self.db.session() as session:
            used = set(
                (await session.exec(select(GalleryExample.sha256).where(col(GalleryExample.sha256).in_(wanted)))).all()
            )
        return await asyncio.to_thread(self._delete_files, wanted - used)

    def _delete_files(self, digests: set[str]) -> int:
        removed = 0
        for digest in digests:
            if self.blobs.exists(digest):
                self.blobs.delete(digest)
                removed += 1
        return removed

    async def sweep_orphan_files(self) -> int:
        """Delete files no example points at: left by a crash, or by a photo deleted with its examples."""
        await asyncio.to_thread(self.blobs.remove_temp_files)
        return await self.delete_unused_files(await asyncio.to_thread(lambda: list(self.blobs.digests())))


async def _still_shared(session: AsyncSession, source: ExampleSource) -> bool:
    """Lock the chat's opt-in row (a write: PostgreSQL locks the row, SQLite takes its write lock) so a concurrent
    `/share off` either runs first (and nothing is added) or waits and then deletes what is added here."""
    locked = await session.exec(
        update(GalleryShare)
        .where(col(GalleryShare.chat_id) == source.chat_id)
        .values(shared_by=col(GalleryShare.shared_by))
    )
    if not locked.rowcount:
        return False
    photo = await session.get(Photo, source.photo_id)
    return photo is not None and photo.chat_id == source.chat_id
