"""Groups are quiet by default: a 👍 on each photo, one digest of the new photos every N minutes (exactly once),
the full picture one tap away; admins switch between quiet and answering each photo in /settings."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import update
from sqlmodel import col
from telegram.error import NetworkError

from pipeline.analysis import smile_points
from pipeline.settings import Settings
from scheduler.digest import SETTLE, run_due_digests, window_end
from storage.models import DigestStatus, Photo
from tests.e2e.face_photos import group_photo
from tests.e2e.harness import Harness, noisy_jpeg, text_of

SHIPPED_DEFAULT = {"group_answers": Settings.model_fields["group_answers"].default}
shipped_default = pytest.mark.parametrize("harness", [SHIPPED_DEFAULT], indirect=True)


def _group(harness: Harness) -> tuple[dict, dict, dict]:
    emu = harness.emu
    alice, bob = emu.create_user("Alice", language_code="en"), emu.create_user("Bob", language_code="en")
    group = emu.create_chat("supergroup", title="Party", user=alice)  # Alice created it: she is its admin
    emu.add_member(group["id"], bob["id"])
    return alice, bob, group


async def _reaction(harness: Harness, chat_id: int, message_id: int) -> list[str]:
    return await harness.emu.wait_for(lambda: harness.emu.bot_reaction(chat_id, message_id) or None, timeout=60)


@shipped_default
async def test_a_quiet_group_gets_reactions_one_digest_and_the_picture_on_a_tap(harness: Harness) -> None:
    emu, svc = harness.emu, harness.services
    alice, bob, group = _group(harness)
    party = await emu.send_photo(group["id"], alice["id"], group_photo())
    assert await _reaction(harness, group["id"], party["message_id"]) == ["👍"]
    # One after the other: the digest lists photos in the order they were filed.
    plain = await emu.send_photo(group["id"], bob["id"], noisy_jpeg(31))
    assert await _reaction(harness, group["id"], plain["message_id"]) == ["👍"]
    await emu.send_photo(group["id"], bob["id"], noisy_jpeg(31))  # the same file again
    again = emu.chat_messages(group["id"])[-1]
    assert await _reaction(harness, group["id"], again.message_id) == ["👌"]
    await asyncio.sleep(0.5)
    assert harness.bot_messages(group["id"]) == [], "nothing but reactions until the digest"

    await svc.albums.set_language(chat_id=group["id"], chat_type="supergroup", user_id=alice["id"], language="en")
    assert await run_due_digests(svc, harness.app.bot) == [], "the photos' window has not ended yet"
    now = datetime.now(UTC)
    # The test's clock, past the photos' window and always 8 m 42 s into a window of the digest grid, whatever the
    # wall clock says: a run's outcome must not depend on the time of day it runs at.
    later = window_end(now, 10) + timedelta(minutes=20) + SETTLE + timedelta(minutes=8, seconds=42)
    svc.clock = lambda: later
    first, second = await asyncio.gather(run_due_digests(svc, harness.app.bot), run_due_digests(svc, harness.app.bot))
    assert sorted(first + second) == [(group["id"], DigestStatus.posted)], "two overlapping runs send it once"
    (digest,) = harness.bot_messages(group["id"])
    (photo,) = [p for p in await svc.albums.page(group["id"], 0, 10) if p.sender_id == alice["id"]]
    points = sum(smile_points(face.smile) for face in await svc.faces.faces_of_photo(photo.id))
    text = text_of(digest)
    assert "2 new photos" in text and f"1. Alice · 😊 {points}" in text and "2. Bob · no faces" in text
    buttons = digest.button_callback_data()
    assert len(buttons) == 2 and buttons[0] == f"digest:show:{photo.id}:1"
    assert await run_due_digests(svc, harness.app.bot) == [], "exactly once"

    await emu.press_button(group["id"], bob["id"], digest.message_id, buttons[0])
    picture = await harness.reply(group["id"], predicate=lambda m: bool(m.photo), timeout=30)
    assert picture.message["reply_to_message"]["message_id"] == digest.message_id
    assert "1. Alice" in text_of(picture) and f"Smile points: {points}" in text_of(picture)

    late = await emu.send_photo(group["id"], bob["id"], noisy_jpeg(32))
    await _reaction(harness, group["id"], late["message_id"])
    # Filed, on the test's clock, a minute into the window after the first digest's: its digest is the next one.
    # (A minute after `later` would be past that window's end at this point of the grid: the test used to fail
    # whenever the wall clock put `later` there.)
    async with svc.db.session() as session:
        await session.exec(
            update(Photo)
            .where(col(Photo.chat_id) == group["id"], col(Photo.created_at) > now)
            .values(created_at=window_end(later, 10) + timedelta(minutes=1))
        )
    assert await run_due_digests(svc, harness.app.bot) == [], "its window has not ended yet"
    svc.clock = lambda: later + timedelta(minutes=11)
    assert await run_due_digests(svc, harness.app.bot) == [(group["id"], DigestStatus.posted)]
    newest = harness.bot_messages(group["id"])[-1]
    assert "1 new photo" in text_of(newest) and "Alice" not in text_of(newest), "each photo is told once"


@shipped_default
async def test_a_digest_whose_answer_was_lost_is_not_sent_again(harness: Harness) -> None:
    """Telegram posted the digest and the connection was cut before its answer: the bot cannot tell, and a digest
    that may be in the chat is not sent again (handlers.delivery); a 500 answer is retried."""
    emu, svc = harness.emu, harness.services
    alice, _, group = _group(harness)
    photo = await emu.send_photo(group["id"], alice["id"], noisy_jpeg(33))
    assert await _reaction(harness, group["id"], photo["message_id"]) == ["👍"]
    later = window_end(datetime.now(UTC), 10) + timedelta(minutes=20) + SETTLE + timedelta(minutes=8, seconds=42)
    svc.clock = lambda: later

    emu.inject_fault("sendMessage", "500", count=5)  # outlasts the bot's resends: Telegram said it failed
    with pytest.raises(NetworkError):
        await run_due_digests(svc, harness.app.bot)
    assert harness.bot_messages(group["id"]) == []
    emu.inject_fault("sendMessage", "lost")
    assert await run_due_digests(svc, harness.app.bot) == [(group["id"], DigestStatus.unconfirmed)]
    assert await run_due_digests(svc, harness.app.bot) == [], "not sent again"
    (digest,) = harness.bot_messages(group["id"])
    assert "1. Alice" in text_of(digest)


@shipped_default
async def test_admins_switch_between_quiet_and_each_photo(harness: Harness) -> None:
    emu = harness.emu
    alice, bob, group = _group(harness)
    await emu.send_text(group["id"], alice["id"], "/settings")
    panel = await harness.reply(group["id"])
    assert "a digest of the new ones every 10 minutes" in text_of(panel)
    assert {"set:ans:each", "set:dg:30"} <= set(panel.button_callback_data())

    await emu.press_button(group["id"], bob["id"], panel.message_id, "set:ans:each")
    await emu.wait_for(lambda: any(a.get("show_alert") for a in emu.callback_answers) or None)
    assert (await harness.services.answers.plan(group["id"])).quiet, "members cannot change it"

    await emu.press_button(group["id"], alice["id"], panel.message_id, "set:dg:30")
    await emu.wait_for(lambda: "every 30 minutes" in text_of(emu.message(group["id"], panel.message_id)) or None)
    await emu.press_button(group["id"], alice["id"], panel.message_id, "set:ans:each")
    await emu.wait_for(lambda: "each one is answered" in text_of(emu.message(group["id"], panel.message_id)) or None)
    assert "set:dg:30" not in emu.message(group["id"], panel.message_id).button_callback_data()

    sent = await emu.send_photo(group["id"], bob["id"], noisy_jpeg(33))
    answer = await harness.reply(group["id"], predicate=lambda m: "Saved to the album" in text_of(m), timeout=60)
    assert answer.message["reply_to_message"]["message_id"] == sent["message_id"]
    assert emu.bot_reaction(group["id"], sent["message_id"]) == []


@shipped_default
async def test_a_private_chat_answers_each_photo_by_default(harness: Harness) -> None:
    user = harness.emu.create_user("Sam", language_code="en")
    chat = harness.emu.create_chat("private", user=user)
    await harness.emu.send_photo(chat["id"], user["id"], noisy_jpeg(34))
    assert "Saved to the album" in text_of(await harness.reply(chat["id"], timeout=60))
    assert not (await harness.services.answers.plan(chat["id"])).quiet


def test_digest_windows_end_on_the_grid_after_a_settling_time() -> None:
    moment = datetime(2026, 5, 1, 10, 20, 10, tzinfo=UTC)
    assert window_end(moment, 10) == datetime(2026, 5, 1, 10, 10, tzinfo=UTC), "10:20 is not settled at 10:20:10"
    assert window_end(moment + timedelta(seconds=30), 10) == datetime(2026, 5, 1, 10, 20, tzinfo=UTC)
    assert window_end(moment, 60) == datetime(2026, 5, 1, 10, 0, tzinfo=UTC)
