"""The opt-in OpenAI step in the analysis pipeline, against a local fake of the API (tests/pipeline/fake_openai.py):
what is sent, what an answer adds (marked 'openai'), and that every failure leaves the device's result in place."""

from __future__ import annotations

import base64
import io
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from PIL import Image

from pipeline.analysis import FiledAnalysis, PhotoAnalyser
from pipeline.openai_refine import OpenAIRefiner
from pipeline.settings import Settings
from pipeline.workers import CpuPool
from storage.albums import AlbumStore, NewMedia
from storage.blobs import LocalBlobStore
from storage.db import Database
from storage.faces import FaceStore
from storage.refinement import RefinementStore
from tests.e2e.face_photos import identity_photos, strip_of_pairs
from tests.pipeline.fake_openai import FakeOpenAI
from tests.pipeline.fake_poses import unsure_v_sign

CHAT = -77
JOINT_HEART_IN_CUT_1 = {"cuts": [{"cut": 1, "poses": [{"pose": "joint_heart", "people": [1, 2]}], "mood": "lovely"}]}


@pytest.fixture
async def world(tmp_path: Path) -> AsyncIterator[tuple[AlbumStore, FaceStore, RefinementStore]]:
    db = Database(f"sqlite+aiosqlite:///{tmp_path / 'db.sqlite3'}")
    await db.migrate()
    albums = AlbumStore(db, LocalBlobStore(tmp_path / "blobs"))
    await albums.remember(chat_id=CHAT, chat_type="group", chat_title="G", user_id=1, first_name="A")
    yield albums, FaceStore(db), RefinementStore(db)
    await db.dispose()


def _analyser(
    world: tuple[AlbumStore, FaceStore, RefinementStore], cpu: CpuPool, fake: FakeOpenAI, timeout: float = 5.0
) -> PhotoAnalyser:
    albums, faces, chats = world
    settings = Settings(
        _env_file=None,
        openai_api_key="sk-test-key",
        openai_base_url=fake.url,
        openai_model="gpt-test",
        openai_timeout_s=timeout,
    )
    refiner = OpenAIRefiner(settings, chats, cpu)
    return PhotoAnalyser(albums, faces, cpu, 60_000_000, recognise=unsure_v_sign, refiner=refiner)


_STRIP: bytes | None = None


def _strip() -> bytes:
    global _STRIP
    if _STRIP is None:
        [a], [b] = identity_photos(2, 1)
        _STRIP = strip_of_pairs([[a, b], [b, a], [a, b], [b, a]])
    return _STRIP


async def _analyse(analyser: PhotoAnalyser) -> FiledAnalysis:
    photo = (await analyser.albums.save(CHAT, NewMedia(data=_strip(), mime="image/jpeg"))).photo
    assert photo.id is not None
    filed = await analyser.analyse_and_file(photo.id)
    assert filed is not None and len(filed.faces) == 8
    return filed


def _device_only(filed: FiledAnalysis) -> None:
    assert {pose.key for pose in filed.poses} == {"v_sign"} and {p.source for p in filed.poses} == {"device"}
    assert len(filed.moods) == 4 * 7 and {mood.source for mood in filed.moods} == {"device"}


async def test_an_opted_in_chat_sends_a_small_jpeg_with_hints_and_stores_the_additions_as_openai(
    world: tuple[AlbumStore, FaceStore, RefinementStore], cpu_pool: CpuPool, fake_openai: FakeOpenAI
) -> None:
    await world[2].set_openai(CHAT, True)
    fake_openai.answer = JOINT_HEART_IN_CUT_1
    analyser = _analyser(world, cpu_pool, fake_openai)
    try:
        filed = await _analyse(analyser)
    finally:
        await analyser.close()
    [request] = fake_openai.requests
    assert fake_openai.authorizations == ["Bearer sk-test-key"] and request["model"] == "gpt-test"
    assert request["response_format"]["type"] == "json_schema" and request["response_format"]["json_schema"]["strict"]
    text, image = request["messages"][1]["content"]
    assert '"faces": [{"face": 1, "box"' in text["text"] and '"pose": "v_sign"' in text["text"]
    url = image["image_url"]["url"]
    assert url.startswith("data:image/jpeg;base64,")
    sent = Image.open(io.BytesIO(base64.b64decode(url.split(",", 1)[1])))
    assert sent.format == "JPEG" and max(sent.size) <= 768 and not sent.getexif()

    added = [pose for pose in filed.poses if pose.source == "openai"]
    assert [(p.frame, p.key, len(p.face_ids)) for p in added] == [(0, "joint_heart", 2)]
    assert any(p.key == "v_sign" and p.source == "device" for p in filed.poses), "the device's poses stay"
    assert len([m for m in filed.moods if m.source == "device"]) == 4 * 7
    assert "joint_heart" in filed.poses_by_cut()[0]


@pytest.mark.parametrize(
    ("behaviour", "answer"),
    [
        ("500", JOINT_HEART_IN_CUT_1),
        ("429", JOINT_HEART_IN_CUT_1),
        ("timeout", JOINT_HEART_IN_CUT_1),
        ("broken_body", JOINT_HEART_IN_CUT_1),
        ("ok", '{"cuts": [{"cut": 1, "poses": [{"pose": "joint_heart", "people": [1, 2]}], "mood": "lovely"'),
        ("ok", {"cuts": [{"cut": 1, "poses": [{"pose": "group_hug", "people": [1, 2]}], "mood": "lovely"}]}),
        ("ok", {"cuts": [{"cut": 1, "poses": [], "mood": "ecstatic"}]}),
    ],
    ids=["http-500", "http-429", "timeout", "broken-body", "malformed-json", "unknown-pose", "unknown-mood"],
)
async def test_a_failing_or_off_schema_answer_leaves_the_device_result_in_place(
    world: tuple[AlbumStore, FaceStore, RefinementStore],
    cpu_pool: CpuPool,
    fake_openai: FakeOpenAI,
    behaviour: str,
    answer: dict[str, object] | str,
) -> None:
    await world[2].set_openai(CHAT, True)
    fake_openai.behaviour, fake_openai.answer, fake_openai.delay = behaviour, answer, 3.0
    analyser = _analyser(world, cpu_pool, fake_openai, timeout=1.0)
    try:
        filed = await _analyse(analyser)
    finally:
        await analyser.close()
    assert len(fake_openai.requests) == 1, "asked once, no retries"
    _device_only(filed)


async def test_a_chat_that_did_not_opt_in_sends_nothing(
    world: tuple[AlbumStore, FaceStore, RefinementStore], cpu_pool: CpuPool, fake_openai: FakeOpenAI
) -> None:
    fake_openai.answer = JOINT_HEART_IN_CUT_1
    await world[2].set_openai(CHAT, True)
    await world[2].set_openai(CHAT, False)
    analyser = _analyser(world, cpu_pool, fake_openai)
    try:
        filed = await _analyse(analyser)
    finally:
        await analyser.close()
    assert fake_openai.requests == []
    _device_only(filed)


def test_without_a_key_there_is_no_openai_step(
    world: tuple[AlbumStore, FaceStore, RefinementStore], cpu_pool: CpuPool
) -> None:
    with pytest.raises(ValueError, match="OPENAI_API_KEY"):
        OpenAIRefiner(Settings(_env_file=None), world[2], cpu_pool)
