"""Photos, documents and albums sent to the bot end up in the chat's album, once."""

from __future__ import annotations

import asyncio

import pytest

from tests.e2e.harness import Harness, encoded, group_where_two_sent_photos, noisy_jpeg, text_of


def _private(harness: Harness, language: str = "en") -> tuple[dict, dict]:
    user = harness.emu.create_user("Sam", language_code=language)
    return user, harness.emu.create_chat("private", user=user)


async def test_a_photo_is_saved_with_its_sender(harness: Harness) -> None:
    user, chat = _private(harness)
    await harness.emu.send_photo(chat["id"], user["id"], noisy_jpeg(1))
    reply = await harness.reply(chat["id"])
    assert "Saved to the album" in text_of(reply)
    photos = await harness.services.albums.page(chat["id"], 0, 10)
    assert len(photos) == 1
    assert photos[0].sender_id == user["id"] and photos[0].source == "upload" and photos[0].mime == "image/jpeg"
    assert len(harness.stored_files()) == 1


async def test_the_same_photo_twice_is_stored_once_and_the_user_is_told(harness: Harness) -> None:
    user, chat = _private(harness)
    data = noisy_jpeg(2)
    await harness.emu.send_photo(chat["id"], user["id"], data)
    await harness.reply(chat["id"], predicate=lambda m: "Saved" in text_of(m))
    await harness.emu.send_photo(chat["id"], user["id"], data)
    reply = await harness.reply(chat["id"], predicate=lambda m: "already" in text_of(m))
    assert "not store it again" in text_of(reply)
    assert await harness.album_count(chat["id"]) == 1
    assert len(harness.stored_files()) == 1


@pytest.mark.parametrize(
    ("fmt", "file_name", "mime"),
    [
        ("JPEG", "strip.jpg", "image/jpeg"),
        ("PNG", "strip.png", "image/png"),
        ("WEBP", "strip.webp", "image/webp"),
        ("HEIF", "IMG_0001.HEIC", "image/heic"),
    ],
)
async def test_image_documents_keep_their_original_bytes(harness: Harness, fmt: str, file_name: str, mime: str) -> None:
    user, chat = _private(harness)
    data = encoded(fmt)
    await harness.emu.send_document(chat["id"], user["id"], data, file_name, mime)
    await harness.reply(chat["id"], predicate=lambda m: "Saved" in text_of(m))
    (photo,) = await harness.services.albums.page(chat["id"], 0, 10)
    assert photo.mime == mime
    assert harness.services.albums.read(photo) == data


async def test_an_album_gets_one_answer_for_all_its_photos(harness: Harness) -> None:
    user, chat = _private(harness)
    await harness.emu.send_media_group(chat["id"], user["id"], [noisy_jpeg(10), noisy_jpeg(11), noisy_jpeg(12)])
    reply = await harness.reply(chat["id"], predicate=lambda m: "Saved 3 photos" in text_of(m))
    assert text_of(reply).startswith("Saved 3 photos")
    assert await harness.album_count(chat["id"]) == 3
    await asyncio.sleep(0.8)
    assert len(harness.bot_messages(chat["id"])) == 1, "one answer, not one per photo"


async def test_group_members_share_one_album(harness: Harness) -> None:
    group, alice, bob = await group_where_two_sent_photos(harness, "group", 20)
    photos = await harness.services.albums.page(group["id"], 0, 10)
    assert {p.sender_id for p in photos} == {alice["id"], bob["id"]}
