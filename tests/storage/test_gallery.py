"""The community gallery's tables and the /pose suggestion log: opt-in, sources only from sharing chats and only
photos filed after the opt-in, examples and their files withdrawn by /share off and by /forget, refusals counted,
a chat move carries everything. SQLite and PostgreSQL."""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import update
from sqlmodel import col, func, select

from storage.albums import AlbumStore, NewMedia
from storage.chat_move import move_chat
from storage.db import Database
from storage.faces import FaceStore, NewFace, NewPairPose
from storage.gallery import ExampleSource, GalleryStore
from storage.models import GalleryExample, GalleryShare, Photo, PoseSuggestion
from storage.privacy import forget_chat
from storage.suggestions import KEPT_PER_CHAT, SuggestionStore
from tests.conftest import BlobStoreFactory
from tests.storage.test_faces import _face, _jpeg

SHARING, PRIVATE, NEW_ID = -1, -2, -1_000_000_000_001
ADMIN = 7


@dataclass
class World:
    db: Database
    albums: AlbumStore
    faces: FaceStore
    gallery: GalleryStore
    suggestions: SuggestionStore
    gallery_dir: Path


@pytest.fixture
async def world(database_url: str, tmp_path: Path, blob_stores: BlobStoreFactory) -> AsyncIterator[World]:
    """On each database engine and each blob backend (local disk, S3 on loopback)."""
    db = Database(database_url)
    await db.migrate()
    albums = AlbumStore(db, blob_stores("blobs"))
    for chat in (SHARING, PRIVATE):
        await albums.remember(chat_id=chat, chat_type="group", chat_title="G", user_id=ADMIN, first_name="A")
    yield World(
        db,
        albums,
        FaceStore(db),
        GalleryStore(db, blob_stores("gallery")),
        SuggestionStore(db),
        tmp_path / "gallery",
    )
    await db.dispose()


def _posing(seed: int, frame: int, *poses: tuple[str, float]) -> NewFace:
    return dataclasses.replace(_face(seed, frame=frame), poses=poses)


async def _photo(
    world: World, chat: int, seed: int, faces: list[NewFace], pairs: list[NewPairPose] | None = None
) -> int:
    photo = (await world.albums.save(chat, NewMedia(data=_jpeg(seed), mime="image/jpeg"))).photo.id
    await world.faces.record_analysis(photo, faces, pairs or [])
    return photo


async def _backdate(world: World, photo_id: int, days: int) -> None:
    async with world.db.session() as session:
        photo = await session.get(Photo, photo_id)
        assert photo is not None
        await session.exec(
            update(Photo).where(col(Photo.id) == photo_id).values(created_at=photo.created_at - timedelta(days=days))
        )


async def _examples(world: World) -> int:
    async with world.db.session() as session:
        return int((await session.exec(select(func.count()).select_from(GalleryExample))).one())


async def test_sources_come_only_from_sharing_chats_and_photos_filed_after_the_opt_in(world: World) -> None:
    before = await _photo(world, SHARING, 1, [_posing(1, 0, ("v_sign", 0.95))])
    await _backdate(world, before, 1)
    assert await world.gallery.share(SHARING, ADMIN) and not await world.gallery.share(SHARING, ADMIN)
    share = await world.gallery.sharing(SHARING)
    assert share is not None and share.shared_by == ADMIN and await world.gallery.sharing(PRIVATE) is None
    strip = await _photo(
        world,
        SHARING,
        2,
        [_posing(2, 0, ("v_sign", 0.7)), _posing(3, 0, ("v_sign", 0.9)), _posing(4, 2, ("v_sign", 0.8)), _posing(5, 2)],
        [NewPairPose("bunny_ears", 0.6, (2, 3))],
    )
    await _photo(world, PRIVATE, 3, [_posing(6, 0, ("v_sign", 0.99))])

    sources = await world.gallery.sources("v_sign", limit=5)
    assert sources == [ExampleSource(SHARING, strip, 0, "v_sign", 0.9), ExampleSource(SHARING, strip, 2, "v_sign", 0.8)]
    assert await world.gallery.sources("bunny_ears", 5) == [ExampleSource(SHARING, strip, 2, "bunny_ears", 0.6)]
    assert await world.gallery.sources("v_sign", 5, chat_id=PRIVATE) == []

    added = await world.gallery.add_example(sources[0], b"picture-1", 40, 30)
    await world.gallery.refuse(sources[1])
    assert added is not None and await world.gallery.sources("v_sign", 5) == [], "made or refused: not tried again"
    assert await world.gallery.refused_count() == 1 and await world.gallery.refused_count(PRIVATE) == 0
    [example] = await world.gallery.examples("v_sign")
    assert (example.chat_id, example.photo_id, example.frame, example.width) == (SHARING, strip, 0, 40)
    assert world.gallery.read(example) == b"picture-1"
    assert await world.gallery.examples("v_sign", not_from_chat=SHARING) == []
    assert await world.gallery.example_counts() == {"v_sign": 1}
    await world.gallery.remember_file_id(example.id, "file-1")
    assert (await world.gallery.examples("v_sign"))[0].telegram_file_id == "file-1"


async def test_share_off_withdraws_every_example_and_its_file_and_a_late_example_is_not_kept(world: World) -> None:
    await world.gallery.share(SHARING, ADMIN)
    photo = await _photo(world, SHARING, 1, [_posing(1, 0, ("v_sign", 0.9), ("thumbs_up", 0.8))])
    v_sign, thumbs = [await world.gallery.sources(key, 1) for key in ("v_sign", "thumbs_up")]
    assert await world.gallery.add_example(v_sign[0], b"one", 10, 10) is not None
    assert await world.gallery.add_example(thumbs[0], b"two", 10, 10) is not None
    assert len(list(world.gallery.blobs.digests())) == 2

    withdrawn = await world.gallery.unshare(SHARING)

    assert (withdrawn.examples, withdrawn.files) == (2, 2)
    assert await _examples(world) == 0 and list(world.gallery.blobs.digests()) == []
    assert await world.gallery.sharing(SHARING) is None
    # An example whose de-identification was still running when sharing was turned off is dropped, file and all.
    late = ExampleSource(SHARING, photo, 0, "wink", 0.5)
    assert await world.gallery.add_example(late, b"late", 10, 10) is None
    await world.gallery.refuse(late)
    assert await _examples(world) == 0 and list(world.gallery.blobs.digests()) == []
    assert await world.gallery.refused_count() == 0


async def test_forget_erases_the_chats_examples_refusals_opt_in_and_suggestions(world: World) -> None:
    for chat, seed in ((SHARING, 1), (PRIVATE, 2)):
        await world.gallery.share(chat, ADMIN)
        await _photo(world, chat, seed, [_posing(seed, 0, ("v_sign", 0.9)), _posing(seed + 10, 1, ("wink", 0.9))])
        await world.suggestions.record(chat, "v_sign")
    for source in await world.gallery.sources("v_sign", 5):
        await world.gallery.add_example(source, f"example of {source.chat_id}".encode(), 10, 10)
    for source in await world.gallery.sources("wink", 5):
        await world.gallery.refuse(source)

    forgotten = await forget_chat(world.db, world.albums.blobs, SHARING, world.gallery)

    assert forgotten.examples == 1 and forgotten.files == 2, "the photo and the example's file"
    assert [e.chat_id for e in await world.gallery.examples("v_sign")] == [PRIVATE]
    assert len(list(world.gallery.blobs.digests())) == 1
    assert await world.gallery.sharing(SHARING) is None and await world.gallery.sharing(PRIVATE) is not None
    assert await world.gallery.refused_count(SHARING) == 0 and await world.gallery.refused_count(PRIVATE) == 1
    assert await world.suggestions.recent(SHARING, 5) == [] and await world.suggestions.recent(PRIVATE, 5) == ["v_sign"]


async def test_a_deleted_photos_examples_go_and_their_files_are_swept(world: World) -> None:
    await world.gallery.share(SHARING, ADMIN)
    photo = await _photo(world, SHARING, 1, [_posing(1, 0, ("v_sign", 0.9))])
    [source] = await world.gallery.sources("v_sign", 5)
    await world.gallery.add_example(source, b"example", 10, 10)
    assert await world.albums.delete_photo(photo)
    assert await _examples(world) == 0
    assert await world.gallery.sweep_orphan_files() == 1
    assert list(world.gallery.blobs.digests()) == []


async def test_a_chat_move_carries_the_opt_in_examples_and_suggestions(world: World) -> None:
    await world.gallery.share(SHARING, ADMIN)
    await _photo(world, SHARING, 1, [_posing(1, 0, ("v_sign", 0.9))])
    [source] = await world.gallery.sources("v_sign", 5)
    await world.gallery.add_example(source, b"example", 10, 10)
    await world.suggestions.record(SHARING, "wink")

    move = await move_chat(world.db, SHARING, NEW_ID)

    assert move.moved["galleryshare"] == 1 and move.moved["galleryexample"] == 1 and move.moved["posesuggestion"] == 1
    assert await world.gallery.sharing(NEW_ID) is not None
    assert [e.chat_id for e in await world.gallery.examples("v_sign")] == [NEW_ID]
    assert await world.suggestions.recent(NEW_ID, 3) == ["wink"]
    async with world.db.session() as session:
        assert (await session.exec(select(func.count()).select_from(GalleryShare))).one() == 1


async def test_the_suggestion_log_keeps_the_last_few_per_chat(world: World) -> None:
    for index in range(KEPT_PER_CHAT + 5):
        await world.suggestions.record(SHARING, f"pose{index % 7}")
    await world.suggestions.record(PRIVATE, "wink")
    assert await world.suggestions.recent(SHARING, 3) == ["pose3", "pose2", "pose1"]
    assert await world.suggestions.recent(SHARING, 10) == [f"pose{i}" for i in (3, 2, 1, 0, 6, 5, 4)], "each once"
    async with world.db.session() as session:
        rows = (
            await session.exec(
                select(func.count()).select_from(PoseSuggestion).where(col(PoseSuggestion.chat_id) == SHARING)
            )
        ).one()
    assert rows == KEPT_PER_CHAT


async def test_faces_per_cut_counts_the_chats_cuts_by_their_faces(world: World) -> None:
    assert await world.suggestions.faces_per_cut(SHARING) == {}
    await _photo(world, SHARING, 1, [_face(1, frame=0), _face(2, frame=0), _face(3, frame=1), _face(4, frame=3)])
    await _photo(world, SHARING, 2, [_face(5, frame=0), _face(6, frame=0)])
    await _photo(world, PRIVATE, 3, [_face(7, frame=0)])
    assert await world.suggestions.faces_per_cut(SHARING) == {2: 2, 1: 2}
