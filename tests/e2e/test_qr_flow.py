"""A photo of a strip's QR (or its link as text) → the booth's original photo and video in the album."""

from __future__ import annotations

import asyncio
import io

import numpy as np
import pytest
from PIL import Image

from pipeline.rate_limits import WindowLimit
from storage.models import MediaKind
from tests.booths.fixture_server import FixtureServer, mp4
from tests.e2e.harness import Harness, qr_photo, text_of

SHORT = "https://qr.seobuk.kr/s/8ijZsg_"
EXPIRED = "https://qr.seobuk.kr/s/IMfkz6."


def booth_jpeg() -> bytes:
    pixels = np.random.default_rng(42).integers(0, 255, (900, 600, 3), dtype=np.uint8)
    out = io.BytesIO()
    Image.fromarray(pixels).save(out, "JPEG", quality=90)
    return out.getvalue()


BOOTH_PHOTO = booth_jpeg()
BOOTH_VIDEO = mp4(7)


@pytest.fixture
def booth_site(loopback_booth: FixtureServer) -> FixtureServer:
    """Photoism's shape: short link → 302 with u= → POST resource API → photo and video files; one expired link."""
    loopback_booth.photoism("/s/8ijZsg_", "abc123", BOOTH_PHOTO, BOOTH_VIDEO)
    loopback_booth.photoism("/s/IMfkz6.", "gone", None)
    return loopback_booth


def _private(harness: Harness) -> tuple[dict, dict]:
    user = harness.emu.create_user("지수", language_code="en")
    return user, harness.emu.create_chat("private", user=user)


async def _final_status(harness: Harness, chat_id: int, marker: str) -> object:
    return await harness.emu.wait_for(
        lambda: next((m for m in harness.bot_messages(chat_id) if marker in text_of(m)), None), timeout=15
    )


async def test_a_qr_photo_files_the_booth_original_and_video(harness: Harness, booth_site: FixtureServer) -> None:
    user, chat = _private(harness)
    await harness.emu.send_photo(chat["id"], user["id"], qr_photo(SHORT, seed=1))
    status = await _final_status(harness, chat["id"], "✅")
    stages = [text_of_version(v) for v in status.history] + [text_of(status)]
    assert any("Found a QR code" in s and "Photoism" in s for s in stages)
    assert any("Fetching the original" in s for s in stages)
    assert "video" in text_of(status)
    photos = await harness.services.albums.page(chat["id"], 0, 10)
    assert len(photos) == 1, "the booth original, not the snapshot of the QR"
    assert harness.services.albums.read(photos[0]) == BOOTH_PHOTO
    assert (photos[0].source, photos[0].brand, photos[0].source_url) == ("qr", "photoism", SHORT)
    videos = await harness.services.albums.page(chat["id"], 0, 10, kind=MediaKind.video)
    assert len(videos) == 1 and videos[0].parent_id == photos[0].id
    await harness.emu.wait_for(lambda: any(m.video for m in harness.bot_messages(chat["id"])), timeout=10)


async def test_scanning_the_same_qr_again_does_not_duplicate(harness: Harness, booth_site: FixtureServer) -> None:
    user, chat = _private(harness)
    await harness.emu.send_photo(chat["id"], user["id"], qr_photo(SHORT, seed=2))
    await _final_status(harness, chat["id"], "✅")
    downloads = booth_site.hits("download.seobuk.kr", "/tmp/abc123_Pic.jpg")
    await harness.emu.send_photo(chat["id"], user["id"], qr_photo(SHORT, seed=3))
    await _final_status(harness, chat["id"], "already in the album")
    assert booth_site.hits("download.seobuk.kr", "/tmp/abc123_Pic.jpg") == downloads, "known URL: not fetched again"
    assert await harness.album_count(chat["id"]) == 1


async def test_a_booth_link_as_text_works_too(harness: Harness) -> None:
    user, chat = _private(harness)
    await harness.emu.send_text(chat["id"], user["id"], f"our strip! {SHORT}")
    await _final_status(harness, chat["id"], "✅")
    assert await harness.album_count(chat["id"]) == 1


async def test_an_expired_link_is_explained_and_the_users_photo_kept(harness: Harness) -> None:
    user, chat = _private(harness)
    snapshot = qr_photo(EXPIRED, seed=4)
    await harness.emu.send_photo(chat["id"], user["id"], snapshot)
    status = await _final_status(harness, chat["id"], "instead")
    assert "⚠️" in text_of(status) and "expired" in text_of(status).lower()
    (photo,) = await harness.services.albums.page(chat["id"], 0, 10)
    assert photo.source == "upload"


async def test_a_qr_pointing_at_a_private_address_is_refused(harness: Harness, booth_site: FixtureServer) -> None:
    user, chat = _private(harness)
    requests_before = len(booth_site.requests)
    await harness.emu.send_photo(chat["id"], user["id"], qr_photo("http://169.254.169.254/latest/meta-data/", seed=5))
    status = await _final_status(harness, chat["id"], "instead")
    assert "not safe" in text_of(status)
    assert len(booth_site.requests) == requests_before
    (photo,) = await harness.services.albums.page(chat["id"], 0, 10)
    assert photo.source == "upload"


async def test_plain_text_without_a_link_gets_a_hint_in_private_only(harness: Harness) -> None:
    user, chat = _private(harness)
    await harness.emu.send_text(chat["id"], user["id"], "hello")
    assert "QR" in text_of(await harness.reply(chat["id"]))


async def test_rate_limit_per_chat_and_user() -> None:
    now = [0.0]
    limit = WindowLimit(limit=2, window_s=60, clock=lambda: now[0])
    assert await limit.wait_seconds(("chat", 1), ("user", 7)) == 0
    now[0] = 1
    assert await limit.wait_seconds(("chat", 1), ("user", 8)) == 0
    now[0] = 2
    assert await limit.wait_seconds(("chat", 1), ("user", 9)) == 58, "the chat is full"
    assert await limit.wait_seconds(("chat", 2), ("user", 7)) == 0, "other chats are not affected"
    assert await limit.wait_seconds(("chat", 3), ("user", 7)) == 58, "user 7 is full, in any chat"
    now[0] = 60.5
    assert await limit.wait_seconds(("chat", 1), ("user", 9)) == 0


def text_of_version(version: dict) -> str:
    return version.get("text") or version.get("caption") or ""


async def test_an_album_of_qr_photos_gets_no_empty_summary(harness: Harness, booth_site: FixtureServer) -> None:
    """Each booth link narrates itself in its status message; the album's own summary then has nothing to add."""
    user, chat = _private(harness)
    await harness.emu.send_media_group(chat["id"], user["id"], [qr_photo(SHORT, seed=5), qr_photo(SHORT, seed=6)])
    await _final_status(harness, chat["id"], "✅")
    await asyncio.sleep(harness.settings.media_group_wait_s * 3)
    texts = [text_of(m) for m in harness.bot_messages(chat["id"])]
    assert all(t.strip() and t.strip() != "[]" for t in texts), texts
