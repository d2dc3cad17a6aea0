"""A booth original fetched from a QR link gets the smile reply too: the link's status message tells the download's
story and then gives way to the annotated picture, whose caption keeps its lines."""

from __future__ import annotations

import pytest

from tests.booths.fixture_server import FixtureServer
from tests.e2e.face_photos import group_photo
from tests.e2e.harness import Harness, text_of

LINK = "https://qr.seobuk.kr/s/faces01"


@pytest.fixture
def booth_site(loopback_booth: FixtureServer) -> FixtureServer:
    """Photoism's shape: short link → 302 with u= → resource API → the photo."""
    photo = group_photo("pexels-polina-tankilevitch-5848780.jpg")  # skips without ../shared/eval
    loopback_booth.photoism("/s/faces01", "faces01", photo)
    return loopback_booth


async def test_a_booth_original_comes_back_annotated(harness: Harness) -> None:
    user = harness.emu.create_user("Min", language_code="en")
    chat = harness.emu.create_chat("private", user=user)
    await harness.emu.send_text(chat["id"], user["id"], f"our strip {LINK}")
    picture = await harness.reply(chat["id"], predicate=lambda m: bool(m.photo), timeout=60)
    (photo,) = await harness.services.albums.page(chat["id"], 0, 10)
    faces = await harness.services.faces.faces_of_photo(photo.id)
    assert len(faces) >= 2, "three women stand in front of the curtain"
    assert f"{len(faces)} faces" in text_of(picture) and "Smile points" in text_of(picture)
    assert "✅ Saved the original" in text_of(picture), "the status lines live on in the picture's caption"
    assert harness.bot_messages(chat["id"]) == [picture], "one answer per strip"
    (status,) = [m for m in harness.emu.bot_messages(chat["id"]) if m.deleted]
    versions = [version.get("text", "") for version in status.history] + [status.text or ""]
    assert any("Photoism" in version for version in versions), "the deleted status told the download's stages"
