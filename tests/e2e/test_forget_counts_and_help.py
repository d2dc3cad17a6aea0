"""/forget asks about and reports the same things, counted the same way (booth videos apart from photos), and
/help lists /privacy and /forget."""

from __future__ import annotations

import pytest

from storage.albums import NewMedia
from storage.models import MediaKind, PhotoSource
from tests.booths.fixture_server import mp4
from tests.e2e.harness import Harness, noisy_jpeg, text_of


async def test_forget_asks_about_and_erases_the_same_counts(harness: Harness) -> None:
    emu = harness.emu
    user = emu.create_user("Sam", language_code="en")
    chat = emu.create_chat("private", user=user)
    for seed in (501, 502):
        await emu.send_photo(chat["id"], user["id"], noisy_jpeg(seed, size=(160, 120)))
        await harness.reply(chat["id"], lambda m: "Saved" in text_of(m))
    photo = (await harness.services.albums.page(chat["id"], 0, 5))[0]
    # A booth's making-of clip is filed under its photo (pipeline.booth_intake does the same).
    await harness.services.albums.save(
        chat["id"],
        NewMedia(data=mp4(3), mime="video/mp4", kind=MediaKind.video, source=PhotoSource.qr, parent_id=photo.id),
    )
    await emu.send_text(chat["id"], user["id"], "/forget")
    prompt = await harness.reply(chat["id"], lambda m: "Really erase" in text_of(m))
    assert "2 photos, 1 video, 0 faces, 0 people" in text_of(prompt)
    await emu.press_button(chat["id"], user["id"], prompt.message_id, "forget:yes")
    done = await emu.wait_for(
        lambda: (t := text_of(emu.message(chat["id"], prompt.message_id))).startswith("Erased") and t
    )
    assert done.startswith("Erased: 2 photos, 1 video, 0 faces, 0 people.")
    assert "3 files deleted" in done


@pytest.mark.parametrize("language", ["en", "ko"])
async def test_help_lists_privacy_and_forget(harness: Harness, language: str) -> None:
    user = harness.emu.create_user("Sam", language_code=language)
    chat = harness.emu.create_chat("private", user=user)
    await harness.emu.send_text(chat["id"], user["id"], "/help")
    text = text_of(await harness.reply(chat["id"]))
    assert "/privacy —" in text and "/forget —" in text
