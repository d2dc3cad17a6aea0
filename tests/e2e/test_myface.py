"""/myface: a member (not an admin) finds their person, withdraws it, and their face is not stored again; 'forget me
everywhere' clears every chat; the bot says hello once when it joins a group."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlmodel import select

from bot.app import build_application, running_application
from pipeline.workers import CpuPool
from playground.emulator import BotApiEmulator, MessageRecord
from storage.models import FaceOptOut
from tests.e2e.face_photos import identity_photos, side_by_side
from tests.e2e.harness import TOKEN, Harness, emulator_settings, text_of
from tests.e2e.test_people import TILE

PHOTOS_EACH = (
    4  # photos of A and B that form the two people (NEW_PERSON_FACES); one more of each comes after the opt-out
)


async def _pairs(harness: Harness, chat_id: int, user_id: int) -> None:
    """PHOTOS_EACH photos of A (left) and B (right): two people, PHOTOS_EACH faces each."""
    a_photos, b_photos = identity_photos(2, PHOTOS_EACH + 1)
    for a, b in list(zip(a_photos, b_photos, strict=True))[:PHOTOS_EACH]:
        await harness.emu.send_photo(chat_id, user_id, side_by_side([a, b]))
        await harness.reply(chat_id, predicate=lambda m: "2 faces" in text_of(m), timeout=60)


async def _person_on_the_right(harness: Harness, chat_id: int) -> int:
    """B's person id (B's faces are on the right of each photo)."""
    for person in await harness.services.faces.people(chat_id, include_hidden=True):
        faces = await harness.services.faces.faces_of_person(person.id)
        if all(face.box[0] >= TILE for face in faces):
            return person.id
    raise AssertionError("no person holds only right-hand faces")


async def _last_photo_faces(harness: Harness, chat_id: int) -> list[tuple[int, int | None]]:
    """(x of the box, person id) of each face of the chat's newest photo."""
    newest = max(p.id for p in await harness.services.albums.page(chat_id, 0, 50))
    return [(f.box[0], f.person_id) for f in await harness.services.faces.faces_of_photo(newest)]


async def _send_last_pair(harness: Harness, chat_id: int, user_id: int) -> None:
    a_photos, b_photos = identity_photos(2, PHOTOS_EACH + 1)
    await harness.emu.send_photo(chat_id, user_id, side_by_side([a_photos[-1], b_photos[-1]]))
    await harness.reply(chat_id, predicate=lambda m: "Smile points" in text_of(m), timeout=60)


async def _myface(harness: Harness, chat_id: int, user_id: int, marker: str) -> MessageRecord:
    await harness.emu.send_text(chat_id, user_id, "/myface")
    return await harness.reply(chat_id, predicate=lambda m: marker in text_of(m), timeout=30)


async def _answer_with(harness: Harness, text: str) -> None:
    await harness.emu.wait_for(lambda: any(text in (a.get("text") or "") for a in harness.emu.callback_answers), 30)


async def test_a_member_withdraws_here_and_their_new_face_is_not_stored(harness: Harness) -> None:
    emu = harness.emu
    alice, bob = emu.create_user("Alice", language_code="en"), emu.create_user("Bob", language_code="en")
    group = emu.create_chat("group", title="Opt-out", user=alice)
    emu.add_member(group["id"], bob["id"])  # a plain member, not an admin
    chat = group["id"]
    await _pairs(harness, chat, alice["id"])
    b = await _person_on_the_right(harness, chat)
    number = (await harness.services.faces.person(b)).number

    picker = await _myface(harness, chat, bob["id"], "which one is you")
    assert picker.photo and f"me:p:{bob['id']}:{b}" in picker.button_callback_data()
    await emu.press_button(chat, alice["id"], picker.message_id, f"me:p:{bob['id']}:{b}")
    await _answer_with(harness, "for the member who sent /myface")
    assert (await harness.services.faces.person(b)).claimed_by is None, "nobody picks for someone else"

    await emu.press_button(chat, bob["id"], picker.message_id, f"me:p:{bob['id']}:{b}")
    card = await emu.wait_for(
        lambda: (m := emu.message(chat, picker.message_id)) and "here you are" in text_of(m) and m, timeout=30
    )
    assert f"Person {number}" in text_of(card) and "4 faces in 4 photos" in text_of(card)
    await emu.press_button(chat, bob["id"], picker.message_id, f"me:s:{bob['id']}")
    await emu.wait_for(lambda: "cannot be undone" in text_of(emu.message(chat, picker.message_id)), timeout=30)
    await emu.press_button(chat, bob["id"], picker.message_id, f"me:sy:{bob['id']}")
    done = await harness.reply(chat, predicate=lambda m: "deleted in this chat" in text_of(m), timeout=30)
    assert "1 person and 4 faces" in text_of(done)
    assert emu.message(chat, picker.message_id).deleted, "the sheet of their faces is gone too"

    assert await harness.services.faces.person(b) is None
    remaining = await harness.services.faces.chat_faces(chat)
    assert len(remaining) == 4 and all(face.box[0] < TILE for face in remaining), "only A's faces are left"

    await _send_last_pair(harness, chat, alice["id"])
    faces = await _last_photo_faces(harness, chat)
    assert len(faces) == 1 and faces[0][0] < TILE, "B's new face is not stored, A's is"
    await harness.services.analyser.recluster(chat)
    assert all(face.box[0] < TILE for face in await harness.services.faces.chat_faces(chat))

    again = await _myface(harness, chat, bob["id"], "not to recognise you in this chat")
    await emu.press_button(chat, bob["id"], again.message_id, f"me:a:{bob['id']}")
    await emu.wait_for(lambda: "again from the next photo" in text_of(emu.message(chat, again.message_id)), 30)
    async with harness.services.db.session() as session:
        assert (await session.exec(select(FaceOptOut))).all() == [], "the kept signature is deleted"


async def test_forget_me_everywhere_clears_every_chat(harness: Harness) -> None:
    emu = harness.emu
    alice, bob = emu.create_user("Alice", language_code="en"), emu.create_user("Bob", language_code="en")
    first = emu.create_chat("group", title="One", user=alice)
    second = emu.create_chat("group", title="Two", user=alice)
    for group in (first, second):
        emu.add_member(group["id"], bob["id"])
        await _pairs(harness, group["id"], alice["id"])
    b = await _person_on_the_right(harness, first["id"])

    picker = await _myface(harness, first["id"], bob["id"], "which one is you")
    await emu.press_button(first["id"], bob["id"], picker.message_id, f"me:p:{bob['id']}:{b}")
    await emu.wait_for(lambda: "here you are" in text_of(emu.message(first["id"], picker.message_id)), 30)
    await emu.press_button(first["id"], bob["id"], picker.message_id, f"me:e:{bob['id']}")
    await emu.wait_for(lambda: "cannot be undone" in text_of(emu.message(first["id"], picker.message_id)), 30)
    await emu.press_button(first["id"], bob["id"], picker.message_id, f"me:ey:{bob['id']}")
    done = await harness.reply(first["id"], predicate=lambda m: "done" in text_of(m), timeout=60)
    assert "2 people and 8 faces deleted in 2 chats" in text_of(done)

    for group in (first, second):
        left = await harness.services.faces.chat_faces(group["id"])
        assert len(left) == 4 and all(face.box[0] < TILE for face in left), "B is gone from every chat, A stays"
    async with harness.services.db.session() as session:
        (row,) = (await session.exec(select(FaceOptOut))).all()
    assert row.chat_id is None and row.user_id == bob["id"] and row.face_count == 4

    await _send_last_pair(harness, second["id"], alice["id"])
    faces = await _last_photo_faces(harness, second["id"])
    assert len(faces) == 1 and faces[0][0] < TILE, "not stored in the other chat either"
    shown = await _myface(harness, second["id"], bob["id"], "forget you everywhere")
    assert f"me:a:{bob['id']}" in shown.button_callback_data()


# ----- hello ------------------------------------------------------------------------------------------------------
@pytest.fixture
async def privacy_mode_bot(tmp_path: Path, cpu_pool: CpuPool) -> AsyncIterator[Harness]:
    """A bot whose owner left Telegram's privacy mode on (the default BotFather gives)."""
    async with BotApiEmulator(token=TOKEN, privacy_mode=True) as emu:
        settings = emulator_settings(emu, tmp_path / "data")
        app = build_application(settings, cpu=cpu_pool)
        async with running_application(app):
            yield Harness(emu, settings, app)


def _hellos(harness: Harness, chat_id: int) -> list[str]:
    return [text_of(m) for m in harness.bot_messages(chat_id) if "/myface" in text_of(m)]


async def test_hello_once_when_the_bot_joins_a_group(harness: Harness) -> None:
    emu = harness.emu
    alice = emu.create_user("Alice", language_code="en")
    group = emu.create_chat("group", title="New", user=alice, bot_status=None)
    emu.add_bot_to_chat(group["id"], alice["id"])
    hello = text_of(await harness.reply(group["id"], predicate=lambda m: "/myface" in text_of(m)))
    assert "faces" in hello and "/privacy" in hello and "opt out" in hello
    assert "privacy mode" not in hello, "this bot already sees every message"

    emu.add_bot_to_chat(group["id"], alice["id"], status="administrator")  # a promotion is not a join
    await emu.send_text(group["id"], alice["id"], "/help")
    await harness.reply(group["id"], predicate=lambda m: "/myface" in text_of(m) and "Commands" in text_of(m))
    assert len(_hellos(harness, group["id"])) == 2, "the hello and /help, no second hello"
    assert sum("Hi, I'm" in text for text in _hellos(harness, group["id"])) == 1

    emu.remove_bot_from_chat(group["id"], alice["id"])
    emu.add_bot_to_chat(group["id"], alice["id"])
    await harness.emu.wait_for(
        lambda: sum("Hi, I'm" in text for text in _hellos(harness, group["id"])) == 2, timeout=30
    )


async def test_hello_says_how_to_let_the_bot_see_photos(privacy_mode_bot: Harness) -> None:
    emu = privacy_mode_bot.emu
    alice = emu.create_user("Alice", language_code="ko")
    group = emu.create_chat("group", title="New", user=alice, bot_status=None)
    emu.add_bot_to_chat(group["id"], alice["id"])
    hello = text_of(await privacy_mode_bot.reply(group["id"], predicate=lambda m: "/myface" in text_of(m)))
    assert "/setprivacy" in hello and "관리자" in hello


async def test_myface_in_a_chat_without_people_says_so(harness: Harness) -> None:
    """Found by tests/e2e/test_fuzz_updates.py: with no people and no withdrawal to offer, the keyboard had no rows,
    PTB sent `reply_markup={}`, Telegram refused it and the member read "Telegram is busy"."""
    user = harness.emu.create_user("Ann", language_code="en")
    chat = harness.emu.create_chat("private", user=user)
    reply = await _myface(harness, chat["id"], user["id"], "no people")
    assert "busy" not in text_of(reply) and reply.reply_markup is None
