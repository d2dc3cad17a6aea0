"""Moods stored with the analysis, the OpenAI step's additions (marked 'openai'), the chat's opt-in; /forget and a
chat's move take them along. SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import event
from sqlmodel import col, func, select

from storage.albums import AlbumStore, NewMedia
from storage.blobs import LocalBlobStore
from storage.chat_move import move_chat
from storage.db import Database
from storage.faces import FaceStore
from storage.models import CutMood
from storage.moods import AddedPose, MoodStore, NewMood, StoredMood
from storage.poses import PoseStore, StoredPose
from storage.privacy import forget_chat
from storage.refinement import RefinementStore
from tests.storage.test_faces import _face, _jpeg

CHAT = -5
World = tuple[Database, AlbumStore, FaceStore, MoodStore]


@pytest.fixture
async def world(local_albums: AlbumStore) -> AsyncIterator[World]:
    albums = local_albums
    db = albums.db
    await albums.remember(chat_id=CHAT, chat_type="group", chat_title="G", user_id=1, first_name="A")
    yield db, albums, FaceStore(db), MoodStore(db)


async def _mood_rows(db: Database, chat_id: int) -> int:
    async with db.session() as session:
        query = select(func.count()).select_from(CutMood).where(col(CutMood.chat_id) == chat_id)
        return int((await session.exec(query)).one())


async def test_moods_are_recorded_once_with_the_faces_and_openai_additions_are_marked(world: World) -> None:
    db, albums, faces, moods = world
    photo = (await albums.save(CHAT, NewMedia(data=_jpeg(1), mime="image/png"))).photo.id
    cut_moods = [NewMood(0, "lovely", 0.7, 1.0), NewMood(0, "calm", 0.2, 0.8), NewMood(1, "joyful", 0.6, 1.0)]
    ids = await faces.record_analysis(photo, [_face(1), _face(2, frame=1)], moods=cut_moods)
    assert await faces.record_analysis(photo, [_face(1), _face(2, frame=1)], moods=cut_moods) == ids
    assert await moods.moods_of_photo(photo) == [StoredMood(m.frame, m.key, m.score, m.confidence) for m in cut_moods]
    assert not await moods.refined(photo)

    added = [AddedPose(1, "joint_heart", 0.5, (ids[1], ids[0]))]
    assert await moods.add_refinement(photo, added, [NewMood(1, "warm", 1.0, 0.5)])
    assert await moods.refined(photo)
    assert (await moods.moods_of_photo(photo))[-1] == StoredMood(1, "warm", 1.0, 0.5, "openai")
    assert await PoseStore(db).poses_of_photo(photo) == [StoredPose(1, "joint_heart", 0.5, (ids[1], ids[0]), "openai")]
    assert not await moods.add_refinement(photo + 999, [], [NewMood(0, "warm", 1.0, 0.5)]), "a photo erased meanwhile"


async def test_the_opt_in_is_off_until_set_and_moves_and_forget_take_the_moods(world: World, tmp_path: Path) -> None:
    db, albums, faces, moods = world
    chats = RefinementStore(db)
    assert not await chats.openai_on(CHAT)
    await chats.set_openai(CHAT, True)
    assert await chats.openai_on(CHAT)
    photo = (await albums.save(CHAT, NewMedia(data=_jpeg(2), mime="image/png"))).photo.id
    await faces.record_analysis(photo, [_face(3)], moods=[NewMood(0, "cute", 0.5, 1.0)])

    new_chat = -1005
    await move_chat(db, CHAT, new_chat)
    assert await chats.openai_on(new_chat) and not await chats.openai_on(CHAT)
    assert await _mood_rows(db, new_chat) == 1 and await _mood_rows(db, CHAT) == 0
    await chats.set_openai(new_chat, False)
    assert not await chats.openai_on(new_chat)

    await forget_chat(db, LocalBlobStore(tmp_path / "blobs"), new_chat)
    assert await _mood_rows(db, new_chat) == 0 and await moods.moods_of_photo(photo) == []


async def test_moods_by_photo_give_every_photo_of_the_chat_its_scores(world: World) -> None:
    _, albums, faces, moods = world
    assert await moods.moods_by_photo(CHAT) == {}
    strips = [
        # two cuts: calm leads one cut, but lovely's sum over the strip is larger
        [NewMood(0, "calm", 0.9, 1.0), NewMood(0, "lovely", 0.5, 1.0), NewMood(1, "lovely", 0.6, 1.0)],
        # confidence weighs the score: joyful 0.9 × 0.5 < cute 0.6 × 1.0
        [NewMood(0, "joyful", 0.9, 0.5), NewMood(0, "cute", 0.6, 1.0)],
        [NewMood(0, "lovely", 0.7, 1.0)],
    ]
    for seed, cut_moods in enumerate(strips, start=10):
        photo = (await albums.save(CHAT, NewMedia(data=_jpeg(seed), mime="image/png"))).photo.id
        await faces.record_analysis(photo, [_face(seed)], moods=cut_moods)
    photos = await moods.moods_by_photo(CHAT)
    assert [[(m.frame, m.key, m.score, m.confidence) for m in stored] for stored in photos.values()] == [
        [(m.frame, m.key, m.score, m.confidence) for m in cut_moods] for cut_moods in strips
    ]
    assert await moods.moods_by_photo(CHAT + 1) == {}


async def test_a_strips_moods_and_poses_are_stored_in_one_insert_each(world: World) -> None:
    """A strip's 28 mood rows (4 cuts × 7 moods) went in as 28 INSERTs, a quarter of the bot's statements in the
    load benchmark (SQLite; PostgreSQL's flush already sent one). The faces' ids are read back for the poses."""
    db, albums, faces, moods = world
    photo = (await albums.save(CHAT, NewMedia(data=_jpeg(2), mime="image/png"))).photo.id
    cut_moods = [NewMood(frame, f"mood{n}", n / 10, 1.0) for frame in range(4) for n in range(7)]
    inserts: list[str] = []

    def count(_conn: object, _cursor: object, statement: str, *_args: object) -> None:
        if statement.lstrip().upper().startswith("INSERT"):
            inserts.append(statement.split("(")[0].split()[-1])

    event.listen(db.engine.sync_engine, "before_cursor_execute", count)
    try:
        await faces.record_analysis(photo, [_face(1), _face(2, frame=1)], moods=cut_moods)
    finally:
        event.remove(db.engine.sync_engine, "before_cursor_execute", count)
    assert inserts.count("cutmood") == 1 and set(inserts) == {"cutmood", "face"}
    assert await _mood_rows(db, CHAT) == 28
    assert [mood.key for mood in await moods.moods_of_photo(photo)][:7] == [f"mood{n}" for n in range(7)]
