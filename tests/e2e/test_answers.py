"""One answer per photo: two QR strips sent at once each get exactly one message, a reply to that strip, whose
caption names that strip's own score; the strip's video replies to that answer and says whose strip it is."""

from __future__ import annotations

import asyncio
import re

import pytest

from pipeline.analysis import smile_points
from tests.booths.fixture_server import FixtureServer, mp4
from tests.e2e.face_photos import group_photo
from tests.e2e.harness import Harness, qr_photo, text_of

STRIPS = {
    "https://qr.seobuk.kr/s/stripA1": ("stripA1", "pexels-polina-tankilevitch-5848780.jpg"),
    "https://qr.seobuk.kr/s/stripB2": ("stripB2", "pexels-melike-benli-9041810.jpg"),
}


@pytest.fixture
def booth_site(loopback_booth: FixtureServer) -> FixtureServer:
    """Photoism's shape, two strips (A with a video)."""
    for link, (uid, picture) in STRIPS.items():
        video = mp4(3) if uid == "stripA1" else None
        loopback_booth.photoism("/s/" + link.rsplit("/", 1)[1], uid, group_photo(picture), video)
    return loopback_booth


async def _points_of_strip(harness: Harness, chat_id: int, link: str) -> int:
    photo = await harness.services.albums.find_by_source_url(chat_id, link)
    assert photo is not None and photo.id is not None
    return sum(smile_points(face.smile) for face in await harness.services.faces.faces_of_photo(photo.id))


async def test_two_strips_sent_at_once_get_one_answer_each_naming_its_own_score(harness: Harness) -> None:
    emu = harness.emu
    alice, bob = emu.create_user("Alice", language_code="en"), emu.create_user("Bob", language_code="en")
    group = emu.create_chat("supergroup", title="Booth friends", user=alice)
    emu.add_member(group["id"], bob["id"])
    (link_a, link_b) = STRIPS
    sent_a, sent_b = await asyncio.gather(
        emu.send_photo(group["id"], alice["id"], qr_photo(link_a, seed=11)),
        emu.send_photo(group["id"], bob["id"], qr_photo(link_b, seed=12)),
    )

    def answers() -> list | None:
        found = [m for m in harness.bot_messages(group["id"]) if m.photo]
        return found if len(found) == 2 else None

    await emu.wait_for(answers, timeout=90)
    video = await emu.wait_for(
        lambda: next((m for m in harness.bot_messages(group["id"]) if m.video), None), timeout=30
    )
    await asyncio.sleep(1.0)
    live = harness.bot_messages(group["id"])
    pictures = [m for m in live if m.photo]
    assert len(live) == 3, f"one answer per strip plus strip A's video, got {[text_of(m) for m in live]}"
    for sent, link in ((sent_a, link_a), (sent_b, link_b)):
        (answer,) = [m for m in pictures if m.message["reply_to_message"]["message_id"] == sent["message_id"]]
        score = re.search(r"Smile points: (\d+)", text_of(answer))
        assert score and int(score.group(1)) == await _points_of_strip(harness, group["id"], link)
        assert "✅ Saved the original" in text_of(answer)
    assert all(m.deleted for m in emu.bot_messages(group["id"]) if not m.photo and not m.video), "statuses gave way"

    answer_a = next(m for m in pictures if m.message["reply_to_message"]["message_id"] == sent_a["message_id"])
    assert video.message["reply_to_message"]["message_id"] == answer_a.message_id, "the video replies to its strip"
    points_a = await _points_of_strip(harness, group["id"], link_a)
    assert "Alice's Photoism strip" in text_of(video) and f"{points_a} points" in text_of(video)
