"""Person-album storage: faces, clustering results and manual corrections, on SQLite and PostgreSQL."""

from __future__ import annotations

import io
from collections.abc import AsyncIterator

import numpy as np
import pytest
from PIL import Image

from storage.albums import AlbumStore, NewMedia
from storage.faces import FaceStore, NewFace, NewPerson


def _jpeg(seed: int) -> bytes:
    out = io.BytesIO()
    Image.fromarray(np.random.default_rng(seed).integers(0, 255, (8, 8, 3), dtype=np.uint8)).save(out, "PNG")
    return out.getvalue()


def _face(seed: int, smile: float = 50.0, frame: int = 0) -> NewFace:
    vector = np.random.default_rng(seed).normal(size=128).astype(np.float32)
    return NewFace(
        frame=frame, box=(10 * seed, 5, 40 + seed, 40 + seed), detection_score=0.9, smile=smile, embedding=vector
    )


@pytest.fixture
async def stores(local_albums: AlbumStore) -> AsyncIterator[tuple[AlbumStore, FaceStore]]:
    albums = local_albums
    db = albums.db
    await albums.remember(chat_id=-1, chat_type="group", chat_title="G", user_id=1, first_name="A")
    yield albums, FaceStore(db)


async def _photo(albums: AlbumStore, seed: int) -> int:
    return (await albums.save(-1, NewMedia(data=_jpeg(seed), mime="image/png"))).photo.id


async def test_analysis_is_recorded_once_and_embeddings_round_trip(stores: tuple[AlbumStore, FaceStore]) -> None:
    albums, faces = stores
    photo_id = await _photo(albums, 1)
    assert [p.id for p in await faces.unanalysed_photos()] == [photo_id]
    ids = await faces.record_analysis(photo_id, [_face(1, 80), _face(2, 10)])
    again = await faces.record_analysis(photo_id, [_face(3)])
    assert again == ids and len(ids) == 2
    assert await faces.unanalysed_photos() == []
    stored = await faces.faces_of_photo(photo_id)
    np.testing.assert_array_equal(stored[0].embedding, _face(1).embedding)
    assert [f.smile for f in stored] == [80, 10]


async def test_assign_creates_people_and_drops_empty_unnamed_ones(stores: tuple[AlbumStore, FaceStore]) -> None:
    albums, faces = stores
    a, b = await _photo(albums, 1), await _photo(albums, 2)
    fa = await faces.record_analysis(a, [_face(1), _face(2)])
    fb = await faces.record_analysis(b, [_face(3)])
    jisoo, min_ = NewPerson(), NewPerson()
    stored = await faces.assign(-1, {fa[0]: jisoo, fa[1]: min_, fb[0]: jisoo})
    assert stored[fa[0]] == stored[fb[0]] != stored[fa[1]]
    people = await faces.people(-1)
    assert [(p.face_count, p.photo_count) for p in people] == [(2, 2), (1, 1)]
    await faces.assign(-1, {fa[1]: stored[fa[0]]})
    assert len(await faces.people(-1)) == 1, "the person left with no faces is gone"


async def test_merge_is_pinned_and_keeps_the_name(stores: tuple[AlbumStore, FaceStore]) -> None:
    albums, faces = stores
    p = await _photo(albums, 1)
    f1, f2 = await faces.record_analysis(p, [_face(1), _face(2, frame=1)])
    stored = await faces.assign(-1, {f1: NewPerson(), f2: NewPerson()})
    await faces.rename(stored[f2], "지수")
    await faces.merge(stored[f1], stored[f2])
    (person,) = await faces.people(-1)
    assert person.name == "지수" and person.face_count == 2
    await faces.assign(-1, {f1: NewPerson(), f2: NewPerson()})
    (still,) = await faces.people(-1)
    assert still.id == person.id and still.face_count == 2, "manual merges survive re-clustering"


async def test_a_removed_face_never_returns_to_that_person(stores: tuple[AlbumStore, FaceStore]) -> None:
    albums, faces = stores
    p1, p2 = await _photo(albums, 1), await _photo(albums, 2)
    (f1,) = await faces.record_analysis(p1, [_face(1)])
    (f2,) = await faces.record_analysis(p2, [_face(2)])
    person = NewPerson()
    stored = await faces.assign(-1, {f1: person, f2: person})
    person_id = stored[f1]
    assert await faces.remove_face(f2) == person_id
    again = await faces.assign(-1, {f1: person_id, f2: person_id})
    assert again[f2] is None
    (face2,) = await faces.faces_of_photo(p2)
    assert face2.person_id is None
    (summary,) = await faces.people(-1)
    assert summary.face_count == 1
    assert person_id in next(f for f in await faces.chat_faces(-1) if f.id == f2).excluded_people


async def test_hidden_people_and_person_photos(stores: tuple[AlbumStore, FaceStore]) -> None:
    albums, faces = stores
    photos = [await _photo(albums, seed) for seed in range(5)]
    token = NewPerson()
    face_ids = [(await faces.record_analysis(p, [_face(p)]))[0] for p in photos]
    stored = await faces.assign(-1, dict.fromkeys(face_ids, token))
    person_id = stored[face_ids[0]]
    page, total = await faces.photos_of(person_id, 0, 3)
    assert total == 5 and [p.id for p in page] == photos[::-1][:3]
    await faces.set_hidden(person_id, True)
    assert await faces.people(-1) == []
    assert len(await faces.people(-1, include_hidden=True)) == 1


async def test_deleting_a_photo_deletes_its_faces(stores: tuple[AlbumStore, FaceStore]) -> None:
    albums, faces = stores
    p = await _photo(albums, 1)
    await faces.record_analysis(p, [_face(1)])
    await albums.delete_photo(p)
    assert await faces.chat_faces(-1) == []


async def test_a_named_persons_faces_are_pinned_and_listed(stores: tuple[AlbumStore, FaceStore]) -> None:
    albums, faces = stores
    p1, p2 = await _photo(albums, 1), await _photo(albums, 2)
    (f1,) = await faces.record_analysis(p1, [_face(1)])
    (f2,) = await faces.record_analysis(p2, [_face(2)])
    token = NewPerson()
    person_id = (await faces.assign(-1, {f1: token, f2: token}))[f1]
    assert [f.id for f in await faces.faces_of_person(person_id)] == [f1, f2]
    assert await faces.pin_faces(person_id) == 2
    assert await faces.pin_faces(person_id) == 0, "already pinned"
    await faces.assign(-1, {f1: NewPerson(), f2: None})
    assert {f.person_id for f in await faces.faces_of_person(person_id)} == {person_id}
    assert all(f.manual for f in await faces.chat_faces(-1))
    assert await faces.chats_with_faces() == [-1]


async def test_removing_a_photo_takes_its_faces_videos_and_emptied_people(
    stores: tuple[AlbumStore, FaceStore],
) -> None:
    albums, faces = stores
    gone, kept = await _photo(albums, 1), await _photo(albums, 2)
    video = await albums.save(-1, NewMedia(b"\x00\x00\x00\x18ftypisom" + bytes(64), "video/mp4", parent_id=gone))
    solo, shared_a = await faces.record_analysis(gone, [_face(1), _face(3)])
    (shared_b,) = await faces.record_analysis(kept, [_face(4)])
    solo_person = (await faces.assign(-1, {solo: NewPerson()}))[solo]
    token = NewPerson()
    shared_person = (await faces.assign(-1, {shared_a: token, shared_b: token}))[shared_a]
    assert solo_person is not None and shared_person is not None
    await faces.rename(solo_person, "Named")  # a name does not keep an empty person

    assert await albums.remove_photo(-2, gone) is None, "another chat's id finds nothing"
    removed = await albums.remove_photo(-1, gone)
    assert removed is not None and (removed.faces, removed.videos, removed.people_removed) == (2, 1, 1)
    assert await albums.get(gone) is None and await albums.get(video.photo.id or 0) is None
    assert await faces.person(solo_person) is None
    assert [f.id for f in await faces.faces_of_person(shared_person)] == [shared_b]
    assert not albums.blobs.exists(video.photo.sha256)
    assert await albums.remove_photo(-1, gone) is None, "once only"
