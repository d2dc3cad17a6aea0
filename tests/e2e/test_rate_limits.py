"""Per-member and per-chat limits on pictures and uploads: over the limit, a kind message says when to try again."""

from __future__ import annotations

import asyncio

import pytest

from pipeline.rate_limits import Limits, WindowLimit
from playground.emulator import MessageRecord
from storage.chat_keys import DbChatKeys
from tests.e2e.harness import Harness, noisy_jpeg, text_of


@pytest.mark.parametrize(("language", "words"), [("en", "try again in"), ("ko", "초 뒤에 다시")])
async def test_picture_commands_over_a_members_limit_get_a_friendly_wait(
    harness: Harness, language: str, words: str
) -> None:
    harness.app.bot_data.limits = Limits(pictures=WindowLimit(2, 60))
    user = harness.emu.create_user("Sam", language_code=language)
    chat = harness.emu.create_chat("private", user=user)
    for _ in range(2):
        await harness.emu.send_text(chat["id"], user["id"], "/album")
        assert words not in text_of(await harness.reply(chat["id"]))
    await harness.emu.send_text(chat["id"], user["id"], "/rank")
    assert words in text_of(await harness.reply(chat["id"]))
    await harness.emu.send_text(chat["id"], user["id"], "/help")
    assert words not in text_of(await harness.reply(chat["id"])), "other commands are not limited"


async def test_a_busy_group_is_limited_as_a_whole_and_buttons_too(harness: Harness) -> None:
    harness.app.bot_data.limits = Limits(chat_pictures=WindowLimit(1, 60))
    emu = harness.emu
    ann, ben = emu.create_user("Ann", language_code="en"), emu.create_user("Ben", language_code="en")
    group = emu.create_chat("group", title="Friends")
    emu.add_member(group["id"], ann["id"], status="creator")
    emu.add_member(group["id"], ben["id"])
    await emu.send_text(group["id"], ann["id"], "/settings")
    settings = await harness.reply(group["id"])
    await emu.send_text(group["id"], ann["id"], "/album")
    assert "try again" not in text_of(await harness.reply(group["id"]))
    await emu.send_text(group["id"], ben["id"], "/album")
    assert "try again in" in text_of(await harness.reply(group["id"])), "another member, the same busy chat"
    await emu.send_text(group["id"], ann["id"], "/people")
    assert "try again in" in text_of(await harness.reply(group["id"]))
    assert settings.button_callback_data(), "settings are not pictures: its buttons are not limited"


async def test_uploads_over_a_members_limit_are_refused_kindly_and_nothing_half_done(harness: Harness) -> None:
    harness.app.bot_data.limits = Limits(uploads=WindowLimit(1, 60))
    user = harness.emu.create_user("Sam", language_code="en")
    chat = harness.emu.create_chat("private", user=user)
    await harness.emu.send_photo(chat["id"], user["id"], noisy_jpeg(41))
    assert "Saved" in text_of(await harness.reply(chat["id"], lambda m: "Saved" in text_of(m)))
    await harness.emu.send_photo(chat["id"], user["id"], noisy_jpeg(42))
    refusal = text_of(await harness.reply(chat["id"], lambda m: "a lot at once" in text_of(m)))
    assert "send again" in refusal
    assert await harness.album_count(chat["id"]) == 1


def _refusals(harness: Harness, chat_id: int) -> list[MessageRecord]:
    return [m for m in harness.bot_messages(chat_id) if "did not take this album" in text_of(m)]


@pytest.mark.parametrize("keys", ["in this process", "shared"])
@pytest.mark.parametrize("limit", ["uploads", "chat_uploads"])
async def test_an_album_over_the_limit_gets_one_refusal_not_one_per_photo(
    harness: Harness, limit: str, keys: str
) -> None:
    harness.app.bot_data.limits = Limits(**{limit: WindowLimit(2, 60)})
    if keys == "shared":  # as replicas share them (database or Redis): every read and write awaits, so the album's
        # photos, handled at the same time, look for its refusal before any of them has written it
        harness.services.shared.keys = DbChatKeys(harness.services.db)
    emu = harness.emu
    ann = emu.create_user("Ann", language_code="en")
    group = emu.create_chat("group", title="Friends")
    emu.add_member(group["id"], ann["id"], status="creator")
    sent = await emu.send_media_group(group["id"], ann["id"], [noisy_jpeg(60 + i, (160, 120)) for i in range(5)])
    answer = await harness.reply(group["id"], lambda m: "Saved 2 photos" in text_of(m))
    assert "3/" not in text_of(answer), "the album's answer numbers only the photos it took"
    await emu.wait_for(lambda: _refusals(harness, group["id"]) or None)
    await asyncio.sleep(1.0)  # the album's other photos were refused at the same moment: any second refusal is out
    (refusal,) = _refusals(harness, group["id"])
    assert refusal.message["reply_to_message"]["message_id"] in {m["message_id"] for m in sent}
    assert await harness.album_count(group["id"]) == 2

    await emu.send_media_group(group["id"], ann["id"], [noisy_jpeg(70 + i, (160, 120)) for i in range(3)])
    await emu.wait_for(lambda: len(_refusals(harness, group["id"])) > 1 or None)
    await asyncio.sleep(1.0)
    assert len(_refusals(harness, group["id"])) == 2, "a second album over the limit gets its own single refusal"
    assert await harness.album_count(group["id"]) == 2
