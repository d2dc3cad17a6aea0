"""A photo whose analysis always fails is tried MAX_ANALYSIS_ATTEMPTS times (its upload, then resume sweeps), then
given up: no longer resumed, and its chat told once, in its language, that it stays in the album."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, timedelta

import numpy as np

from handlers.digest import photo_line
from pipeline.analysis import MAX_ANALYSIS_ATTEMPTS, Box
from scheduler.resume import RESUME_EVERY, run_resume
from storage.models import saved_id
from tests.e2e.face_photos import group_photo
from tests.e2e.harness import Harness, text_of
from vision.poses import PoseReading


def broken_recogniser(
    _rgb: np.ndarray, _boxes: Sequence[Box], _blendshapes: Sequence[Mapping[str, float] | None]
) -> PoseReading:
    """Stands in for a model that crashes on this photo, every time (it runs in the worker pool)."""
    raise RuntimeError("the pose model fails on this photo")


async def test_a_photo_that_always_fails_is_given_up_and_the_chat_told_once(harness: Harness) -> None:
    emu, svc = harness.emu, harness.services
    alice = emu.create_user("Alice", language_code="en")
    group = emu.create_chat("supergroup", title="Party", user=alice)
    svc.analyser.recognise = broken_recogniser
    await emu.send_photo(group["id"], alice["id"], group_photo())
    answer = await harness.reply(group["id"], predicate=lambda m: "could not look for faces" in text_of(m), timeout=60)
    assert "try again later" in text_of(answer), "after the first failure it is truthfully retried"
    await svc.albums.set_language(chat_id=group["id"], chat_type="supergroup", user_id=alice["id"], language="en")
    (photo,) = await svc.albums.page(group["id"], 0, 10)
    photo_id = saved_id(photo.id)

    now = datetime.now(UTC)
    sweeps: list[int | None] = []
    for sweep in range(1, MAX_ANALYSIS_ATTEMPTS + 2):
        moment = now + sweep * RESUME_EVERY + timedelta(seconds=1)
        svc.clock = lambda moment=moment: moment  # type: ignore[misc]
        sweeps.append(await run_resume(svc, harness.app.bot))
    assert sweeps == [1] * (MAX_ANALYSIS_ATTEMPTS - 1) + [0, 0], "retried until the cap, then never again"
    stored = await svc.albums.get(photo_id)
    assert stored is not None and stored.analysed_at is None and stored.analysis_failed_at is not None
    assert stored.analysis_attempts == MAX_ANALYSIS_ATTEMPTS
    assert await svc.faces.unanalysed_photos() == []

    told = [m for m in harness.bot_messages(group["id"]) if "stopped trying" in text_of(m)]
    assert len(told) == 1, "told once, however many sweeps ran"
    text = text_of(told[0])
    assert f"I tried {MAX_ANALYSIS_ATTEMPTS} times" in text and "stays in the album" in text
    assert told[0].photo, "the chat sees which photo it is"
    assert await svc.albums.get(photo_id) is not None, "kept in the album, as the message says"
    shown = await svc.answers.digest_photo(group["id"], photo_id)
    assert shown is not None and photo_line(shown, "en") == "could not be analysed", "not 'still being read'"
