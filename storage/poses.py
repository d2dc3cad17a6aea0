"""Poses seen in a chat's photos (recorded with the faces by FaceStore.record_analysis): per photo, and the photos
of a chat or of one person that show a pose."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import ColumnElement, or_
from sqlmodel import col, func, select

from storage.db import Database
from storage.models import Face, MediaKind, Photo, Pose


@dataclass(frozen=True)
class StoredPose:
    frame: int
    key: str
    confidence: float
    face_ids: tuple[int, ...]  # one face for a person's pose; two for a pair pose (the maker first)
    source: str = "device"  # device (our landmarks) or openai (the opt-in OpenAI step added it)


class PoseStore:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def poses_of_photo(self, photo_id: int) -> list[StoredPose]:
        """The photo's poses by cut, surest first within a cut."""
        async with self.db.session() as session:
            rows = (
                await session.exec(
                    select(Pose)
                    .where(col(Pose.photo_id) == photo_id)
                    .order_by(col(Pose.frame), col(Pose.confidence).desc(), col(Pose.id))
                )
            ).all()
        return [
            StoredPose(
                row.frame,
                row.key,
                row.confidence,
                (row.face_id,) if row.partner_face_id is None else (row.face_id, row.partner_face_id),
                row.source,
            )
            for row in rows
        ]

    async def counts(self, chat_id: int, person_id: int | None = None) -> dict[str, int]:
        """Pose key → how many photos (of the chat, or with this person taking part) show it, most shown first."""
        async with self.db.session() as session:
            query = select(Pose.key, func.count(func.distinct(Pose.photo_id))).where(col(Pose.chat_id) == chat_id)
            if person_id is not None:
                query = query.where(_with_person(person_id))
            rows = (await session.exec(query.group_by(col(Pose.key)))).all()
        return dict(sorted(((key, int(n)) for key, n in rows), key=lambda item: (-item[1], item[0])))

    async def photos_with(
        self, chat_id: int, key: str, offset: int, limit: int, person_id: int | None = None
    ) -> tuple[list[Photo], int]:
        """Photos of the chat (or with this person taking part) that show the pose, newest first, and their count."""
        async with self.db.session() as session:
            ids = select(Pose.photo_id).where(col(Pose.chat_id) == chat_id, col(Pose.key) == key)
            if person_id is not None:
                ids = ids.where(_with_person(person_id))
            ids = ids.distinct()
            total = (await session.exec(select(func.count()).select_from(ids.subquery()))).one()
            photos = (
                await session.exec(
                    select(Photo)
                    .where(col(Photo.id).in_(ids), col(Photo.kind) == MediaKind.photo)
                    .order_by(col(Photo.created_at).desc(), col(Photo.id).desc())
                    .offset(offset)
                    .limit(limit)
                )
            ).all()
        return list(photos), int(total)


def _with_person(person_id: int) -> ColumnElement[bool]:
    """Pose rows the person takes part in: their own, or a pair pose they make or are part of."""
    faces = select(Face.id).where(col(Face.person_id) == person_id)
    return or_(col(Pose.face_id).in_(faces), col(Pose.partner_face_id).in_(faces))
