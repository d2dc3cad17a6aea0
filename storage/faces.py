"""Faces and people: the person-album tables, read and written only here."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
from sqlalchemy import delete, update
from sqlmodel import col, func, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.db import Database, insert_rows
from storage.models import Chat, Face, FaceExclusion, MediaKind, Person, Photo, Pose, saved_id, utcnow
from storage.moods import NewMood, mood_rows

EMBEDDING_DTYPE = np.float32


@dataclass(frozen=True)
class NewFace:
    frame: int
    box: tuple[int, int, int, int]  # x, y, w, h in the stored photo's upright pixels
    detection_score: float
    smile: float
    embedding: np.ndarray
    poses: tuple[tuple[str, float], ...] = ()  # (catalogue key, confidence 0–1) of this person's own poses
    yaw: float | None = None  # head turn and sharpness (vision.faces.FaceQuality); None: not measured
    sharpness: float | None = None


@dataclass(frozen=True)
class NewPairPose:
    key: str
    confidence: float
    faces: tuple[int, int]  # indices into the photo's NewFace list: the maker first


@dataclass(frozen=True)
class StoredFace:
    id: int
    photo_id: int
    frame: int
    box: tuple[int, int, int, int]
    smile: float
    embedding: np.ndarray
    person_id: int | None
    manual: bool
    excluded_people: frozenset[int]
    detection_score: float
    yaw: float | None  # None: stored before the head turn and sharpness were measured
    sharpness: float | None


@dataclass(frozen=True)
class PersonSummary:
    id: int
    number: int  # the chat's label for them ("Person 13"), given once
    name: str | None
    hidden: bool
    face_count: int
    photo_count: int
    mean_smile: float
    cover: StoredFace
    claimed_by: int | None = None  # the member who said "this is me"


def _stored(face: Face, excluded: frozenset[int] = frozenset()) -> StoredFace:
    return StoredFace(
        id=saved_id(face.id),
        photo_id=face.photo_id,
        frame=face.frame,
        box=(face.x, face.y, face.w, face.h),
        smile=face.smile,
        embedding=np.frombuffer(face.embedding, dtype=EMBEDDING_DTYPE),
        person_id=face.person_id,
        manual=face.manual,
        excluded_people=excluded,
        detection_score=face.detection_score,
        yaw=face.yaw,
        sharpness=face.sharpness,
    )


# A cover face is near-frontal and sharp (vision.faces.FaceQuality's yaw and sharpness; on LFW the middle half of
# faces lie within |yaw| 0.3 and above sharpness 0.18); among those the largest wins.
COVER_MAX_YAW = 0.35
COVER_MIN_SHARPNESS = 0.15


def cover_rank(face: Face) -> tuple[bool, bool, int, float, int]:
    """Sort key of a person's faces for the thumbnail, best last: frontal, sharp, largest, sharpest, oldest."""
    frontal = face.yaw is None or abs(face.yaw) <= COVER_MAX_YAW
    sharp = face.sharpness is None or face.sharpness >= COVER_MIN_SHARPNESS
    return (frontal, sharp, face.w * face.h, face.sharpness or 0.0, -saved_id(face.id))


def best_face(faces: Sequence[Face]) -> Face:
    """A person's thumbnail: their best face (`cover_rank`)."""
    return max(faces, key=cover_rank)


async def next_person_number(session: AsyncSession, chat_id: int, is_sqlite: bool) -> int:
    """The chat's next person number: counted on the chat row, so a number is never given twice."""
    chat = await session.get(Chat, chat_id, with_for_update=not is_sqlite)
    if chat is None:
        raise ValueError(f"no chat {chat_id}")
    chat.last_person_number += 1
    session.add(chat)
    return chat.last_person_number


class NewPerson:
    """A cluster that matches nobody yet: `FaceStore.assign` creates a person for each distinct instance."""


class FaceStore:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def record_analysis(
        self,
        photo_id: int,
        faces: Sequence[NewFace],
        pair_poses: Sequence[NewPairPose] = (),
        moods: Sequence[NewMood] = (),
    ) -> list[int]:
        """Store a photo's faces with their poses (and the pair poses) and its cuts' moods, and mark it analysed,
        atomically. Running it twice changes nothing."""
        async with self.db.session() as session:
            photo = await session.get(Photo, photo_id, with_for_update=not self.db.is_sqlite)
            if photo is None:
                return []
            if photo.analysed_at is not None:
                result = await session.exec(
                    select(col(Face.id)).where(Face.photo_id == photo_id).order_by(col(Face.id))
                )
                return [saved_id(face_id) for face_id in result.all()]
            rows = [
                Face(
                    chat_id=photo.chat_id,
                    photo_id=photo_id,
                    frame=face.frame,
                    x=face.box[0],
                    y=face.box[1],
                    w=face.box[2],
                    h=face.box[3],
                    detection_score=face.detection_score,
                    smile=face.smile,
                    embedding=np.asarray(face.embedding, dtype=EMBEDDING_DTYPE).tobytes(),
                    yaw=face.yaw,
                    sharpness=face.sharpness,
                )
                for face in faces
            ]
            session.add_all(rows)
            photo.analysed_at = utcnow()
            session.add(photo)
            await session.flush()
            ids = [saved_id(row.id) for row in rows]
            poses = [
                Pose(chat_id=photo.chat_id, photo_id=photo_id, frame=face.frame, face_id=face_id, key=key, confidence=c)
                for face, face_id in zip(faces, ids, strict=True)
                for key, c in face.poses
            ]
            poses += [
                Pose(
                    chat_id=photo.chat_id,
                    photo_id=photo_id,
                    frame=faces[pair.faces[0]].frame,
                    face_id=ids[pair.faces[0]],
                    partner_face_id=ids[pair.faces[1]],
                    key=pair.key,
                    confidence=pair.confidence,
                )
                for pair in pair_poses
            ]
            await insert_rows(session, poses)
            await insert_rows(session, mood_rows(photo.chat_id, photo_id, moods))
            return ids

    async def unanalysed_photos(self, limit: int = 50) -> list[Photo]:
        """Photos whose analysis a restart interrupted (or never started), oldest first; not those given up
        (storage.analysis_attempts)."""
        async with self.db.session() as session:
            result = await session.exec(
                select(Photo)
                .where(
                    col(Photo.analysed_at).is_(None),
                    col(Photo.analysis_failed_at).is_(None),
                    col(Photo.kind) == MediaKind.photo,
                )
                .order_by(col(Photo.id))
                .limit(limit)
            )
            return list(result.all())

    async def chat_faces(self, chat_id: int) -> list[StoredFace]:
        async with self.db.session() as session:
            faces = (await session.exec(select(Face).where(col(Face.chat_id) == chat_id).order_by(col(Face.id)))).all()
            exclusions = (
                await session.exec(
                    select(FaceExclusion)
                    .join(Face, col(Face.id) == col(FaceExclusion.face_id))
                    .where(col(Face.chat_id) == chat_id)
                )
            ).all()
        excluded: dict[int, set[int]] = {}
        for row in exclusions:
            excluded.setdefault(row.face_id, set()).add(row.person_id)
        return [_stored(face, frozenset(excluded.get(saved_id(face.id), ()))) for face in faces]

    async def faces_of_photo(self, photo_id: int) -> list[StoredFace]:
        async with self.db.session() as session:
            faces = (
                await session.exec(select(Face).where(col(Face.photo_id) == photo_id).order_by(col(Face.id)))
            ).all()
        return [_stored(face) for face in faces]

    async def faces_of_person(self, person_id: int) -> list[StoredFace]:
        async with self.db.session() as session:
            faces = (
                await session.exec(select(Face).where(col(Face.person_id) == person_id).order_by(col(Face.id)))
            ).all()
        return [_stored(face) for face in faces]

    async def chats_with_faces(self) -> list[int]:
        async with self.db.session() as session:
            return list((await session.exec(select(Face.chat_id).distinct().order_by(col(Face.chat_id)))).all())

    async def assign(self, chat_id: int, assignment: Mapping[int, int | NewPerson | None]) -> dict[int, int | None]:
        """Apply a clustering: face id → existing person id, a NewPerson token, or None (not anyone yet).

        Faces a member placed by hand (`manual`) keep their person; a face never goes back to a person it was
        removed from. People left without faces are removed unless they have a name.
        Returns face id → person id as stored.
        """
        async with self.db.session() as session:
            faces = {
                saved_id(face.id): face
                for face in (await session.exec(select(Face).where(col(Face.chat_id) == chat_id))).all()
            }
            exclusions = {
                (row.face_id, row.person_id)
                for row in (
                    await session.exec(select(FaceExclusion).where(col(FaceExclusion.face_id).in_(list(assignment))))
                ).all()
            }
            created: dict[int, int] = {}
            stored: dict[int, int | None] = {}
            for face_id, target in assignment.items():
                face = faces.get(face_id)
                if face is None or face.manual:
                    continue
                if isinstance(target, NewPerson):
                    if id(target) not in created:
                        number = await next_person_number(session, chat_id, self.db.is_sqlite)
                        person = Person(chat_id=chat_id, number=number)
                        session.add(person)
                        await session.flush()
                        created[id(target)] = saved_id(person.id)
                    target = created[id(target)]
                if (face_id, target) in exclusions:
                    target = None
                face.person_id = target
                session.add(face)
                stored[face_id] = target
            await session.flush()
            await self._drop_empty_people(session, chat_id)
        return stored

    @staticmethod
    async def _drop_empty_people(session: AsyncSession, chat_id: int) -> None:
        used = select(Face.person_id).where(col(Face.chat_id) == chat_id, col(Face.person_id).is_not(None))
        await session.exec(
            delete(Person).where(
                col(Person.chat_id) == chat_id, col(Person.name).is_(None), col(Person.id).not_in(used)
            )
        )

    async def people(self, chat_id: int, include_hidden: bool = False) -> list[PersonSummary]:
        """People with at least one face, most photographed first; the cover is their best face (`cover_rank`)."""
        async with self.db.session() as session:
            query = select(Person).where(col(Person.chat_id) == chat_id)
            if not include_hidden:
                query = query.where(col(Person.hidden).is_(False))
            persons = (await session.exec(query)).all()
            summaries = []
            for person in persons:
                faces = (await session.exec(select(Face).where(col(Face.person_id) == person.id))).all()
                if not faces:
                    continue
                cover = best_face(faces)
                summaries.append(
                    PersonSummary(
                        id=saved_id(person.id),
                        number=person.number,
                        name=person.name,
                        hidden=person.hidden,
                        face_count=len(faces),
                        photo_count=len({f.photo_id for f in faces}),
                        mean_smile=float(np.mean([f.smile for f in faces])),
                        cover=_stored(cover),
                        claimed_by=person.claimed_by,
                    )
                )
        summaries.sort(key=lambda s: (-s.photo_count, s.id))
        return summaries

    async def covers(self, person_ids: Sequence[int]) -> dict[int, StoredFace]:
        """Each person's thumbnail face (people without faces are left out)."""
        async with self.db.reading() as session:
            faces = (await session.exec(select(Face).where(col(Face.person_id).in_(list(person_ids))))).all()
        by_person: dict[int, list[Face]] = {}
        for face in faces:
            if face.person_id is not None:
                by_person.setdefault(face.person_id, []).append(face)
        return {person_id: _stored(best_face(held)) for person_id, held in by_person.items()}

    async def person(self, person_id: int) -> Person | None:
        async with self.db.session() as session:
            return await session.get(Person, person_id)

    async def rename(self, person_id: int, name: str | None) -> None:
        async with self.db.session() as session:
            await session.exec(update(Person).where(col(Person.id) == person_id).values(name=name))

    async def pin_faces(self, person_id: int) -> int:
        """A member confirmed this person (named them): their faces become manual, so no re-cluster moves them.
        Returns how many faces were pinned."""
        async with self.db.session() as session:
            result = await session.exec(
                update(Face).where(col(Face.person_id) == person_id, col(Face.manual).is_(False)).values(manual=True)
            )
            return int(result.rowcount or 0)

    async def set_hidden(self, person_id: int, hidden: bool) -> None:
        async with self.db.session() as session:
            await session.exec(update(Person).where(col(Person.id) == person_id).values(hidden=hidden))

    async def merge(self, keep_id: int, other_id: int) -> None:
        """Everything of `other` becomes `keep`'s, pinned so a re-cluster cannot split them again."""
        if keep_id == other_id:
            return
        async with self.db.session() as session:
            keep, other = await session.get(Person, keep_id), await session.get(Person, other_id)
            if keep is None or other is None or keep.chat_id != other.chat_id:
                raise ValueError("both people must exist in the same chat")
            await session.exec(
                update(Face).where(col(Face.person_id).in_([keep_id, other_id])).values(person_id=keep_id, manual=True)
            )
            if keep.name is None and other.name:
                keep.name = other.name
                session.add(keep)
            await session.exec(delete(FaceExclusion).where(col(FaceExclusion.person_id) == other_id))
            await session.delete(other)

    async def remove_face(self, face_id: int) -> int | None:
        """'This is not them': the face leaves its person and may never join it again. Returns the person id."""
        async with self.db.session() as session:
            face = await session.get(Face, face_id)
            if face is None or face.person_id is None:
                return None
            person_id = face.person_id
            session.add(FaceExclusion(face_id=face_id, person_id=person_id))
            face.person_id = None
            face.manual = False
            session.add(face)
            await session.flush()
            await self._drop_empty_people(session, face.chat_id)
            return person_id

    async def photos_of(self, person_id: int, offset: int, limit: int) -> tuple[list[Photo], int]:
        """A person's photos, newest first, and how many there are."""
        async with self.db.session() as session:
            ids = select(Face.photo_id).where(col(Face.person_id) == person_id).distinct()
            total = (await session.exec(select(func.count()).select_from(ids.subquery()))).one()
            photos = (
                await session.exec(
                    select(Photo)
                    .where(col(Photo.id).in_(ids))
                    .order_by(col(Photo.created_at).desc(), col(Photo.id).desc())
                    .offset(offset)
                    .limit(limit)
                )
            ).all()
        return list(photos), int(total)
