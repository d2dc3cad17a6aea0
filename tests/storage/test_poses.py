"""Poses stored with the analysis: per cut and person, pair poses, filters by pose; erased with the photo and by
/forget. SQLite and PostgreSQL."""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlmodel import col, func, select

from storage.albums import AlbumStore, NewMedia
from storage.blobs import LocalBlobStore
from storage.db import Database
from storage.faces import FaceStore, NewPairPose, NewPerson
from storage.models import Pose
from storage.poses import PoseStore, StoredPose
from storage.privacy import forget_chat
from tests.storage.test_faces import _face, _jpeg

CHAT = -1


@pytest.fixture
async def world(local_albums: AlbumStore) -> AsyncIterator[tuple[Database, AlbumStore, FaceStore, PoseStore]]:
    albums = local_albums
    db = albums.db
    await albums.remember(chat_id=CHAT, chat_type="group", chat_title="G", user_id=1, first_name="A")
    yield db, albums, FaceStore(db), PoseStore(db)


async def _photo(albums: AlbumStore, seed: int) -> int:
    return (await albums.save(CHAT, NewMedia(data=_jpeg(seed), mime="image/png"))).photo.id


async def _pose_rows(db: Database) -> int:
    async with db.session() as session:
        return int((await session.exec(select(func.count()).select_from(Pose).where(col(Pose.chat_id) == CHAT))).one())


def _posing(seed: int, frame: int, *poses: tuple[str, float]) -> object:
    return dataclasses.replace(_face(seed, frame=frame), poses=poses)


async def test_poses_are_recorded_once_per_cut_and_person_with_the_pair_poses(world) -> None:
    db, albums, faces, poses = world
    photo = await _photo(albums, 1)
    new = [
        _posing(1, 0, ("v_sign", 0.9), ("wink", 0.6)),
        _posing(2, 0),
        _posing(3, 2, ("finger_heart", 0.8)),
    ]
    ids = await faces.record_analysis(photo, new, [NewPairPose("bunny_ears", 0.7, (1, 0))])
    again = await faces.record_analysis(photo, new, [NewPairPose("bunny_ears", 0.7, (1, 0))])
    assert again == ids and await _pose_rows(db) == 4, "recorded once"
    assert await poses.poses_of_photo(photo) == [
        StoredPose(0, "v_sign", 0.9, (ids[0],)),
        StoredPose(0, "bunny_ears", 0.7, (ids[1], ids[0])),
        StoredPose(0, "wink", 0.6, (ids[0],)),
        StoredPose(2, "finger_heart", 0.8, (ids[2],)),
    ]


async def test_album_and_person_filters_count_photos_and_erasing_takes_the_poses(world, tmp_path: Path) -> None:
    db, albums, faces, poses = world
    a, b, c = [await _photo(albums, seed) for seed in (1, 2, 3)]
    (_fa1, fa2) = await faces.record_analysis(a, [_posing(1, 0, ("v_sign", 0.9)), _posing(2, 0)])
    await faces.record_analysis(
        b, [_posing(3, 0, ("v_sign", 0.8)), _posing(4, 1)], [NewPairPose("bunny_ears", 0.7, (0, 1))]
    )
    await faces.record_analysis(c, [_posing(5, 0, ("fist", 0.7))])
    assert await poses.counts(CHAT) == {"v_sign": 2, "bunny_ears": 1, "fist": 1}
    photos, total = await poses.photos_with(CHAT, "v_sign", 0, 1)
    assert total == 2 and [p.id for p in photos] == [b], "newest first, paged"
    photos, total = await poses.photos_with(CHAT, "v_sign", 1, 1)
    assert total == 2 and [p.id for p in photos] == [a]

    # One person: the second face of photo a and the bunny-ears wearer of photo b.
    b_faces = await faces.faces_of_photo(b)
    person = (await faces.assign(CHAT, {fa2: (token := NewPerson()), b_faces[1].id: token}))[fa2]
    assert person is not None
    assert await poses.counts(CHAT, person) == {"bunny_ears": 1}, "a pair pose counts for both people in it"
    assert [p.id for p in (await poses.photos_with(CHAT, "bunny_ears", 0, 5, person_id=person))[0]] == [b]
    assert (await poses.photos_with(CHAT, "v_sign", 0, 5, person_id=person))[1] == 0

    assert await albums.delete_photo(b)
    assert await poses.counts(CHAT) == {"fist": 1, "v_sign": 1}, "deleting a photo deletes its poses"
    forgotten = await forget_chat(db, LocalBlobStore(tmp_path / "blobs"), CHAT)
    assert forgotten.photos == 2 and await _pose_rows(db) == 0 and await poses.counts(CHAT) == {}
