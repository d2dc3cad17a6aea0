"""The analysis pipeline without Telegram: real models in a worker pool, real databases (SQLite and PostgreSQL)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from bot.workers import CpuPool
from pipeline.analysis import FiledAnalysis, PhotoAnalyser, analyse_photo, smile_points
from storage.albums import AlbumStore, NewMedia
from storage.blobs import BlobStore
from storage.db import Database
from storage.faces import FaceStore
from tests.e2e.face_photos import group_photo, identity_photos, side_by_side
from tests.e2e.harness import noisy_jpeg

CHAT = -42


@pytest.fixture(scope="module")
def pool() -> Iterator[CpuPool]:
    cpu = CpuPool(1)
    yield cpu
    cpu.shutdown()


@pytest.fixture
async def stores(database_url: str, tmp_path: Path) -> AsyncIterator[tuple[AlbumStore, FaceStore]]:
    db = Database(database_url)
    await db.migrate()
    albums = AlbumStore(db, BlobStore(tmp_path / "blobs"))
    await albums.remember(chat_id=CHAT, chat_type="group", chat_title="G", user_id=1, first_name="A")
    yield albums, FaceStore(db)
    await db.dispose()


async def _save(albums: AlbumStore, data: bytes) -> int:
    return (await albums.save(CHAT, NewMedia(data=data, mime="image/jpeg"))).photo.id


def test_smile_points_are_the_rounded_score_within_0_to_100() -> None:
    assert [smile_points(s) for s in (-3.0, 0.4, 49.5, 87.6, 100.0, 130.0)] == [0, 0, 50, 88, 100, 100]


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
    import io

    from PIL import Image

    [a], [b], [c], [d] = identity_photos(4, 1)
    frames = [Image.open(io.BytesIO(side_by_side(pair, tile=240))) for pair in ([a, b], [c, d], [b, a], [d, c])]
    strip = Image.new("RGB", (520, 4 * 260 + 140), "white")
    for index, frame in enumerate(frames):
        strip.paste(frame, (20, 20 + index * 260))
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
    stores: tuple[AlbumStore, FaceStore], pool: CpuPool
) -> None:
    albums, faces = stores
    calls: list[FiledAnalysis] = []

    async def ledger(filed: FiledAnalysis) -> None:
        calls.append(filed)

    analyser = PhotoAnalyser(albums, faces, pool, 60_000_000, hooks=[ledger])
    [a], [b] = identity_photos(2, 1)
    photo_id = await _save(albums, side_by_side([a, b]))
    first, second = await asyncio.gather(analyser.analyse_and_file(photo_id), analyser.analyse_and_file(photo_id))
    assert first == second and first is not None and len(first.faces) == 2
    again = await analyser.analyse_and_file(photo_id)
    assert again is not None and not again.fresh and [f.id for f in again.faces] == [f.id for f in first.faces]
    assert len(await faces.chat_faces(CHAT)) == 2
    assert len(calls) == 1 and calls[0].points == sum(f.points for f in first.faces), "the hook runs once per photo"
    assert all(face.person_id is not None for face in first.faces), "filed into people before the hook runs"


async def test_a_photo_without_faces_is_marked_analysed(stores: tuple[AlbumStore, FaceStore], pool: CpuPool) -> None:
    albums, faces = stores
    analyser = PhotoAnalyser(albums, faces, pool, 60_000_000)
    photo_id = await _save(albums, noisy_jpeg(7))
    filed = await analyser.analyse_and_file(photo_id)
    assert filed is not None and filed.faces == () and filed.points == 0
    assert await faces.unanalysed_photos() == []


async def test_a_full_recluster_after_enough_new_faces_keeps_manual_corrections(
    stores: tuple[AlbumStore, FaceStore], pool: CpuPool
) -> None:
    albums, faces = stores
    analyser = PhotoAnalyser(albums, faces, pool, 60_000_000, recluster_every=4)
    reclustered: list[int] = []
    original = analyser.recluster

    async def counting(chat_id: int) -> None:
        reclustered.append(chat_id)
        await original(chat_id)

    analyser.recluster = counting  # type: ignore[method-assign]
    (a1, a2, a3), (b1, b2, b3) = identity_photos(2, 3)
    first = await analyser.analyse_and_file(await _save(albums, side_by_side([a1, b1])))
    assert first is not None and reclustered == []
    a_person = next(f.person_id for f in first.faces if f.box[0] < 300)
    b_face = next(f for f in first.faces if f.box[0] >= 300)
    await faces.rename(a_person, "Koizumi")
    await faces.pin_faces(a_person)
    await faces.merge(a_person, b_face.person_id)  # a mistaken merge …
    await faces.remove_face(b_face.id)  # … undone: this face is not Koizumi
    await analyser.analyse_and_file(await _save(albums, side_by_side([a2, b2])))
    assert reclustered == [CHAT], "4 new faces: a full re-cluster"
    await analyser.analyse_and_file(await _save(albums, side_by_side([a3, b3])))
    person = await faces.person(a_person)
    assert person is not None and person.name == "Koizumi"
    a_faces = await faces.faces_of_person(a_person)
    assert len(a_faces) == 3 and all(f.box[0] < 300 for f in a_faces), "the named person gathers only their faces"
    removed = next(f for f in await faces.chat_faces(CHAT) if f.id == b_face.id)
    assert removed.person_id != a_person and a_person in removed.excluded_people
