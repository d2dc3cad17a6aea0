"""Chats, users and their albums: the only code that reads or writes those tables and the blob store."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import delete, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import IntegrityError
from sqlmodel import col, func, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.blobs import BlobStore, sha256_of
from storage.db import Database
from storage.models import Chat, Face, MediaKind, Member, Person, Photo, PhotoSource, User

# Written in the transaction that stores a new photo, given its id (AlbumStore.save): e.g. the reply that will
# answer it (storage.replies), so that no crash can leave the photo stored and the record missing.
Along = Callable[[AsyncSession, int], Awaitable[object]]


@dataclass(frozen=True)
class SavedPhoto:
    photo: Photo
    created: bool


@dataclass(frozen=True)
class NewMedia:
    """What a handler knows about a file it wants filed in an album."""

    data: bytes
    mime: str
    width: int | None = None
    height: int | None = None
    kind: MediaKind = MediaKind.photo
    sender_id: int | None = None
    source: PhotoSource = PhotoSource.upload
    source_url: str | None = None
    brand: str | None = None
    telegram_file_id: str | None = None
    media_group_id: str | None = None
    parent_id: int | None = None


@dataclass(frozen=True)
class RemovedPhoto:
    """What went with a deleted photo: its faces (and their poses), its making-of videos, and the people whose
    only faces were in it."""

    faces: int
    videos: int
    people_removed: int


async def insert_ignoring_conflicts(session: AsyncSession, table: Any, values: dict[str, Any]) -> None:
    """INSERT … ON CONFLICT DO NOTHING on both SQLite and PostgreSQL (safe under concurrent handlers)."""
    dialect = session.bind.dialect.name if session.bind else "sqlite"
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    await session.exec(insert(table).values(**values).on_conflict_do_nothing())


class AlbumStore:
    def __init__(self, db: Database, blobs: BlobStore) -> None:
        self.db = db
        self.blobs = blobs

    async def remember(
        self,
        *,
        chat_id: int,
        chat_type: str,
        chat_title: str | None,
        user_id: int | None = None,
        first_name: str = "",
        username: str | None = None,
        language_code: str | None = None,
    ) -> None:
        """Record the chat, the user and their membership; refresh names that changed. Every update calls this, and
        nearly always nothing changed: that is found with one read, and only a change is written (each write waits
        for the database's one write lock, which a burst of photos' analyses holds most of the time)."""
        if await self._remembered(chat_id, chat_type, chat_title, user_id, first_name, username, language_code):
            return
        async with self.db.session() as session:
            await insert_ignoring_conflicts(session, Chat, {"id": chat_id, "type": chat_type, "title": chat_title})
            await session.exec(
                update(Chat).where(col(Chat.id) == chat_id).values(title=chat_title, type=chat_type, left_at=None)
            )
            if user_id is None:
                return
            await insert_ignoring_conflicts(
                session,
                User,
                {"id": user_id, "first_name": first_name, "username": username, "language_code": language_code},
            )
            await session.exec(
                update(User)
                .where(col(User.id) == user_id)
                .values(first_name=first_name, username=username, language_code=language_code)
            )
            await insert_ignoring_conflicts(session, Member, {"chat_id": chat_id, "user_id": user_id})

    async def _remembered(
        self,
        chat_id: int,
        chat_type: str,
        chat_title: str | None,
        user_id: int | None,
        first_name: str,
        username: str | None,
        language_code: str | None,
    ) -> bool:
        """The chat (still joined), the user and the membership are stored exactly as `remember` would write them."""
        async with self.db.reading() as session:
            chat = (
                await session.exec(
                    select(Chat.type, Chat.title).where(col(Chat.id) == chat_id, col(Chat.left_at).is_(None))
                )
            ).first()
            if chat is None or tuple(chat) != (chat_type, chat_title):
                return False
            if user_id is None:
                return True
            user = (
                await session.exec(
                    select(User.first_name, User.username, User.language_code)
                    .join(Member, (col(Member.user_id) == col(User.id)) & (col(Member.chat_id) == chat_id))
                    .where(col(User.id) == user_id)
                )
            ).first()
            return user is not None and tuple(user) == (first_name, username, language_code)

    async def save(self, chat_id: int, media: NewMedia, along: Along | None = None) -> SavedPhoto:
        """File `media` in the chat's album once: the same bytes again return the existing row. `along` runs in the
        new row's own transaction (with its id): what must be recorded if and only if the photo was stored."""
        digest = await asyncio.to_thread(sha256_of, media.data)
        existing = await self._by_sha(chat_id, digest)
        if existing is not None:
            return SavedPhoto(existing, created=False)
        blob_was_there = await asyncio.to_thread(self.blobs.exists, digest)
        await asyncio.to_thread(self.blobs.put, media.data)  # hashing, writing and fsync off the event loop
        photo = Photo(
            chat_id=chat_id,
            sender_id=media.sender_id,
            sha256=digest,
            kind=media.kind,
            mime=media.mime,
            width=media.width,
            height=media.height,
            size_bytes=len(media.data),
            source=media.source,
            source_url=media.source_url,
            brand=media.brand,
            telegram_file_id=media.telegram_file_id,
            media_group_id=media.media_group_id,
            parent_id=media.parent_id,
        )
        try:
            async with self.db.session() as session:
                session.add(photo)
                if along is not None:
                    await session.flush()
                    assert photo.id is not None
                    await along(session, photo.id)
        except IntegrityError:
            # Most likely another handler filed the same bytes a moment ago.
            existing = await self._by_sha(chat_id, digest)
            if existing is not None:
                return SavedPhoto(existing, created=False)
            await self._forget_blob_if_new(digest, blob_was_there)
            raise
        except BaseException:
            await self._forget_blob_if_new(digest, blob_was_there)
            raise
        return SavedPhoto(photo, created=True)

    async def find_content(self, chat_id: int, data: bytes) -> Photo | None:
        """The chat's photo with exactly these bytes, if it has one."""
        return await self._by_sha(chat_id, await asyncio.to_thread(sha256_of, data))

    async def _forget_blob_if_new(self, digest: str, blob_was_there: bool) -> None:
        if not blob_was_there and not await self._blob_referenced(digest):
            await asyncio.to_thread(self.blobs.delete, digest)

    async def _by_sha(self, chat_id: int, digest: str) -> Photo | None:
        async with self.db.session() as session:
            result = await session.exec(select(Photo).where(col(Photo.chat_id) == chat_id, col(Photo.sha256) == digest))
            return result.first()

    async def _blob_referenced(self, digest: str) -> bool:
        async with self.db.session() as session:
            result = await session.exec(select(func.count()).select_from(Photo).where(col(Photo.sha256) == digest))
            return bool(result.one())

    async def find_by_source_url(self, chat_id: int, url: str) -> Photo | None:
        async with self.db.session() as session:
            result = await session.exec(
                select(Photo).where(col(Photo.chat_id) == chat_id, col(Photo.source_url) == url).order_by(col(Photo.id))
            )
            return result.first()

    async def get(self, photo_id: int) -> Photo | None:
        async with self.db.reading() as session:
            return await session.get(Photo, photo_id)

    async def count(self, chat_id: int, kind: MediaKind = MediaKind.photo) -> int:
        async with self.db.reading() as session:
            result = await session.exec(
                select(func.count()).select_from(Photo).where(col(Photo.chat_id) == chat_id, col(Photo.kind) == kind)
            )
            return int(result.one())

    async def page(self, chat_id: int, offset: int, limit: int, kind: MediaKind = MediaKind.photo) -> list[Photo]:
        """Newest first."""
        async with self.db.reading() as session:
            result = await session.exec(
                select(Photo)
                .where(col(Photo.chat_id) == chat_id, col(Photo.kind) == kind)
                .order_by(col(Photo.created_at).desc(), col(Photo.id).desc())
                .offset(offset)
                .limit(limit)
            )
            return list(result.all())

    def read(self, photo: Photo) -> bytes:
        """Blocking: in worker processes and threads only (handlers `await load`, or hand workers `path_of`)."""
        return self.blobs.get(photo.sha256)

    async def load(self, photo: Photo) -> bytes:
        return await asyncio.to_thread(self.blobs.get, photo.sha256)

    async def path_of(self, photo: Photo) -> Path:
        """A local file of it: worker processes read it themselves rather than receive megabytes pickled (with S3
        storage a copy in the read cache, fetched off the event loop)."""
        return await asyncio.to_thread(self.blobs.path, photo.sha256)

    async def remember_file_id(self, photo_id: int, file_id: str) -> None:
        async with self.db.session() as session:
            await session.exec(update(Photo).where(col(Photo.id) == photo_id).values(telegram_file_id=file_id))

    async def delete_photo(self, photo_id: int) -> bool:
        photo = await self.get(photo_id)
        return photo is not None and await self.remove_photo(photo.chat_id, photo_id) is not None

    async def remove_photo(self, chat_id: int, photo_id: int) -> RemovedPhoto | None:
        """Delete a photo of `chat_id` with everything derived from it: its faces and their poses (the database
        cascades), its making-of videos, the people left without a face, and the files no row uses any more.
        A ledger row keeps its week and points with no photo (storage.ledger voids it while its week is open).
        None when the chat has no such photo."""
        async with self.db.session() as session:
            photo = await session.get(Photo, photo_id)
            if photo is None or photo.chat_id != chat_id:
                return None
            videos = (await session.exec(select(Photo).where(col(Photo.parent_id) == photo_id))).all()
            digests = {photo.sha256, *(video.sha256 for video in videos)}
            faces = (await session.exec(select(Face.id, Face.person_id).where(col(Face.photo_id) == photo_id))).all()
            people = {person_id for _, person_id in faces if person_id is not None}
            await session.delete(photo)  # its videos (parent_id), faces and poses go by the database's cascades
            await session.flush()
            still_seen = select(Face.person_id).where(col(Face.person_id).in_(people))
            removed = await session.exec(
                delete(Person).where(col(Person.id).in_(people), col(Person.id).not_in(still_seen))
            )
        for digest in digests:
            if not await self._blob_referenced(digest):
                await asyncio.to_thread(self.blobs.delete, digest)
        return RemovedPhoto(faces=len(faces), videos=len(videos), people_removed=int(removed.rowcount or 0))

    async def language(self, *, user_id: int | None, chat_id: int | None) -> str | None:
        """The language chosen for a group chat, else the user's choice, else Telegram's code for the user."""
        async with self.db.reading() as session:
            if chat_id is not None:
                chat = await session.get(Chat, chat_id)
                if chat is not None and chat.type != "private" and chat.language:
                    return chat.language
            if user_id is not None:
                user = await session.get(User, user_id)
                if user is not None:
                    return user.language or user.language_code
        return None

    async def set_language(self, *, chat_id: int, chat_type: str, user_id: int | None, language: str) -> None:
        async with self.db.session() as session:
            if chat_type != "private":
                await session.exec(update(Chat).where(col(Chat.id) == chat_id).values(language=language))
            elif user_id is not None:
                await session.exec(update(User).where(col(User.id) == user_id).values(language=language))

    async def sweep_orphan_blobs(self) -> int:
        """Delete blobs no row points at (left by a crash between writing the file and the row)."""
        async with self.db.session() as session:
            result = await session.exec(select(Photo.sha256).distinct())
            referenced = set(result.all())
        return await asyncio.to_thread(self._delete_unreferenced, referenced)

    def _delete_unreferenced(self, referenced: set[str]) -> int:
        self.blobs.remove_temp_files()
        removed = 0
        for digest in list(self.blobs.digests()):
            if digest not in referenced:
                self.blobs.delete(digest)
                removed += 1
        return removed
