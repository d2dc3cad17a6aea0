"""How each chat's photos are answered (each one, or quietly with a digest) and the digests' once-only claims."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, update
from sqlmodel import col, func, select
from sqlmodel.ext.asyncio.session import AsyncSession

from ranking.points import as_utc, face_points
from storage.albums import insert_ignoring_conflicts
from storage.db import Database
from storage.models import (
    AnswerMode,
    Chat,
    ChatAnswers,
    ChatDigest,
    ChatType,
    DigestStatus,
    Face,
    MediaKind,
    Person,
    Photo,
    User,
    saved_id,
    utcnow,
)
from storage.schedule import insert_claiming

DIGEST_MINUTES = (5, 10, 30, 60)
DEFAULT_DIGEST_MINUTES = 10
GROUP_TYPES = (ChatType.group, ChatType.supergroup)
FIRST_DIGEST_LOOKBACK = timedelta(days=1)  # a quiet chat's first digest never reaches further back than this


def default_mode(chat_type: str | None, group_default: AnswerMode = AnswerMode.quiet) -> AnswerMode:
    return group_default if chat_type in GROUP_TYPES else AnswerMode.each


@dataclass(frozen=True)
class AnswerPlan:
    chat_id: int
    mode: AnswerMode
    digest_minutes: int
    since: datetime  # when the mode was last chosen (or the chat first seen): digests start here

    @property
    def quiet(self) -> bool:
        return self.mode is AnswerMode.quiet


@dataclass(frozen=True)
class DigestPhoto:
    """One new photo in a digest: who sent it, its smile points and the named people on it."""

    photo_id: int
    sender: str | None
    created_at: datetime
    faces: int
    points: int
    people: tuple[tuple[int, str | None], ...]  # (number, name) of each person on it, in face order
    unfiled: int  # faces not (yet) filed under a person
    analysed: bool
    given_up: bool = False  # its analysis failed too often (storage.analysis_attempts): it will not be analysed


class AnswerStore:
    def __init__(self, db: Database, group_default: AnswerMode = AnswerMode.quiet) -> None:
        self.db = db
        self.group_default = group_default

    async def plan(self, chat_id: int) -> AnswerPlan:
        async with self.db.session() as session:
            chat = await session.get(Chat, chat_id)
            row = await session.get(ChatAnswers, chat_id)
        return _plan(chat_id, chat, row, self.group_default)

    async def set_mode(self, chat_id: int, mode: AnswerMode, now: datetime | None = None) -> AnswerPlan:
        await self._change(chat_id, now, mode=mode)
        return await self.plan(chat_id)

    async def set_digest_minutes(self, chat_id: int, minutes: int, now: datetime | None = None) -> AnswerPlan:
        if minutes not in DIGEST_MINUTES:
            raise ValueError(f"digest every {minutes} minutes is not offered")
        await self._change(chat_id, now, digest_minutes=minutes)
        return await self.plan(chat_id)

    async def _change(self, chat_id: int, now: datetime | None, **values: object) -> None:
        now = as_utc(now or utcnow())
        async with self.db.session() as session:
            chat = await session.get(Chat, chat_id)
            current = _plan(chat_id, chat, await session.get(ChatAnswers, chat_id), self.group_default)
            defaults = {"chat_id": chat_id, "mode": current.mode, "digest_minutes": current.digest_minutes}
            await insert_ignoring_conflicts(session, ChatAnswers, defaults | {"changed_at": now})
            if values.get("mode", current.mode) != current.mode:
                values["changed_at"] = now  # a chat turned quiet gets digests of what comes from now on
            await session.exec(update(ChatAnswers).where(col(ChatAnswers.chat_id) == chat_id).values(**values))

    async def quiet_chats(self) -> list[AnswerPlan]:
        """Every chat the bot is still in whose photos are answered quietly (by choice or by default)."""
        async with self.db.session() as session:
            rows = (
                await session.exec(
                    select(Chat, ChatAnswers)
                    .join(ChatAnswers, col(ChatAnswers.chat_id) == Chat.id, isouter=True)
                    .where(col(Chat.left_at).is_(None))
                    .order_by(col(Chat.id))
                )
            ).all()
        plans = [_plan(chat.id, chat, row, self.group_default) for chat, row in rows]
        return [plan for plan in plans if plan.quiet]

    async def last_digest_until(self, chat_id: int) -> datetime | None:
        async with self.db.session() as session:
            result = await session.exec(select(func.max(ChatDigest.until)).where(col(ChatDigest.chat_id) == chat_id))
            last: datetime | None = result.one()
        return as_utc(last) if last is not None else None

    async def claim_digest(self, chat_id: int, since: datetime, until: datetime) -> bool:
        """Claim the digest of [since, until). Only one caller ever gets True for a chat's `since`."""
        async with self.db.session() as session:
            return await insert_claiming(
                session, ChatDigest, {"chat_id": chat_id, "since": as_utc(since), "until": as_utc(until)}
            )

    async def finish_digest(
        self, chat_id: int, since: datetime, status: DigestStatus, message_id: int | None = None
    ) -> None:
        async with self.db.session() as session:
            await session.exec(
                update(ChatDigest)
                .where(col(ChatDigest.chat_id) == chat_id, col(ChatDigest.since) == as_utc(since))
                .values(status=status, message_id=message_id, finished_at=utcnow())
            )

    async def release_digest(self, chat_id: int, since: datetime) -> None:
        """Give a claim back after a failure worth retrying (network), so the next run sends it."""
        async with self.db.session() as session:
            await session.exec(
                delete(ChatDigest).where(
                    col(ChatDigest.chat_id) == chat_id,
                    col(ChatDigest.since) == as_utc(since),
                    col(ChatDigest.status) == DigestStatus.claimed,
                )
            )

    async def digests(self, chat_id: int) -> list[ChatDigest]:
        async with self.db.session() as session:
            result = await session.exec(
                select(ChatDigest).where(col(ChatDigest.chat_id) == chat_id).order_by(col(ChatDigest.since))
            )
            return list(result.all())

    async def digest_photos(self, chat_id: int, since: datetime, until: datetime) -> list[DigestPhoto]:
        """The chat's photos filed in [since, until), oldest first (booth videos belong to their photo)."""
        async with self.db.session() as session:
            photos = (
                await session.exec(
                    select(Photo, User.first_name)
                    .join(User, col(User.id) == Photo.sender_id, isouter=True)
                    .where(
                        col(Photo.chat_id) == chat_id,
                        col(Photo.kind) == MediaKind.photo,
                        col(Photo.created_at) >= as_utc(since),
                        col(Photo.created_at) < as_utc(until),
                    )
                    .order_by(col(Photo.created_at), col(Photo.id))
                )
            ).all()
            ids = [saved_id(photo.id) for photo, _ in photos]
            faces = await _faces_with_names(session, ids)
        return [_digest_photo(photo, sender, faces.get(saved_id(photo.id), [])) for photo, sender in photos]

    async def digest_photo(self, chat_id: int, photo_id: int) -> DigestPhoto | None:
        """One photo as a digest shows it; None when it is not (or no longer) in this chat's album."""
        async with self.db.session() as session:
            row = (
                await session.exec(
                    select(Photo, User.first_name)
                    .join(User, col(User.id) == Photo.sender_id, isouter=True)
                    .where(col(Photo.id) == photo_id, col(Photo.chat_id) == chat_id, col(Photo.kind) == MediaKind.photo)
                )
            ).first()
            if row is None:
                return None
            faces = await _faces_with_names(session, [photo_id])
        photo, sender = row
        return _digest_photo(photo, sender, faces.get(photo_id, []))

    async def videos_of(self, photo_id: int) -> list[Photo]:
        """A booth photo's making-of videos."""
        async with self.db.session() as session:
            result = await session.exec(
                select(Photo).where(col(Photo.parent_id) == photo_id, col(Photo.kind) == MediaKind.video)
            )
            return list(result.all())


FaceRow = tuple[float, int | None, str | None]  # smile, person number, person name


async def _faces_with_names(session: AsyncSession, photo_ids: list[int]) -> dict[int, list[FaceRow]]:
    if not photo_ids:
        return {}
    rows = (
        await session.exec(
            select(Face.photo_id, Face.smile, Person.number, Person.name)
            .join(Person, col(Person.id) == Face.person_id, isouter=True)
            .where(col(Face.photo_id).in_(photo_ids))
            .order_by(col(Face.id))
        )
    ).all()
    faces: dict[int, list[FaceRow]] = {}
    for photo_id, smile, number, name in rows:
        faces.setdefault(photo_id, []).append((smile, number, name))
    return faces


def _digest_photo(photo: Photo, sender: str | None, faces: list[FaceRow]) -> DigestPhoto:
    people = tuple(dict.fromkeys((number, name) for _, number, name in faces if number is not None))
    return DigestPhoto(
        photo_id=saved_id(photo.id),
        sender=sender,
        created_at=as_utc(photo.created_at),
        faces=len(faces),
        points=sum(face_points(smile) for smile, _, _ in faces),
        people=people,
        unfiled=sum(1 for _, number, _ in faces if number is None),
        analysed=photo.analysed_at is not None,
        given_up=photo.analysis_failed_at is not None,
    )


def _plan(chat_id: int, chat: Chat | None, row: ChatAnswers | None, group_default: AnswerMode) -> AnswerPlan:
    if row is not None:
        return AnswerPlan(chat_id, AnswerMode(row.mode), row.digest_minutes, as_utc(row.changed_at))
    since = as_utc(chat.created_at) if chat is not None else utcnow()
    return AnswerPlan(chat_id, default_mode(chat.type if chat else None, group_default), DEFAULT_DIGEST_MINUTES, since)
