"""Building albums with dated photos and smile scores for the ranking and ledger tests (real storage code)."""

from __future__ import annotations

import io
from collections.abc import Sequence
from datetime import datetime

import numpy as np
from PIL import Image
from sqlalchemy import update

from storage.albums import AlbumStore, NewMedia
from storage.db import Database
from storage.faces import FaceStore, NewFace
from storage.models import Photo

CHAT = -100
ALICE, BOB, CAROL = 11, 12, 13


def png(seed: int) -> bytes:
    out = io.BytesIO()
    Image.fromarray(np.random.default_rng(seed).integers(0, 255, (8, 8, 3), dtype=np.uint8)).save(out, "PNG")
    return out.getvalue()


def face(smile: float, seed: int = 0) -> NewFace:
    vector = np.random.default_rng(seed).normal(size=128).astype(np.float32)
    return NewFace(frame=0, box=(1 + seed, 1, 30, 30), detection_score=0.9, smile=smile, embedding=vector)


async def add_members(albums: AlbumStore) -> None:
    for user_id, name in ((ALICE, "Alice"), (BOB, "Bob"), (CAROL, "캐롤")):
        await albums.remember(chat_id=CHAT, chat_type="group", chat_title="G", user_id=user_id, first_name=name)


async def dated_photo(
    db: Database, albums: AlbumStore, seed: int, sender: int | None, when: datetime, smiles: Sequence[float]
) -> int:
    """A photo filed at `when` (the album stamps now; the tests move it) whose faces have these smile scores."""
    photo = (await albums.save(CHAT, NewMedia(data=png(seed), mime="image/png", sender_id=sender))).photo
    async with db.session() as session:
        await session.exec(update(Photo).where(Photo.id == photo.id).values(created_at=when))
    await FaceStore(db).record_analysis(photo.id, [face(s, i) for i, s in enumerate(smiles)])
    return photo.id
