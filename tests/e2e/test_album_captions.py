"""An album's answer fits Telegram's limits however many faces its photos hold: the caption of the media group stays
within 1024 characters (the strict emulator refuses more, as Telegram does) and the face-by-face points follow as a
text."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from handlers.captions import CAPTION_LIMIT, visible_length
from pipeline.analysis import AnalysedFace, PhotoAnalysis, analyse_photo
from pipeline.workers import CpuPool
from tests.e2e.harness import Harness, noisy_jpeg, text_of
from vision.faces import EMBEDDING_DIM

CROWD = 14  # faces a photo: eleven already overflowed the caption before it was fitted


class _Crowds:
    """The worker pool with every photo's face analysis answered at once by a crowd of CROWD smiling faces (the
    flow under test is the answer, not the face model)."""

    def __init__(self, pool: CpuPool) -> None:
        self.pool = pool
        self.calls = 0

    async def run(self, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        if fn is not analyse_photo:
            return await self.pool.run(fn, *args, **kwargs)
        self.calls += 1
        rng = np.random.default_rng(self.calls)
        faces = tuple(
            AnalysedFace(
                frame=0,
                box=(10 + 88 * (i % 7), 20 + 150 * (i // 7), 70, 70),
                detection_score=0.99,
                smile=float(rng.uniform(10, 99)),
                embedding=rng.normal(size=EMBEDDING_DIM).astype(np.float32),
                yaw=0.0,
                sharpness=100.0,
            )
            for i in range(CROWD)
        )
        return PhotoAnalysis(width=640, height=480, layout_kind="single", duplicated=False, faces=faces)


async def test_ten_photos_of_a_crowd_are_answered_within_the_caption_limit(harness: Harness) -> None:
    user = harness.emu.create_user("Sam", language_code="en")
    chat = harness.emu.create_chat("private", user=user)
    analyser = harness.services.analyser
    analyser.cpu = _Crowds(analyser.cpu)  # type: ignore[assignment]
    await harness.emu.send_media_group(chat["id"], user["id"], [noisy_jpeg(500 + i) for i in range(10)])

    first = await harness.reply(chat["id"], timeout=90)
    follow_up = await harness.reply(chat["id"], predicate=lambda m: m.text is not None, timeout=30)
    pictures = [m for m in harness.bot_messages(chat["id"]) if m.photo]
    assert len(pictures) == 10 and {m.message.get("media_group_id") for m in pictures} == {
        first.message["media_group_id"]
    }, "all ten annotated pictures came as one media group: the emulator accepted its caption"
    caption = text_of(first)
    assert visible_length(caption) <= CAPTION_LIMIT
    assert "Each face's points follow in the next message" in caption
    for number in range(1, 11):
        assert f"{number}/10 · 😊" in caption, "every photo keeps its line (its total) in the caption"
    assert str(CROWD) in caption
    text = text_of(follow_up)
    assert follow_up.message["reply_to_message"]["message_id"] == first.message_id
    for number in range(1, 11):
        line = next(line for line in text.split("\n") if line.startswith(f"{number}/10 · "))
        assert line.count(" + ") >= 11, "the follow-up lists the faces' points of every photo"
    assert text.count("🏆") == 1
