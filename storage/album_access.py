"""Who may see a chat's album outside the chat (the Mini App): a chat the bot is still in, and a member row that
handlers.common.remember_update wrote when the user last wrote or pressed something there."""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import col, select

from storage.db import Database
from storage.models import Chat, Face, MediaKind, Member, Photo


@dataclass(frozen=True)
class KnownChat:
    id: int
    type: str
    title: str | None


class MemberStore:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def known_member(self, chat_id: int, user_id: int) -> KnownChat | None:
        """The chat, when the bot is still in it and the user has a member row there; else None."""
        async with self.db.session() as session:
            row = (
                await session.exec(
                    select(Chat)
                    .join(Member, col(Member.chat_id) == col(Chat.id))
                    .where(col(Chat.id) == chat_id, col(Member.user_id) == user_id, col(Chat.left_at).is_(None))
                )
            ).first()
        return None if row is None else KnownChat(row.id, row.type, row.title)


@dataclass(frozen=True)
class FaceSpot:
    chat_id: int
    photo_id: int
    box: tuple[int, int, int, int]


class AlbumAccessStore(MemberStore):
    """MemberStore plus the few reads only the Mini App makes."""

    async def videos_of(self, photo_id: int) -> list[Photo]:
        """A booth photo's making-of videos (stored files whose parent is the photo)."""
        async with self.db.session() as session:
            rows = await session.exec(
                select(Photo)
                .where(col(Photo.parent_id) == photo_id, col(Photo.kind) == MediaKind.video)
                .order_by(col(Photo.id))
            )
            return list(rows.all())

    async def face(self, face_id: int) -> FaceSpot | None:
        async with self.db.session() as session:
            face = await session.get(Face, face_id)
        return None if face is None else FaceSpot(face.chat_id, face.photo_id, (face.x, face.y, face.w, face.h))
