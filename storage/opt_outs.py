"""/myface: which person a member says is them, and the face opt-outs that keep their new faces out of the album.

What counts as 'the same face' is decided above this layer (pipeline.face_signatures); here are only the rows.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from sqlalchemy import delete, update
from sqlmodel import col, or_, select

from storage.db import Database
from storage.faces import EMBEDDING_DTYPE
from storage.models import Face, FaceOptOut, Person


@dataclass(frozen=True)
class Signature:
    """The mean of `face_count` L2-normalised face embeddings."""

    vector: np.ndarray
    face_count: int


@dataclass(frozen=True)
class Erased:
    people: int
    faces: int


def _signature(row: FaceOptOut) -> Signature:
    return Signature(np.frombuffer(row.signature, dtype=EMBEDDING_DTYPE), row.face_count)


class OptOutStore:
    def __init__(self, db: Database) -> None:
        self.db = db

    # ----- "this is me" ----------------------------------------------------------------------------------
    async def claim(self, chat_id: int, person_id: int, user_id: int) -> bool:
        """`user_id` says `person_id` is them. False when the person is gone or another member said so first."""
        async with self.db.session() as session:
            person = await session.get(Person, person_id)
            if person is None or person.chat_id != chat_id or person.claimed_by not in (None, user_id):
                return False
            await session.exec(
                update(Person)
                .where(col(Person.chat_id) == chat_id, col(Person.claimed_by) == user_id)
                .values(claimed_by=None)
            )
            person.claimed_by = user_id
            session.add(person)
            return True

    async def unclaim(self, chat_id: int, user_id: int) -> None:
        async with self.db.session() as session:
            await session.exec(
                update(Person)
                .where(col(Person.chat_id) == chat_id, col(Person.claimed_by) == user_id)
                .values(claimed_by=None)
            )

    async def claimed(self, chat_id: int, user_id: int) -> Person | None:
        async with self.db.session() as session:
            query = select(Person).where(col(Person.chat_id) == chat_id, col(Person.claimed_by) == user_id)
            return (await session.exec(query)).first()

    async def claimed_everywhere(self, user_id: int) -> list[Person]:
        async with self.db.session() as session:
            return list((await session.exec(select(Person).where(col(Person.claimed_by) == user_id))).all())

    # ----- opt-outs --------------------------------------------------------------------------------------
    async def signatures(self, chat_id: int) -> list[Signature]:
        """Every opt-out that applies in the chat: its own and the 'everywhere' ones."""
        async with self.db.session() as session:
            rows = (
                await session.exec(
                    select(FaceOptOut).where(or_(col(FaceOptOut.chat_id) == chat_id, col(FaceOptOut.chat_id).is_(None)))
                )
            ).all()
        return [_signature(row) for row in rows]

    async def of_user(self, user_id: int) -> list[tuple[int | None, Signature]]:
        """(chat id or None for every chat, signature) of each opt-out the member made."""
        async with self.db.session() as session:
            rows = (await session.exec(select(FaceOptOut).where(col(FaceOptOut.user_id) == user_id))).all()
        return [(row.chat_id, _signature(row)) for row in rows]

    async def add(self, chat_id: int | None, user_id: int, signature: Signature) -> None:
        """Record an opt-out; an 'everywhere' one replaces the member's per-chat ones (it covers them)."""
        async with self.db.session() as session:
            if chat_id is None:
                await session.exec(delete(FaceOptOut).where(col(FaceOptOut.user_id) == user_id))
            session.add(
                FaceOptOut(
                    chat_id=chat_id,
                    user_id=user_id,
                    signature=np.asarray(signature.vector, dtype=EMBEDDING_DTYPE).tobytes(),
                    face_count=signature.face_count,
                )
            )

    async def remove(self, user_id: int, chat_id: int | None) -> int:
        """'Recognise me again' in one chat (an 'everywhere' one stays), or everywhere (None). How many went."""
        scope = col(FaceOptOut.chat_id).is_(None) if chat_id is None else col(FaceOptOut.chat_id) == chat_id
        async with self.db.session() as session:
            result = await session.exec(delete(FaceOptOut).where(col(FaceOptOut.user_id) == user_id, scope))
            return int(result.rowcount or 0)

    async def erase(self, chat_id: int, person_ids: Sequence[int], face_ids: Sequence[int]) -> Erased:
        """Delete people of a chat with all their faces, and other faces of it, in one transaction."""
        async with self.db.session() as session:
            doomed = or_(col(Face.person_id).in_(list(person_ids)), col(Face.id).in_(list(face_ids)))
            faces = await session.exec(delete(Face).where(col(Face.chat_id) == chat_id, doomed))
            people = await session.exec(
                delete(Person).where(col(Person.chat_id) == chat_id, col(Person.id).in_(list(person_ids)))
            )
            return Erased(people=int(people.rowcount or 0), faces=int(faces.rowcount or 0))
