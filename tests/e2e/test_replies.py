"""A photo's answer is a stored reply (handlers.replies, storage.replies): claimed → sent → finished. An answer a
dead replica owed is sent once by another from the stored row; one marked sent is never sent again."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from handlers.replies import PHOTO_ANSWER, deliver_all_lapsed
from storage.albums import NewMedia
from storage.models import ReplyState
from storage.replies import OwedReply, ReplyStore
from tests.e2e.face_photos import group_photo
from tests.e2e.harness import Harness, noisy_jpeg, text_of

LAPSES = timedelta(seconds=0.1)


def _private(harness: Harness) -> tuple[dict, dict]:
    user = harness.emu.create_user("Sam", language_code="en")
    return user, harness.emu.create_chat("private", user=user)


async def _stored_photo(harness: Harness, chat_id: int, data: bytes) -> int:
    # The chat's row first, as the replica that stored the photo had made it: the bot may not have handled the
    # chat's first update yet (a photo row needs its chat: 2 runs in 3 failed on a busy machine).
    await harness.services.albums.remember(chat_id=chat_id, chat_type="private", chat_title=None)
    saved = await harness.services.albums.save(chat_id, NewMedia(data=data, mime="image/jpeg"))
    assert saved.created and saved.photo.id is not None
    return saved.photo.id


async def _dead_replica_owes(harness: Harness, chat_id: int, photo_id: int, reply_to: int) -> OwedReply:
    """What a replica killed after storing the photo leaves behind: the answer, claimed, with a lease that lapses."""
    dead = ReplyStore(harness.services.db, "dead replica", LAPSES)
    reply = OwedReply(PHOTO_ANSWER, photo_id, chat_id, reply_to, "en", "Saved to the album (1 in total).")
    assert await dead.open(reply)
    return reply


def _answers(harness: Harness, chat_id: int) -> list:
    """The bot's answers to photos (a private chat also gets a hint for the text standing in for the photo)."""
    return [m for m in harness.bot_messages(chat_id) if m.message.get("photo") or "Saved" in text_of(m)]


async def test_a_photos_answer_is_recorded_claimed_sent_finished(harness: Harness) -> None:
    user, chat = _private(harness)
    sent = await harness.emu.send_photo(chat["id"], user["id"], noisy_jpeg(1))
    answer = await harness.reply(chat["id"], lambda m: "Saved" in text_of(m))
    (photo,) = await harness.services.albums.page(chat["id"], 0, 5)
    assert photo.id is not None
    reply = OwedReply(PHOTO_ANSWER, photo.id, chat["id"], sent["message_id"], "en")
    for _ in range(50):  # the bot records the message id once Telegram has answered the send, then finishes it
        state = await harness.services.shared.replies.state(reply)
        if state is not None and state[0] is ReplyState.finished:
            break
        await asyncio.sleep(0.1)
    assert await harness.services.shared.replies.state(reply) == (ReplyState.finished, answer.message_id)
    assert answer.message["reply_to_message"]["message_id"] == sent["message_id"]
    assert await deliver_all_lapsed(harness.app.bot, harness.services) == 0
    assert len(harness.bot_messages(chat["id"])) == 1


async def test_an_answer_a_dead_replica_owed_is_sent_once_by_another(harness: Harness) -> None:
    user, chat = _private(harness)
    asked = await harness.emu.send_text(chat["id"], user["id"], "(the photo's message)")
    photo_id = await _stored_photo(harness, chat["id"], group_photo())
    reply = await _dead_replica_owes(harness, chat["id"], photo_id, asked["message_id"])
    assert await deliver_all_lapsed(harness.app.bot, harness.services) == 0, "not before its claim lapsed"

    await asyncio.sleep(0.2)
    assert await deliver_all_lapsed(harness.app.bot, harness.services) == 1
    (answer,) = _answers(harness, chat["id"])
    assert answer.message.get("photo"), "the annotated picture, drawn from the stored analysis"
    caption = answer.message["caption"]
    assert caption.startswith("Saved to the album (1 in total).") and "points" in caption.lower()
    assert answer.message["reply_to_message"]["message_id"] == asked["message_id"]
    assert await harness.services.shared.replies.state(reply) == (ReplyState.finished, answer.message_id)
    stored = await harness.services.albums.get(photo_id)
    assert stored is not None and stored.analysed_at is not None, "analysed by the replica that took the reply over"

    await asyncio.sleep(0.2)
    assert await deliver_all_lapsed(harness.app.bot, harness.services) == 0
    assert len(_answers(harness, chat["id"])) == 1, "sent once"
    woken = ReplyStore(harness.services.db, "dead replica", LAPSES)
    assert not await woken.renew(reply), "the old owner, if it was only slow, finds the reply taken and sends nothing"


async def test_an_answer_marked_sent_is_never_sent_again(harness: Harness) -> None:
    user, chat = _private(harness)
    asked = await harness.emu.send_text(chat["id"], user["id"], "(the photo's message)")
    photo_id = await _stored_photo(harness, chat["id"], noisy_jpeg(3))
    reply = await _dead_replica_owes(harness, chat["id"], photo_id, asked["message_id"])
    dead = ReplyStore(harness.services.db, "dead replica", LAPSES)
    assert await dead.sent(reply, 4242)  # killed after Telegram took the answer, before it was finished
    await asyncio.sleep(0.2)
    assert await deliver_all_lapsed(harness.app.bot, harness.services) == 0
    assert _answers(harness, chat["id"]) == []
    assert await harness.services.shared.replies.state(reply) == (ReplyState.finished, 4242)


async def test_a_photo_update_handled_again_is_not_answered_twice(harness: Harness) -> None:
    """A replica that died after storing a photo leaves its update to another (bot.webhook): handled again, the
    photo is found stored with its answer owed to this very message, so nothing more is said; the same picture sent
    again as a new message is still told it is a duplicate."""
    user, chat = _private(harness)
    picture = noisy_jpeg(3)
    sent = await harness.emu.send_photo(chat["id"], user["id"], picture)
    await harness.reply(chat["id"], lambda m: "Saved" in text_of(m))
    await harness.handle_again(sent, 990_001)
    resent = await harness.emu.send_photo(chat["id"], user["id"], picture)
    await harness.reply(chat["id"], lambda m: "already" in text_of(m))
    told = [m.message_id for m in harness.bot_messages(chat["id"]) if "already" in text_of(m)]
    assert len(told) == 1 and told[0] > resent["message_id"]  # the new message only
    assert len(_answers(harness, chat["id"])) == 1


async def test_a_photo_update_handled_again_after_its_replica_died_is_answered_at_once(harness: Harness) -> None:
    """The dead replica had stored the photo and owed its answer (its claim not lapsed yet): the update handled again
    (the webhook's takeover, after UPDATE_LEASE_S) takes the answer over and sends it — not the sweep, a whole
    REPLY_LEASE_S later."""
    user, chat = _private(harness)
    async with harness.updates_held():
        sent = await harness.emu.send_photo(chat["id"], user["id"], group_photo())
        await harness.services.albums.remember(
            chat_id=chat["id"], chat_type="private", chat_title=None, user_id=user["id"], first_name="Sam"
        )
        as_sent = await (await harness.app.bot.get_file(sent["photo"][-1]["file_id"])).download_as_bytearray()
        photo_id = await _stored_photo(harness, chat["id"], bytes(as_sent))  # the bytes the bot downloads
        dead = ReplyStore(harness.services.db, "dead replica", timedelta(minutes=10))
        reply = OwedReply(
            PHOTO_ANSWER, photo_id, chat["id"], sent["message_id"], "en", "Saved to the album (1 in total)."
        )
        assert await dead.open(reply)
        await harness.handle_again(sent, 990_002)
        (answer,) = _answers(harness, chat["id"])
        assert answer.message.get("photo") and answer.message["caption"].startswith("Saved to the album (1 in total).")
        assert answer.message["reply_to_message"]["message_id"] == sent["message_id"]
        assert await harness.services.shared.replies.state(reply) == (ReplyState.finished, answer.message_id)
        assert not await dead.renew(reply), "the first handler, had it only been slow, would send nothing"
    await asyncio.sleep(2.0)  # Telegram delivers the update once more: handled, it finds the answer sent
    assert len(_answers(harness, chat["id"])) == 1
