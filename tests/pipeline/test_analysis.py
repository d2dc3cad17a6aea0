"""The analysis pipeline without Telegram: real models in a worker pool, real databases (SQLite and PostgreSQL)."""

from __future__ import annotations

import asyncio
import io
from collections.abc import AsyncIterator

import pytest
from PIL import Image

from pipeline.analysis import FiledAnalysis, PhotoAnalyser, analyse_photo, smile_points
from pipeline.workers import CpuPool
from storage.albums import AlbumStore, NewMedia
from storage.faces import FaceStore
from tests.e2e.face_photos import group_photo, identity_photos, side_by_side, strip_of_pairs
from tests.e2e.harness import noisy_jpeg

CHAT = -42


@pytest.fixture
async def stores(local_albums: AlbumStore) -> AsyncIterator[tuple[AlbumStore, FaceStore]]:
    albums = local_albums
    db = albums.db
    await albums.remember(chat_id=CHAT, chat_type="group", chat_title="G", user_id=1, first_name="A")
    yield albums, FaceStore(db)


async def _save(albums: AlbumStore, data: bytes) -> int:
    return (await albums.save(CHAT, NewMedia(data=data, mime="image/jpeg"))).photo.id


def test_smile_points_are_the_rounded_score_within_0_to_100() -> None:
    assert [smile_points(s) for s in (-3.0, 0.4, 49.5, 50.5, 87.6, 100.0, 130.0)] == [0, 0, 50, 51, 88, 100, 100]


def test_analyse_photo_finds_each_face_once_with_full_image_boxes() -> None:
    data = group_photo("pexels-polina-tankilevitch-5848780.jpg")
    analysis = analyse_photo(data, 60_000_000)
    assert (analysis.width, analysis.height, analysis.layout_kind) == (1920, 1280, "single")
    assert len(analysis.faces) == 3, "three women in front of a curtain"
    for face in analysis.faces:
        x, y, w, h = face.box
        assert 0 <= x < 1920 and 0 <= y < 1280 and w > 80 and h > 80
        assert face.embedding.shape == (128,) and 0 <= face.smile <= 100


def test_a_strip_printed_twice_counts_each_face_once() -> None:
    """Two identical 1x4 strips side by side (as Life4Cuts prints): faces of one copy only."""
    [a], [b], [c], [d] = identity_photos(4, 1)
    strip = Image.open(io.BytesIO(strip_of_pairs([[a, b], [c, d], [b, a], [d, c]])))
    sheet = Image.new("RGB", (2 * strip.width, strip.height), "white")
    sheet.paste(strip, (0, 0))
    sheet.paste(strip, (strip.width, 0))
    out = io.BytesIO()
    sheet.save(out, "JPEG", quality=92)
    analysis = analyse_photo(out.getvalue(), 60_000_000)
    assert analysis.duplicated and analysis.layout_kind == "1x4"
    assert len(analysis.faces) == 8, "2 faces x 4 frames, the second copy not counted"
    assert sorted({face.frame for face in analysis.faces}) == [0, 1, 2, 3]
    assert all(face.box[0] < strip.width for face in analysis.faces)


async def test_analysis_is_filed_once_even_when_asked_twice_at_once(
    stores: tuple[AlbumStore, FaceStore], cpu_pool: CpuPool
) -> None:
    albums, faces = stores
    calls: list[FiledAnalysis] = []

    async def ledger(filed: FiledAnalysis) -> None:
        calls.append(filed)

    analyser = PhotoAnalyser(albums, faces, cpu_pool, 60_000_000, hooks=[ledger])
    [a], [b] = identity_photos(2, 1)
    photo_id = await _save(albums, side_by_side([a, b]))
    first, second = await asyncio.gather(analyser.analyse_and_file(photo_id), analyser.analyse_and_file(photo_id))
    assert first == second and first is not None and len(first.faces) == 2
    again = await analyser.analyse_and_file(photo_id)
    assert again is not None and not again.fresh and [f.id for f in again.faces] == [f.id for f in first.faces]
    assert len(await faces.chat_faces(CHAT)) == 2
    assert calls == [first], "the hook runs once per photo, with what was filed"


async def test_a_photo_without_faces_is_marked_analysed(
    stores: tuple[AlbumStore, FaceStore], cpu_pool: CpuPool
) -> None:
    albums, faces = stores
    analyser = PhotoAnalyser(albums, faces, cpu_pool, 60_000_000)
    photo_id = await _save(albums, noisy_jpeg(7))
    filed = await analyser.analyse_and_file(photo_id)
    assert filed is not None and filed.faces == () and filed.points == 0
    assert await faces.unanalysed_photos() == []


async def test_people_form_from_four_faces_and_corrections_survive_the_periodic_recluster(
    stores: tuple[AlbumStore, FaceStore], cpu_pool: CpuPool
) -> None:
    albums, faces = stores
    analyser = PhotoAnalyser(albums, faces, cpu_pool, 60_000_000, recluster_every=10)
    reclustered: list[int] = []
    original = analyser.recluster

    async def counting(chat_id: int) -> None:
        reclustered.append(chat_id)
        await original(chat_id)

    analyser.recluster = counting  # type: ignore[method-assign]
    a_photos, b_photos = identity_photos(2, 5)
    filed = [
        await analyser.analyse_and_file(await _save(albums, side_by_side([a, b])))
        for a, b in zip(a_photos[:3], b_photos[:3], strict=True)
    ]
    assert all(face.person_id is None for f in filed for face in f.faces), (
        "three faces each: deferred, no person yet (NEW_PERSON_FACES)"
    )
    fourth = await analyser.analyse_and_file(await _save(albums, side_by_side([a_photos[3], b_photos[3]])))
    assert fourth is not None and reclustered == []
    a_person = next(f.person_id for f in fourth.faces if f.box[0] < 300)
    b_person = next(f.person_id for f in fourth.faces if f.box[0] >= 300)
    assert a_person is not None and b_person is not None and a_person != b_person
    assert [len(await faces.faces_of_person(p)) for p in (a_person, b_person)] == [4, 4]

    await faces.rename(a_person, "Koizumi")
    await faces.pin_faces(a_person)
    await faces.merge(a_person, b_person)  # a mistaken merge …
    b_faces = [f.id for f in await faces.faces_of_person(a_person) if f.box[0] >= 300]
    for face_id in b_faces:
        await faces.remove_face(face_id)  # … undone face by face: these are not Koizumi

    await analyser.analyse_and_file(await _save(albums, side_by_side([a_photos[4], b_photos[4]])))
    assert reclustered == [CHAT], "10 new faces: a full re-cluster"
    person = await faces.person(a_person)
    assert person is not None and person.name == "Koizumi"
    a_faces = await faces.faces_of_person(a_person)
    assert len(a_faces) == 5 and all(f.box[0] < 300 for f in a_faces), "the named person gathers only their faces"
    by_id = {f.id: f for f in await faces.chat_faces(CHAT)}
    assert all(a_person in by_id[i].excluded_people and by_id[i].person_id != a_person for i in b_faces)
    others = {by_id[i].person_id for i in b_faces}
    assert len(others) == 1 and None not in others, "the removed faces form their own person again"


def test_balloons_the_detector_half_believes_are_not_faces() -> None:
    """pibooth's overlay collage: faces hidden behind balloons. YuNet sees two 'faces' (0.76, 0.84), the smile
    model's landmarker finds no face in either: they are left out instead of scoring 'cannot tell' points."""
    analysis = analyse_photo(group_photo("pibooth_collage_overlay.jpg"), 60_000_000)
    assert analysis.faces == ()


async def test_each_cut_is_read_with_its_own_faces_and_the_poses_are_filed_with_them(
    stores: tuple[AlbumStore, FaceStore], cpu_pool: CpuPool
) -> None:
    """The pose stage's seam with a stand-in recogniser (tests/pipeline/fake_poses.py): cut pixels and cut-relative
    boxes in, per-person and pair poses stored against the right faces and cuts."""
    from storage.poses import PoseStore
    from tests.pipeline.fake_poses import v_sign_and_bunny_ears

    albums, faces = stores
    analyser = PhotoAnalyser(albums, faces, cpu_pool, 60_000_000, recognise=v_sign_and_bunny_ears)
    [a], [b], [c] = identity_photos(3, 1)
    photo_id = await _save(albums, strip_of_pairs([[a, b], [c], [b, c], [a]]))
    filed = await analyser.analyse_and_file(photo_id)
    assert filed is not None and len(filed.faces) == 6
    assert filed.poses_by_cut() == {
        0: ["v_sign", "bunny_ears", "wink"],
        1: ["v_sign", "wink"],
        2: ["v_sign", "bunny_ears", "wink"],
        3: ["v_sign", "wink"],
    }, "every face was read by the smile landmarker, so its blendshapes reached the pose stage"
    by_id = {face.id: face for face in filed.faces}
    for pose in filed.poses:
        assert {by_id[face_id].frame for face_id in pose.face_ids} == {pose.frame}
        if pose.key == "bunny_ears":
            maker, wearer = (by_id[face_id] for face_id in pose.face_ids)
            assert maker.box[0] < wearer.box[0], "the leftmost person of the cut makes the pose"
    assert await PoseStore(faces.db).poses_of_photo(photo_id) == list(filed.poses)
    again = await analyser.analyse_and_file(photo_id)
    assert again is not None and again.poses == filed.poses, "read back from storage, not analysed twice"


def test_a_drawn_v_sign_next_to_a_real_face_is_read_by_the_real_models() -> None:
    """Smoke test of the real pose stage: a face photo with a shaded drawn hand (playground.hands) beside it."""
    from playground.hands import hand_beside_face

    [[face]] = identity_photos(1, 1)
    data = hand_beside_face(face.read_bytes(), "v_sign")
    analysis = analyse_photo(data, 60_000_000)
    assert len(analysis.faces) == 1
    assert "v_sign" in [pose.key for pose in analysis.faces[0].poses]
