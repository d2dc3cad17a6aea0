"""PhotoAnalyser keeps per-chat state only while it matters: locks while held, face counts (in its ChatKeys, shared
by replicas when they are) until the re-cluster."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import numpy as np
import pytest

from pipeline.analysis import NEW_FACES_KEY, PhotoAnalyser
from pipeline.workers import CpuPool
from storage.albums import AlbumStore, NewMedia
from storage.blobs import LocalBlobStore
from storage.chat_keys import MemoryChatKeys
from storage.chat_locks import MemoryChatLocks
from storage.db import Database
from storage.faces import FaceStore, NewFace
from tests.storage.ledger_helpers import png

CHAT, OTHER = -42, -43


@pytest.fixture
async def analyser(tmp_path: Path, cpu_pool: CpuPool) -> AsyncIterator[PhotoAnalyser]:
    db = Database(f"sqlite+aiosqlite:///{tmp_path / 'db.sqlite3'}")
    await db.migrate()
    albums = AlbumStore(db, LocalBlobStore(tmp_path / "blobs"))
    for chat in (CHAT, OTHER):
        await albums.remember(chat_id=chat, chat_type="group", chat_title="G", user_id=1, first_name="A")
    yield PhotoAnalyser(albums, FaceStore(db), cpu_pool, 60_000_000, recluster_every=1000)
    await db.dispose()


async def file_faces(analyser: PhotoAnalyser, chat_id: int, seed: int) -> None:
    photo = (await analyser.albums.save(chat_id, NewMedia(data=png(seed), mime="image/png"))).photo
    vector = np.random.default_rng(seed).normal(size=128).astype(np.float32)
    ids = await analyser.faces.record_analysis(photo.id, [NewFace(0, (1, 1, 30, 30), 0.9, 50.0, vector)])
    await analyser._file_into_people(chat_id, ids)


async def counts(analyser: PhotoAnalyser, *chats: int) -> dict[int, int]:
    found = {chat: await analyser.keys.get(chat, NEW_FACES_KEY) for chat in chats}
    return {chat: count for chat, count in found.items() if count is not None}


async def test_locks_and_face_counts_do_not_outlive_their_use(analyser: PhotoAnalyser) -> None:
    moved = -1_000_000_000_043
    await file_faces(analyser, CHAT, 1)
    await file_faces(analyser, OTHER, 2)
    locks, keys = analyser.locks, analyser.keys
    assert isinstance(locks, MemoryChatLocks) and isinstance(keys, MemoryChatKeys)
    assert len(locks) == 0, "no lock is kept once its chat's clustering is done"
    assert await counts(analyser, CHAT, OTHER) == {CHAT: 1, OTHER: 1}
    await analyser.recluster(CHAT)
    assert await counts(analyser, CHAT) == {}, "re-clustered: nothing to count any more"
    await analyser.chat_moved(OTHER, moved)
    assert await counts(analyser, OTHER, moved) == {moved: 1}, "a moved chat's count goes with it"
    await file_faces(analyser, CHAT, 3)
    await analyser.recluster_all()
    assert await counts(analyser, CHAT) == {} and len(locks) == 0
    assert len(keys) == 1, "only the moved count is left, and it expires (NEW_FACES_TTL_S)"
