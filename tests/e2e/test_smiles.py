"""After a photo is saved, the bot answers once: the picture with a box and smile points per face, and the total."""

from __future__ import annotations

import asyncio
import io
import re
from collections.abc import Callable
from concurrent.futures.process import BrokenProcessPool
from typing import Any

import numpy as np
from PIL import Image

from pipeline.analysis import analyse_photo, smile_points
from pipeline.workers import CpuPool
from tests.e2e.face_photos import group_photo, identity_photos, rotated_with_exif, side_by_side
from tests.e2e.harness import Harness, noisy_jpeg, text_of


def _private(harness: Harness, language: str = "en") -> tuple[dict, dict]:
    user = harness.emu.create_user("Sam", language_code=language)
    return user, harness.emu.create_chat("private", user=user)


def _points_in(caption: str) -> int:
    match = re.search(r"Smile points: (\d+)", caption)
    assert match, caption
    return int(match.group(1))


def _image(data: bytes) -> np.ndarray:
    return np.asarray(Image.open(io.BytesIO(data)).convert("RGB"), dtype=np.int16)


async def test_a_group_photo_gets_one_annotated_reply_with_its_smile_total(harness: Harness) -> None:
    user, chat = _private(harness)
    original = group_photo()
    await harness.emu.send_photo(chat["id"], user["id"], original)
    reply = await harness.reply(chat["id"], timeout=60)
    caption = text_of(reply)
    assert reply.photo, f"expected the annotated picture, got {caption!r}"
    assert "Saved to the album" in caption, "the 'saved' answer and the smiles come as one message"

    (photo,) = await harness.services.albums.page(chat["id"], 0, 10)
    faces = await harness.services.faces.faces_of_photo(photo.id)
    assert len(faces) >= 4, "five women toast in this photo (the annotator counted 5)"
    assert _points_in(caption) == sum(smile_points(face.smile) for face in faces)
    assert f"{len(faces)} faces" in caption
    assert any(a["action"] == "upload_photo" for a in harness.emu.chat_actions), "the chat saw 'sending a photo…'"

    annotated = _image(harness.emu.file_bytes(reply.photo[-1]["file_id"]))
    plain = np.asarray(
        Image.open(io.BytesIO(original)).convert("RGB").resize(annotated.shape[1::-1], Image.Resampling.LANCZOS),
        dtype=np.int16,
    )
    scale = annotated.shape[1] / photo.width
    x, y, w, h = (round(v * scale) for v in faces[0].box)

    def region(image: np.ndarray, top: int, bottom: int, left: int, right: int) -> np.ndarray:
        return image[top:bottom, left:right]

    bottom_edge = (y + h - 1, y + h + 1, x + 2, x + w - 2)
    edge = np.abs(region(annotated, *bottom_edge) - region(plain, *bottom_edge))
    middle = (y + h // 3, y + h // 2, x + w // 3, x + w // 2)
    inside = np.abs(region(annotated, *middle) - region(plain, *middle))
    assert edge.mean() > 3 * max(inside.mean(), 2.0), "a box is drawn around the face, the face itself is untouched"
    await asyncio.sleep(0.5)
    assert len(harness.bot_messages(chat["id"])) == 1, "one answer per photo"


async def test_a_photo_without_faces_gets_a_friendly_answer(harness: Harness) -> None:
    user, chat = _private(harness)
    await harness.emu.send_photo(chat["id"], user["id"], noisy_jpeg(400))
    reply = await harness.reply(chat["id"], timeout=60)
    assert reply.photo is None
    assert "Saved to the album" in text_of(reply) and "found no faces" in text_of(reply)
    (photo,) = await harness.services.albums.page(chat["id"], 0, 10)
    assert photo.analysed_at is not None and await harness.services.faces.faces_of_photo(photo.id) == []


async def test_korean_users_get_the_smile_reply_in_korean(harness: Harness) -> None:
    user, chat = _private(harness, language="ko")
    await harness.emu.send_photo(chat["id"], user["id"], noisy_jpeg(401))
    reply = await harness.reply(chat["id"], timeout=60)
    assert "얼굴을 찾지 못했어요" in text_of(reply)


async def test_a_sideways_phone_photo_sent_as_a_file_is_read_upright(harness: Harness) -> None:
    user, chat = _private(harness)
    [koizumi], [kidman] = identity_photos(2, 1)
    upright = side_by_side([koizumi, kidman])
    await harness.emu.send_document(chat["id"], user["id"], rotated_with_exif(upright), "IMG_0001.jpg", "image/jpeg")
    reply = await harness.reply(chat["id"], timeout=60)
    assert reply.photo and "2 faces" in text_of(reply), text_of(reply)
    (photo,) = await harness.services.albums.page(chat["id"], 0, 10)
    assert (photo.width, photo.height) == (600, 300), "EXIF orientation applied"
    boxes = sorted(face.box for face in await harness.services.faces.faces_of_photo(photo.id))
    assert boxes[0][0] < 300 <= boxes[1][0], "one face in each half of the upright picture"


async def test_an_album_is_answered_once_with_its_annotated_pictures(harness: Harness) -> None:
    user, chat = _private(harness)
    (a1, a2), (b1, b2) = identity_photos(2, 2)
    photos = [side_by_side([a1, b1]), noisy_jpeg(402), side_by_side([b2, a2])]
    await harness.emu.send_media_group(chat["id"], user["id"], photos)
    first = await harness.reply(chat["id"], timeout=60)
    assert first.photo and first.message.get("media_group_id"), "the annotated pictures come as one media group"
    caption = text_of(first)
    assert caption.startswith("Saved 3 photos from Sam")
    assert "2/3 · 🙂 no faces" in caption, "every photo is named by its number in the album, in the order sent"
    assert "1/3 · 😊 Smile points" in caption and "3/3 · 😊 Smile points" in caption
    assert "Biggest smiles: photo" in caption
    await asyncio.sleep(1.0)
    sent = harness.bot_messages(chat["id"])
    assert len(sent) == 2 and all(m.message.get("media_group_id") == first.message["media_group_id"] for m in sent)
    for picture in sent:  # each picture carries its number ("1/3", "3/3") in a dark badge in its corner
        corner = _image(harness.emu.file_bytes(picture.photo[-1]["file_id"]))[:60, :60]
        assert (corner.max(axis=2) < 45).mean() > 0.3 and (corner.min(axis=2) > 230).any()


async def test_the_bot_answers_other_messages_while_it_analyses(harness: Harness) -> None:
    user, chat = _private(harness)
    await harness.emu.send_photo(chat["id"], user["id"], group_photo("pibooth_capture_landscape1.jpg"))
    await harness.emu.send_text(chat["id"], user["id"], "/help")
    first = await harness.reply(chat["id"], timeout=60)
    assert "How it works" in text_of(first), "/help is not kept waiting behind a big photo"
    second = await harness.reply(chat["id"], timeout=60)
    assert second.photo and "Smile points" in text_of(second)


class _CrashingAnalysis:
    """The worker pool as seen when a worker process dies in the middle of a face analysis."""

    def __init__(self, pool: CpuPool) -> None:
        self.pool = pool

    async def run(self, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        if fn is analyse_photo:
            raise BrokenProcessPool("a worker died")
        return await self.pool.run(fn, *args, **kwargs)


async def test_a_failed_analysis_keeps_the_photo_and_is_retried(harness: Harness) -> None:
    user, chat = _private(harness)
    analyser = harness.services.analyser
    analyser.cpu = _CrashingAnalysis(analyser.cpu)  # type: ignore[assignment]
    await harness.emu.send_photo(chat["id"], user["id"], group_photo("pexels-polina-tankilevitch-5848780.jpg"))
    reply = text_of(await harness.reply(chat["id"], timeout=60))
    assert "Saved to the album" in reply and "could not look for faces" in reply and "safe in the album" in reply
    (photo,) = await harness.services.albums.page(chat["id"], 0, 10)
    assert photo.analysed_at is None, "left for the next start"

    analyser.cpu = analyser.cpu.pool  # type: ignore[attr-defined]
    assert await analyser.resume() == 1
    assert len(await harness.services.faces.faces_of_photo(photo.id)) == 3
