"""/album pages through the chat's photos as media groups with ◀ ▶ buttons."""

from __future__ import annotations

from tests.e2e.harness import Harness, group_where_two_sent_photos, noisy_jpeg, text_of


async def _upload(harness: Harness, chat_id: int, user_id: int, seeds: range) -> None:
    for seed in seeds:
        await harness.emu.send_photo(chat_id, user_id, noisy_jpeg(seed, size=(320, 240)))
        await harness.reply(chat_id, predicate=lambda m, n=seed - seeds.start + 1: f"{n} in total" in text_of(m))


def _paging(nav) -> list[str]:
    """The page's buttons other than the numbered ones that open a photo (tests/e2e/test_album_photos.py)."""
    return [data for data in nav.button_callback_data() if not data.startswith("album:o:")]


def _visible_photos(harness: Harness, chat_id: int) -> list[dict]:
    return [m for m in harness.bot_messages(chat_id) if m.photo]


async def test_empty_album(harness: Harness) -> None:
    user = harness.emu.create_user("Sam", language_code="en")
    chat = harness.emu.create_chat("private", user=user)
    await harness.emu.send_text(chat["id"], user["id"], "/album")
    assert "empty" in text_of(await harness.reply(chat["id"]))


async def test_album_pages_in_a_private_chat(harness: Harness) -> None:
    emu = harness.emu
    user = emu.create_user("Sam", language_code="en")
    chat = emu.create_chat("private", user=user)
    await _upload(harness, chat["id"], user["id"], range(100, 105))  # 5 photos, 3 per page
    await emu.send_text(chat["id"], user["id"], "/album")
    nav = await harness.reply(chat["id"], predicate=lambda m: "Album page" in text_of(m))
    assert "1/2" in text_of(nav) and "5 photos" in text_of(nav)
    assert len(_visible_photos(harness, chat["id"])) == 3
    assert _paging(nav) == ["noop", "album:p:1"]
    assert len(nav.button_callback_data()) == 3 + 2  # 🔍 1, 🔍 2, 🔍 3

    await emu.press_button(chat["id"], user["id"], nav.message_id, "album:p:1")
    nav2 = await harness.reply(chat["id"], predicate=lambda m: "2/2" in text_of(m))
    assert _paging(nav2) == ["album:p:0", "noop"]
    await emu.wait_for(lambda: len(_visible_photos(harness, chat["id"])) == 2)
    assert all(m.deleted for m in emu.chat_messages(chat["id"]) if m.message_id == nav.message_id)

    await emu.press_button(chat["id"], user["id"], nav2.message_id, "album:p:0")
    await harness.reply(chat["id"], predicate=lambda m: "1/2" in text_of(m) and not m.deleted)
    await emu.wait_for(lambda: len(_visible_photos(harness, chat["id"])) == 3)


async def test_album_in_a_group_shows_everyones_photos(harness: Harness) -> None:
    emu = harness.emu
    group, _alice, bob = await group_where_two_sent_photos(harness, "supergroup", 200)
    await emu.send_text(group["id"], bob["id"], "/album")
    nav = await harness.reply(group["id"], predicate=lambda m: "Album page" in text_of(m))
    assert "1/1" in text_of(nav) and "2 photos" in text_of(nav)
    assert len(_visible_photos(harness, group["id"])) == 2
    assert _paging(nav) == ["noop"]
