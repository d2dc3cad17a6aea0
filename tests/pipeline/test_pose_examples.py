"""The community gallery's pipeline: examples are made in the worker pool from sharing chats' photos only (after the
analysis hook, in the background), each checked against every face of its source chat and its opt-outs; a refused
one is counted and the card shown; a chat is never shown its own examples."""

from __future__ import annotations

import dataclasses
import io
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from pydantic import ValidationError

from pipeline.analysis import FiledAnalysis
from pipeline.pose_examples import EXAMPLES_PER_CHAT, PoseExamples, cut_pixels
from pipeline.settings import Settings
from pipeline.workers import CpuPool
from storage.albums import AlbumStore, NewMedia
from storage.blobs import LocalBlobStore
from storage.db import Database
from storage.faces import FaceStore, NewFace
from storage.gallery import GalleryStore
from storage.opt_outs import OptOutStore, Signature
from storage.poses import StoredPose
from tests.pipeline.fake_gallery import flat_card, mosaic, refuse_everything

SHARING, OTHER = -11, -12
ADMIN = 5


@dataclass
class World:
    db: Database
    albums: AlbumStore
    faces: FaceStore
    gallery: GalleryStore
    opt_outs: OptOutStore
    examples: PoseExamples


@pytest.fixture
async def world(local_albums: AlbumStore, tmp_path: Path, cpu_pool: CpuPool) -> AsyncIterator[World]:
    albums = local_albums
    db = albums.db
    for chat in (SHARING, OTHER):
        await albums.remember(chat_id=chat, chat_type="group", chat_title="G", user_id=ADMIN, first_name="A")
    faces, opt_outs = FaceStore(db), OptOutStore(db)
    gallery = GalleryStore(db, LocalBlobStore(tmp_path / "gallery"))
    examples = PoseExamples(gallery, albums, faces, opt_outs, cpu_pool, 10_000_000, mosaic, flat_card)
    yield World(db, albums, faces, gallery, opt_outs, examples)
    await examples.close()


def _picture(seed: int) -> bytes:
    out = io.BytesIO()
    rgb = np.random.default_rng(seed).integers(0, 255, (120, 160, 3), dtype=np.uint8)
    Image.fromarray(rgb).save(out, "PNG")
    return out.getvalue()


def _face(seed: int, pose: str | None = "v_sign") -> NewFace:
    vector = np.random.default_rng(seed).normal(size=128).astype(np.float32)
    return NewFace(
        frame=0,
        box=(10, 10, 40, 40),
        detection_score=0.9,
        smile=50.0,
        embedding=vector,
        poses=((pose, 0.9),) if pose else (),
    )


async def _posing_photo(world: World, chat: int, seed: int, pose: str = "v_sign") -> FiledAnalysis:
    photo = (await world.albums.save(chat, NewMedia(data=_picture(seed), mime="image/png"))).photo.id
    [face_id] = await world.faces.record_analysis(photo, [_face(seed, pose)])
    return FiledAnalysis(photo, chat, (), True, (StoredPose(0, pose, 0.9, (face_id,)),))


async def test_the_hook_makes_examples_from_sharing_chats_only_up_to_the_cap(world: World) -> None:
    await world.gallery.share(SHARING, ADMIN)
    await world.examples.after_analysis(await _posing_photo(world, OTHER, 1))
    await world.examples.settled()
    assert await world.gallery.example_counts() == {}, "a chat that does not share gives nothing"

    for seed in range(EXAMPLES_PER_CHAT + 2):
        await world.examples.after_analysis(await _posing_photo(world, SHARING, 10 + seed))
    await world.examples.settled()

    examples = await world.gallery.examples("v_sign")
    assert len(examples) == EXAMPLES_PER_CHAT and {e.chat_id for e in examples} == {SHARING}
    await world.gallery.share(OTHER, ADMIN)
    await world.examples.after_analysis(await _posing_photo(world, OTHER, 30))
    await world.examples.settled()
    assert [e.chat_id for e in await world.gallery.examples("v_sign")].count(OTHER) == 1, "each sharing chat adds"
    picture = np.asarray(Image.open(io.BytesIO(world.gallery.read(examples[0]))))
    assert picture.shape == (120, 160, 3)
    cells = picture[:16, :16].reshape(-1, 3).astype(int)
    assert np.abs(cells - cells.mean(axis=0)).max() < 12, "the stored picture is the de-identified one (blocks)"


async def test_a_chat_is_shown_other_chats_examples_never_its_own(world: World) -> None:
    await world.gallery.share(SHARING, ADMIN)
    await world.examples.after_analysis(await _posing_photo(world, SHARING, 1))
    await world.examples.settled()
    [example] = await world.gallery.examples("v_sign")

    elsewhere = await world.examples.picture("v_sign", OTHER)
    assert elsewhere.community and elsewhere.example_id == example.id and elsewhere.data == world.gallery.read(example)
    own = await world.examples.picture("v_sign", SHARING)
    assert not own.community and own.example_id is None
    assert own.data is not None and Image.open(io.BytesIO(own.data)).size == (240, 320), "the card"

    await world.examples.remember_file_id(elsewhere, "file-example")
    await world.examples.remember_file_id(own, "file-card")
    assert (await world.examples.picture("v_sign", OTHER)).file_id == "file-example"
    again = await world.examples.picture("v_sign", SHARING)
    assert (again.file_id, again.data) == ("file-card", None)


async def test_a_refused_example_is_counted_never_shown_and_its_cut_not_tried_again(world: World) -> None:
    world.examples.deidentify = refuse_everything
    await world.gallery.share(SHARING, ADMIN)
    filed = await _posing_photo(world, SHARING, 1)
    await world.examples.after_analysis(filed)
    await world.examples.settled()
    assert await world.gallery.refused_count(SHARING) == 1
    assert await world.gallery.examples("v_sign") == [] and list(world.gallery.blobs.digests()) == []
    assert not (await world.examples.picture("v_sign", OTHER)).community
    world.examples.deidentify = mosaic
    assert await world.examples.fill(SHARING, ["v_sign"]) == 0, "the refused cut is not tried again"


async def test_the_check_protects_the_photos_faces_the_chats_faces_and_its_opt_outs_only(world: World) -> None:
    await world.gallery.share(SHARING, ADMIN)
    filed = await _posing_photo(world, SHARING, 1)
    await _posing_photo(world, SHARING, 2, pose="wink")
    await _posing_photo(world, OTHER, 3)
    opted = np.ones(128, np.float32) / np.sqrt(128)
    await world.opt_outs.add(SHARING, ADMIN, Signature(opted, 3))

    protected = await world.examples.protected_embeddings(SHARING, filed.photo_id)

    expected = [_face(seed).embedding for seed in (1, 2)] + [opted]
    assert protected.shape == (3, 128)
    assert all(any(np.allclose(row, vector) for row in protected) for vector in expected)
    assert not any(np.allclose(row, _face(3).embedding) for row in protected), "another chat's faces stay out"


def test_cut_pixels_are_the_analysis_cuts() -> None:
    rng = np.random.default_rng(0)
    strip = np.full((4 * 260 + 140, 280, 3), 255, np.uint8)
    frames = [rng.integers(0, 255, (240, 240, 3), dtype=np.uint8) for _ in range(4)]
    for index, frame in enumerate(frames):
        strip[20 + index * 260 : 260 + index * 260, 20:260] = frame
    assert np.array_equal(cut_pixels(strip, 2), frames[2])
    with pytest.raises(ValueError):
        cut_pixels(strip, 4)
    single = rng.integers(0, 255, (100, 80, 3), dtype=np.uint8)
    assert np.array_equal(cut_pixels(single, 0), single), "a single photo is its one cut"


async def test_an_example_finished_after_share_off_is_dropped(world: World) -> None:
    await world.gallery.share(SHARING, ADMIN)
    filed = await _posing_photo(world, SHARING, 1)
    [source] = await world.gallery.sources("v_sign", 1)
    await world.gallery.unshare(SHARING)
    assert await world.examples.make(dataclasses.replace(source)) == 0
    assert await world.gallery.examples("v_sign") == [] and list(world.gallery.blobs.digests()) == []
    assert filed.photo_id == source.photo_id


async def test_a_cut_that_cannot_be_made_is_refused_once_not_retried_forever(world: World) -> None:
    await world.gallery.share(SHARING, ADMIN)
    filed = await _posing_photo(world, SHARING, 1)
    [source] = await world.gallery.sources("v_sign", 1)
    await world.examples.make(dataclasses.replace(source, frame=3))  # a cut the photo does not have
    photo = await world.albums.get(filed.photo_id)
    assert photo is not None
    world.albums.blobs.delete(photo.sha256)  # the file is gone
    assert await world.examples.fill(SHARING, ["v_sign"]) == 0
    assert await world.gallery.refused_count(SHARING) == 2 and await world.gallery.sources("v_sign", 5) == []


def test_animegan_model_is_checked_at_start_and_empty_means_the_shipped_style(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("ANIMEGAN_MODEL", str(tmp_path / "missing.onnx"))
    with pytest.raises(ValidationError, match="ANIMEGAN_MODEL: no such file"):
        Settings(_env_file=None)
    monkeypatch.setenv("ANIMEGAN_MODEL", " ")
    assert Settings(_env_file=None).animegan_model is None
    model = tmp_path / "animegan.onnx"
    model.write_bytes(b"operator's file")
    monkeypatch.setenv("ANIMEGAN_MODEL", str(model))
    assert Settings(_env_file=None).animegan_model == model
