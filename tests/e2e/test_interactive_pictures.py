"""Pictures members wait for have their own worker pool: /rank is answered with its chart while the heavy pool (QR
decoding, face analysis) is stuck in a long task."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from pipeline.workers import WorkerCrashed
from tests.e2e.harness import Harness, photo_with_one_smiling_face, text_of
from tests.pipeline import pool_tasks


async def test_a_rank_chart_is_answered_while_the_heavy_pool_is_busy(harness: Harness, tmp_path: Path) -> None:
    user = harness.emu.create_user("Sam", language_code="en")
    chat = harness.emu.create_chat("private", user=user)
    await photo_with_one_smiling_face(harness, chat["id"], user["id"], seed=7, saved="Saved")
    release = tmp_path / "release"
    # The heavy pool's only worker is busy until the test says so (a stand-in for a ten-second QR decode).
    heavy = asyncio.create_task(harness.services.cpu.run(pool_tasks.wait_for_file, str(release), "decoded"))
    try:
        await harness.emu.send_text(chat["id"], user["id"], "/rank")
        chart = await harness.reply(chat["id"], lambda m: "Smile ranking" in text_of(m), timeout=60)
        assert chart.photo, "the chart picture was drawn"
        assert not heavy.done(), "…while the heavy pool was still busy: it did not wait behind the heavy task"
    finally:
        release.touch()
    assert await asyncio.wait_for(heavy, 60) == "decoded"
    assert harness.services.pictures is not harness.services.cpu


class _DeadPool:
    """A pool whose worker died twice on every task (what CpuPool raises after its one retry)."""

    async def run(self, fn: object, *args: object, **kwargs: object) -> object:
        raise WorkerCrashed("a pictures worker died twice running 'render_leaderboard'")


@pytest.mark.parametrize(("language", "words"), [("en", "crashed twice"), ("ko", "두 번 멈춰서")])
async def test_a_picture_whose_worker_died_twice_is_answered_clearly(
    harness: Harness, language: str, words: str
) -> None:
    user = harness.emu.create_user("Sam", language_code=language)
    chat = harness.emu.create_chat("private", user=user)
    await photo_with_one_smiling_face(harness, chat["id"], user["id"], seed=8, saved="✓")
    harness.services.pictures = _DeadPool()  # type: ignore[assignment]
    await harness.emu.send_text(chat["id"], user["id"], "/rank")
    answer = await harness.reply(chat["id"], lambda m: words in text_of(m))
    assert "/album" in text_of(answer)
