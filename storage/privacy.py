"""/forget: erase a chat's photos, files, faces, embeddings and people in one transaction."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import delete
from sqlmodel import func, select

from storage.blobs import BlobStore
from storage.db import Database
from storage.models import Face, Person, Photo


@dataclass(frozen=True)
class Forgotten:
    photos: int
    faces: int
    people: int
    files: int


async def forget_chat(db: Database, blobs: BlobStore, chat_id: int) -> Forgotten:
    """Delete everything biometric or personal the chat stored. Files shared with other chats stay for them."""
    async with db.session() as session:
        rows = (await session.exec(select(Photo.sha256).where(Photo.chat_id == chat_id))).all()
        digests = set(rows)
        faces = (await session.exec(select(func.count()).select_from(Face).where(Face.chat_id == chat_id))).one()
        people = (await session.exec(select(func.count()).select_from(Person).where(Person.chat_id == chat_id))).one()
        await session.exec(delete(Face).where(Face.chat_id == chat_id))
        await session.exec(delete(Person).where(Person.chat_id == chat_id))
        # Videos point at their photo: remove children first so no foreign key waits on the order of deletes.
        await session.exec(delete(Photo).where(Photo.chat_id == chat_id, Photo.parent_id.is_not(None)))
        await session.exec(delete(Photo).where(Photo.chat_id == chat_id))
        photos = len(rows)
    async with db.session() as session:
        still_used = (
            set((await session.exec(select(Photo.sha256).where(Photo.sha256.in_(list(digests))))).all())
            if digests
            else set()
        )
    removed = 0
    for digest in digests - still_used:
        if blobs.exists(digest):
            blobs.delete(digest)
            removed += 1
    return Forgotten(photos=photos, faces=int(faces), people=int(people), files=removed)
