"""Moods per cut (recorded with the faces by FaceStore.record_analysis) and the opt-in OpenAI step's additions."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlmodel import col, func, select

from storage.db import Database, insert_rows
from storage.models import CutMood, Photo, Pose

DEVICE, OPENAI = "device", "openai"


@dataclass(frozen=True)
class NewMood:
    frame: int
    key: str  # a mood of vision/moods/moods.toml
    score: float  # 0–1
    confidence: float  # 0–1


@dataclass(frozen=True)
class StoredMood(NewMood):
    source: str = DEVICE  # device or openai


@dataclass(frozen=True)
class AddedPose:
    """A pose the OpenAI step added: one face for a person's pose, two for a pair pose (the maker first)."""

    frame: int
    key: str
    confidence: float
    face_ids: tuple[int, ...]


def mood_rows(chat_id: int, photo_id: int, moods: Sequence[NewMood], source: str = DEVICE) -> list[CutMood]:
    return [
        CutMood(
            chat_id=chat_id,
            photo_id=photo_id,
            frame=mood.frame,
            key=mood.key,
            score=mood.score,
            confidence=mood.confidence,
            source=source,
        )
        for mood in moods
    ]


class MoodStore:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def moods_of_photo(self, photo_id: int) -> list[StoredMood]:
        """The photo's mood scores by cut, device rows first."""
        async with self.db.session() as session:
            rows = (
                await session.exec(
                    select(CutMood)
                    .where(col(CutMood.photo_id) == photo_id)
                    .order_by(col(CutMood.frame), col(CutMood.source), col(CutMood.id))
                )
            ).all()
        return [StoredMood(row.frame, row.key, row.score, row.confidence, row.source) for row in rows]

    async def moods_by_photo(self, chat_id: int) -> dict[int, list[StoredMood]]:
        """Photo id → its mood scores by cut, for every analysed photo of the chat (what its moods come from)."""
        async with self.db.session() as session:
            rows = (
                await session.exec(
                    select(CutMood)
                    .where(col(CutMood.chat_id) == chat_id)
                    .order_by(col(CutMood.photo_id), col(CutMood.frame), col(CutMood.source), col(CutMood.id))
                )
            ).all()
        photos: dict[int, list[StoredMood]] = {}
        for row in rows:
            photos.setdefault(row.photo_id, []).append(
                StoredMood(row.frame, row.key, row.score, row.confidence, row.source)
            )
        return photos

    async def refined(self, photo_id: int) -> bool:
        """Whether the OpenAI step already added to this photo (it is asked once per photo)."""
        async with self.db.session() as session:
            moods = select(func.count()).select_from(CutMood).where(col(CutMood.photo_id) == photo_id)
            poses = select(func.count()).select_from(Pose).where(col(Pose.photo_id) == photo_id)
            found = (await session.exec(moods.where(col(CutMood.source) == OPENAI))).one()
            found += (await session.exec(poses.where(col(Pose.source) == OPENAI))).one()
        return bool(found)

    async def add_refinement(self, photo_id: int, poses: Sequence[AddedPose], moods: Sequence[NewMood]) -> bool:
        """Store what the OpenAI step added (source 'openai'); nothing already stored changes. False: the photo is
        gone (erased meanwhile)."""
        async with self.db.session() as session:
            photo = await session.get(Photo, photo_id)
            if photo is None:
                return False
            await insert_rows(session, mood_rows(photo.chat_id, photo_id, moods, OPENAI))
            await insert_rows(
                session,
                [
                    Pose(
                        chat_id=photo.chat_id,
                        photo_id=photo_id,
                        frame=pose.frame,
                        face_id=pose.face_ids[0],
                        partner_face_id=pose.face_ids[1] if len(pose.face_ids) > 1 else None,
                        key=pose.key,
                        confidence=pose.confidence,
                        source=OPENAI,
                    )
                    for pose in poses
                ],
            )
        return True
