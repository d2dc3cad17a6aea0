"""A booth link's answer is a stored reply (handlers.qr, kind `link`): owed before the fetch, claimed → sent →
finished. A replica killed mid-fetch leaves the answer to another replica's sweep, which files the link (once),
answers it in place of the dead replica's status message, and sends its video once; the same message handled again
adds nothing. A member's picture kept because its link failed is answered in that link's reply, and a strip's videos
are stored replies of their own (kind `video`). A Telegram album's answer is one too (handlers.album_answer, kind
`album`). A message handled again (its replica died) takes what it still owes over at once, whatever the kind."""

from __future__ import annotations

import asyncio
import json
from datetime import timedelta

import pytest
from sqlmodel import col, select
from telegram import ReplyParameters

from handlers.album_answer import owed_album
from handlers.qr import LINK_ANSWER, VIDEO_ANSWER, Member, open_videos, owed_videos
from handlers.replies import deliver_all_lapsed, keyed_subject
from pipeline.intake import LinkResult
from pipeline.rate_limits import WindowLimit
from scheduler.replies import REDELIVER
from storage.albums import NewMedia
from storage.media_groups import GroupHeader, GroupItem, TakenGroup
from storage.models import MediaKind, Photo, PhotoSource, Reply, ReplyState
from storage.replies import OwedReply, ReplyStore
from tests.booths.fixture_server import FixtureServer
from tests.e2e.harness import Harness, jpeg_bytes, qr_photo, text_of
from tests.e2e.test_qr_flow import EXPIRED, SHORT

LAPSES = timedelta(seconds=0.1)


@pytest.fixture
def booth_site(photoism_booth: FixtureServer) -> FixtureServer:
    """The strip's booth (tests/conftest.py), under the name the harness looks for (tests/e2e/conftest.py)."""
    return photoism_booth


def _private(harness: Harness) -> tuple[dict, dict]:
    user = harness.emu.create_user("Sam", language_code="en")
    return user, harness.emu.create_chat("private", user=user)


async def _rows(harness: Harness, chat_id: int) -> list[Photo]:
    async with harness.services.db.session() as session:
        return list((await session.exec(select(Photo).where(col(Photo.chat_id) == chat_id))).all())


def _replies_to(harness: Harness, chat_id: int, message_id: int) -> list:
    return [
        m
        for m in harness.bot_messages(chat_id)
        if (m.message.get("reply_to_message") or {}).get("message_id") == message_id
    ]


async def _settled(harness: Harness, reply: OwedReply) -> tuple[ReplyState, int | None] | None:
    for _ in range(100):
        state = await harness.services.shared.replies.state(reply)
        if state is not None and state[0] is ReplyState.finished:
            return state
        await asyncio.sleep(0.1)
    return await harness.services.shared.replies.state(reply)


async def test_a_qr_strips_answer_is_a_stored_reply(harness: Harness, booth_site: FixtureServer) -> None:
    user, chat = _private(harness)
    sent = await harness.emu.send_photo(chat["id"], user["id"], qr_photo(SHORT, seed=1))
    await harness.reply(chat["id"], lambda m: "✅" in text_of(m))
    reply = OwedReply(
        LINK_ANSWER, keyed_subject(chat["id"], sent["message_id"], 0), chat["id"], sent["message_id"], "en"
    )
    state = await _settled(harness, reply)
    (answer,) = _replies_to(harness, chat["id"], sent["message_id"])  # the status became the answer: one message
    assert state == (ReplyState.finished, answer.message_id)
    async with harness.services.db.session() as session:
        row = await session.get(Reply, (LINK_ANSWER, reply.subject))
    assert row is not None and row.status_id is not None and json.loads(row.payload)["url"] == SHORT
    assert await deliver_all_lapsed(harness.app.bot, harness.services, REDELIVER) == 0


async def _dead_replica_was_fetching(harness: Harness, chat: dict, user: dict, sent: dict) -> tuple[OwedReply, int]:
    """What a replica killed mid-fetch leaves: the answer owed, claimed with a lease that lapses, and its first
    status message."""
    payload = {"url": SHORT, "known": False, "sender_id": user["id"], "sender_name": "Sam"}
    subject = keyed_subject(chat["id"], sent["message_id"], 0)
    reply = OwedReply(LINK_ANSWER, subject, chat["id"], sent["message_id"], "en", payload=json.dumps(payload))
    dead = ReplyStore(harness.services.db, "dead replica", LAPSES)
    assert await dead.open(reply)
    status = await harness.app.bot.send_message(
        chat["id"], "🔍 Found a QR code…", reply_parameters=ReplyParameters(sent["message_id"])
    )
    assert await dead.note_status(reply, status.message_id)
    return reply, status.message_id


async def _nothing_left_for_the_sweep(harness: Harness) -> None:
    """After the message was handled again: had the dead replica's claims lapsed, no reply would be owed still."""
    await asyncio.sleep(0.2)
    assert await deliver_all_lapsed(harness.app.bot, harness.services, REDELIVER) == 0


async def _answered_once_in_place_of(harness: Harness, chat: dict, sent: dict, reply: OwedReply, status: int) -> None:
    state = await harness.services.shared.replies.state(reply)
    assert state is not None and state[0] is ReplyState.finished
    answers = _replies_to(harness, chat["id"], sent["message_id"])
    assert [m.message_id for m in answers] == [status] == [state[1]], "one answer: the status message made it"
    assert "✅" in text_of(answers[0])
    rows = await _rows(harness, chat["id"])
    assert sorted(row.kind for row in rows) == [MediaKind.photo, MediaKind.video], "the original and video, once"
    videos = [m for m in harness.bot_messages(chat["id"]) if m.message.get("video")]
    assert len(videos) == 1 and videos[0].message["reply_to_message"]["message_id"] == status


async def test_a_link_a_dead_replica_was_fetching_is_answered_once_by_the_sweep(
    harness: Harness, booth_site: FixtureServer
) -> None:
    """No replica handles the message again: another replica's sweep takes the lapsed answer over and makes the dead
    replica's status message the answer; the strip and its video are filed once, the video sent once."""
    user, chat = _private(harness)
    async with harness.updates_held():  # the update stays with Telegram (the emulator): only the sweep answers here
        sent = await harness.emu.send_photo(chat["id"], user["id"], qr_photo(SHORT, seed=2))
        await harness.services.albums.remember(  # what the dead replica's remember_update wrote
            chat_id=chat["id"], chat_type="private", chat_title=None, user_id=user["id"], first_name="Sam"
        )
        reply, status = await _dead_replica_was_fetching(harness, chat, user, sent)
        assert await ReplyStore(harness.services.db, "dead replica", LAPSES).renew(reply)  # its lease from just now
        assert await deliver_all_lapsed(harness.app.bot, harness.services, REDELIVER) == 0, "not before it lapsed"
        await asyncio.sleep(0.2)
        assert await deliver_all_lapsed(harness.app.bot, harness.services, REDELIVER) == 1
        await _answered_once_in_place_of(harness, chat, sent, reply, status)
    await asyncio.sleep(2.0)  # Telegram delivers the update once more: handled, it finds the answer sent
    assert await deliver_all_lapsed(harness.app.bot, harness.services, REDELIVER) == 0
    assert len(_replies_to(harness, chat["id"], sent["message_id"])) == 1
    assert len(await _rows(harness, chat["id"])) == 2


async def test_a_link_handled_again_after_its_replica_died_reuses_its_status_message(
    harness: Harness, booth_site: FixtureServer
) -> None:
    """The message handled again (the webhook's takeover of a dead replica's update): the handler takes the owed
    answer over at once and edits the dead replica's status message into it — no second status, nothing left for
    the sweep."""
    user, chat = _private(harness)
    async with harness.updates_held():
        sent = await harness.emu.send_photo(chat["id"], user["id"], qr_photo(SHORT, seed=4))
        reply, status = await _dead_replica_was_fetching(harness, chat, user, sent)
        await harness.handle_again(sent, 990_004)
        await _answered_once_in_place_of(harness, chat, sent, reply, status)
        await _nothing_left_for_the_sweep(harness)


async def test_an_albums_answer_a_dead_replica_owed_is_sent_once_by_another(harness: Harness) -> None:
    """The replica that took a Telegram album (storage.media_groups) died before answering: the answer, owed with the
    album's items in its row, is sent once by another replica's sweep."""
    user = harness.emu.create_user("Sam", language_code="en")
    chat = harness.emu.create_chat("group", title="Trip", user=user)
    first = await harness.emu.send_text(chat["id"], user["id"], "(the album's first photo)")
    second = await harness.emu.send_text(chat["id"], user["id"], "(its second photo)")
    items = {first["message_id"]: GroupItem(saved=True), second["message_id"]: GroupItem(duplicate=True)}
    taken = TakenGroup(chat["id"], "album-1", GroupHeader("en", "Sam", False), items)
    reply = owed_album(taken)
    dead = ReplyStore(harness.services.db, "dead replica", LAPSES)
    assert await dead.open(reply)
    assert await dead.renew(reply)  # its lease from just now (its insert can take longer than the lease on a busy box)
    assert await deliver_all_lapsed(harness.app.bot, harness.services, REDELIVER) == 0, "not before it lapsed"
    await asyncio.sleep(0.2)
    assert await deliver_all_lapsed(harness.app.bot, harness.services, REDELIVER) == 1
    (answer,) = _replies_to(harness, chat["id"], first["message_id"])
    assert text_of(answer), "the album's summary"
    assert await harness.services.shared.replies.state(reply) == (ReplyState.finished, answer.message_id)
    await asyncio.sleep(0.2)
    assert await deliver_all_lapsed(harness.app.bot, harness.services, REDELIVER) == 0
    assert len(_replies_to(harness, chat["id"], first["message_id"])) == 1


async def test_an_album_item_handled_again_takes_its_owed_answer_over_at_once(harness: Harness) -> None:
    """The replica that took a Telegram album died before answering, and the item it was handling is handled again
    (the webhook's takeover): the answer, owed with the album's items in its row, is taken over and sent at once —
    not after the dead replica's lease — and once; the items delivered again add nothing."""
    user = harness.emu.create_user("Sam", language_code="en")
    chat = harness.emu.create_chat("group", title="Trip", user=user)
    async with harness.updates_held():
        first = await harness.emu.send_photo(chat["id"], user["id"], jpeg_bytes("red"), media_group_id="album-2")
        second = await harness.emu.send_photo(chat["id"], user["id"], jpeg_bytes("blue"), media_group_id="album-2")
        items = {first["message_id"]: GroupItem(saved=True), second["message_id"]: GroupItem(duplicate=True)}
        reply = owed_album(TakenGroup(chat["id"], "album-2", GroupHeader("en", "Sam", False), items))
        assert await ReplyStore(harness.services.db, "dead replica", timedelta(minutes=10)).open(reply)
        await harness.handle_again(second, 990_010)
        (answer,) = _replies_to(harness, chat["id"], first["message_id"])
        assert "2/2" in text_of(answer), "the album's summary, from the row"
        assert await harness.services.shared.replies.state(reply) == (ReplyState.finished, answer.message_id)
    await asyncio.sleep(2.0)  # Telegram delivers both items once more: the album's answer is found sent
    assert len(_replies_to(harness, chat["id"], first["message_id"])) == 1
    assert await deliver_all_lapsed(harness.app.bot, harness.services, REDELIVER) == 0


def _link_reply(chat: dict, sent: dict, payload: dict) -> OwedReply:
    subject = keyed_subject(chat["id"], sent["message_id"], 0)
    return OwedReply(LINK_ANSWER, subject, chat["id"], sent["message_id"], "en", payload=json.dumps(payload))


async def test_a_picture_kept_because_its_link_failed_is_answered_in_the_links_stored_reply(
    harness: Harness, booth_site: FixtureServer
) -> None:
    booth_site.photoism("/s/IMfkz6.", "gone", None)
    user, chat = _private(harness)
    sent = await harness.emu.send_photo(chat["id"], user["id"], qr_photo(EXPIRED, seed=5))
    reply = _link_reply(chat, sent, {})
    await harness.reply(chat["id"], lambda m: "no faces" in text_of(m))
    state = await _settled(harness, reply)
    (answer,) = _replies_to(harness, chat["id"], sent["message_id"])
    assert state == (ReplyState.finished, answer.message_id), "the link's answer is sent once the picture's is made"
    assert "instead" in text_of(answer) and "no faces" in text_of(answer)
    (kept,) = await _rows(harness, chat["id"])
    async with harness.services.db.session() as session:
        row = await session.get(Reply, (LINK_ANSWER, reply.subject))
    assert row is not None and json.loads(row.payload)["kept"] == kept.id


class ReplicaDied(Exception):
    """Stands for the process dying at this point."""


@pytest.mark.parametrize("rate_limited", [False, True])
async def test_a_kept_picture_is_owed_in_the_transaction_that_stores_it(
    harness: Harness, booth_site: FixtureServer, monkeypatch: pytest.MonkeyPatch, rate_limited: bool
) -> None:
    """The replica dies the moment the member's picture is stored in place of its failed (or rate-limited) links:
    the link's row says so already, so another replica's sweep answers the kept picture — no window leaves it
    analysed by the resume but never answered."""
    booth_site.photoism("/s/IMfkz6.", "gone", None)
    user, chat = _private(harness)
    if rate_limited:
        harness.services.intake.rate_limit = limit = WindowLimit(1, 60)
        assert await limit.wait_seconds(("chat", chat["id"])) == 0  # the chat's one booth link a minute, used up
    albums = harness.services.intake.albums
    storing = albums.save

    async def dies_once_stored(chat_id: int, media: NewMedia, *args: object, **kwargs: object) -> object:
        saved = await storing(chat_id, media, *args, **kwargs)  # type: ignore[arg-type]
        if media.source == PhotoSource.upload:
            raise ReplicaDied
        return saved

    monkeypatch.setattr(albums, "save", dies_once_stored)
    async with harness.updates_held():
        sent = await harness.emu.send_photo(chat["id"], user["id"], qr_photo(EXPIRED, seed=10))
        with pytest.raises(ReplicaDied):  # its first handling, which "dies" in the middle
            await harness.handle_again(sent, 990_012)
        monkeypatch.setattr(albums, "save", storing)
        (kept,) = await _rows(harness, chat["id"])
        reply = _link_reply(chat, sent, {})
        row = await harness.services.shared.replies.find(reply.kind, reply.subject)
        assert row is not None and json.loads(row.payload).get("kept") == kept.id, "owed with the picture"
        taken = await harness.services.shared.replies.take_over(row)  # as the sweep does once the lease lapsed
        assert taken is not None
        assert await REDELIVER[LINK_ANSWER](harness.app.bot, harness.services, taken) is not None
        answers = _replies_to(harness, chat["id"], sent["message_id"])
        assert len(answers) == 1 and "instead" in text_of(answers[0]) and "no faces" in text_of(answers[0])


KEPT_SAID = (
    "⚠️ Photoism: This QR link has expired (usually 24-72 h after the shoot).\nI saved the photo you sent instead."
)


async def _dead_replica_kept(
    harness: Harness, chat: dict, user: dict, sent: dict, rate_limited: bool = False
) -> tuple[OwedReply, int]:
    """What a replica leaves that kept the member's picture in place of the failed link, said so in its status, and
    died before the picture's analysis: the picture stored, the link's answer owed with it, its status message."""
    await harness.services.albums.remember(
        chat_id=chat["id"], chat_type="private", chat_title=None, user_id=user["id"], first_name="Sam"
    )
    downloaded = await (await harness.app.bot.get_file(sent["photo"][-1]["file_id"])).download_as_bytearray()
    kept = await harness.services.albums.save(
        chat["id"],
        NewMedia(bytes(downloaded), "image/jpeg", 1280, 960, sender_id=user["id"], source=PhotoSource.upload),
    )
    payload = {} if rate_limited else {"url": EXPIRED, "known": False, "sender_id": user["id"], "sender_name": "Sam"}
    reply = _link_reply(chat, sent, {**payload, "kept": kept.photo.id, "kept_text": KEPT_SAID})
    dead = ReplyStore(harness.services.db, "dead replica", LAPSES)
    assert await dead.open(reply)
    status = await harness.app.bot.send_message(
        chat["id"], KEPT_SAID, reply_parameters=ReplyParameters(sent["message_id"])
    )
    assert await dead.note_status(reply, status.message_id)
    return reply, status.message_id


async def _kept_answered_once_in(harness: Harness, chat: dict, sent: dict, reply: OwedReply, status: int) -> None:
    (answer,) = _replies_to(harness, chat["id"], sent["message_id"])
    assert answer.message_id == status, "the dead replica's status message became the answer"
    assert text_of(answer).startswith(KEPT_SAID) and "no faces" in text_of(answer)
    assert await harness.services.shared.replies.state(reply) == (ReplyState.finished, status)
    assert len(await _rows(harness, chat["id"])) == 1


async def test_a_picture_kept_after_a_rate_limit_stopped_its_links_is_a_stored_reply(
    harness: Harness, booth_site: FixtureServer
) -> None:
    user, chat = _private(harness)
    harness.services.intake.rate_limit = limit = WindowLimit(1, 60)
    assert await limit.wait_seconds(("chat", chat["id"])) == 0  # the chat's one booth link a minute, used up
    sent = await harness.emu.send_photo(chat["id"], user["id"], qr_photo(SHORT, seed=9))
    await harness.reply(chat["id"], lambda m: "no faces" in text_of(m))
    reply = _link_reply(chat, sent, {})
    state = await _settled(harness, reply)
    (answer,) = _replies_to(harness, chat["id"], sent["message_id"])
    assert "try again" in text_of(answer) and "instead" in text_of(answer) and "no faces" in text_of(answer)
    assert state == (ReplyState.finished, answer.message_id)
    (kept,) = await _rows(harness, chat["id"])
    async with harness.services.db.session() as session:
        row = await session.get(Reply, (LINK_ANSWER, reply.subject))
    assert row is not None and json.loads(row.payload)["kept"] == kept.id and row.status_id == answer.message_id


@pytest.mark.parametrize("rate_limited", [False, True])
async def test_a_kept_picture_a_dead_replica_owed_is_answered_once_by_the_sweep(
    harness: Harness, booth_site: FixtureServer, rate_limited: bool
) -> None:
    """The sweep answers the kept picture in the dead replica's status message (its failed link's, or the rate
    limit's that stopped the links), without fetching the link again."""
    booth_site.photoism("/s/IMfkz6.", "gone", None)
    user, chat = _private(harness)
    async with harness.updates_held():
        sent = await harness.emu.send_photo(chat["id"], user["id"], qr_photo(EXPIRED, seed=6))
        reply, status = await _dead_replica_kept(harness, chat, user, sent, rate_limited)
        fetched = booth_site.hits("qr.seobuk.kr", "/s/IMfkz6.")
        await asyncio.sleep(0.2)
        assert await deliver_all_lapsed(harness.app.bot, harness.services, REDELIVER) == 1
        await _kept_answered_once_in(harness, chat, sent, reply, status)
        assert booth_site.hits("qr.seobuk.kr", "/s/IMfkz6.") == fetched, "the failed link is not fetched again"
    await asyncio.sleep(2.0)  # Telegram delivers the update once more: handled, it finds the answer sent
    assert await deliver_all_lapsed(harness.app.bot, harness.services, REDELIVER) == 0
    await _kept_answered_once_in(harness, chat, sent, reply, status)


async def test_a_kept_picture_handled_again_after_its_replica_died_is_answered_once(
    harness: Harness, booth_site: FixtureServer
) -> None:
    """The message handled again takes the link's answer over and answers the picture its first handler kept (now
    found already stored) in that handler's status message; nothing is left for the sweep."""
    booth_site.photoism("/s/IMfkz6.", "gone", None)
    user, chat = _private(harness)
    async with harness.updates_held():
        sent = await harness.emu.send_photo(chat["id"], user["id"], qr_photo(EXPIRED, seed=8))
        reply, status = await _dead_replica_kept(harness, chat, user, sent)
        await harness.handle_again(sent, 990_008)
        await _kept_answered_once_in(harness, chat, sent, reply, status)
        await _nothing_left_for_the_sweep(harness)


@pytest.mark.parametrize("uploading", [False, True])
async def test_a_strips_video_a_dead_replica_owed_is_sent_once_by_the_sweep(
    harness: Harness, booth_site: FixtureServer, uploading: bool
) -> None:
    """The replica answered the strip and died before its video: the video, owed before the answer was marked sent,
    is sent once by the sweep as a reply to that answer. One the replica had begun to upload is never sent again."""
    user, chat = _private(harness)
    async with harness.updates_held():
        _, reply, video, answer = await _dead_replica_answered_the_strip(harness, chat, user, uploading)
        await asyncio.sleep(0.2)
        assert await deliver_all_lapsed(harness.app.bot, harness.services, REDELIVER) == (0 if uploading else 1)
        await _video_sent_once_if_not_uploading(harness, chat, reply, video, answer, uploading)
    await asyncio.sleep(2.0)  # Telegram delivers the update once more: handled, it finds the answer sent
    assert await deliver_all_lapsed(harness.app.bot, harness.services, REDELIVER) == 0
    assert len(_videos(harness, chat)) == (0 if uploading else 1)


@pytest.mark.parametrize("uploading", [False, True])
async def test_a_strips_video_owed_when_its_replica_died_is_sent_at_once_when_handled_again(
    harness: Harness, booth_site: FixtureServer, uploading: bool
) -> None:
    """The replica answered the strip and died before its video; the message handled again finds the answer sent
    and takes the video over at once (not after its lease) — unless the dead replica had begun its upload."""
    user, chat = _private(harness)
    async with harness.updates_held():
        sent, reply, video, answer = await _dead_replica_answered_the_strip(harness, chat, user, uploading)
        await harness.handle_again(sent, 990_011)
        assert len(_videos(harness, chat)) == (0 if uploading else 1), "sent at once, not after its lease"
        await _nothing_left_for_the_sweep(harness)  # (it closes what was marked sent and lapsed: an upload begun)
        await _video_sent_once_if_not_uploading(harness, chat, reply, video, answer, uploading)


def _videos(harness: Harness, chat: dict) -> list:
    return [m for m in harness.bot_messages(chat["id"]) if m.message.get("video")]


async def _dead_replica_answered_the_strip(
    harness: Harness, chat: dict, user: dict, uploading: bool
) -> tuple[dict, OwedReply, OwedReply, int]:
    """What a replica leaves that answered a strip and died before its video (or inside its upload): the member's
    message, the link's answer (sent), the video's reply (owed; marked sent when `uploading`), the answer's id."""
    sent = await harness.emu.send_photo(chat["id"], user["id"], qr_photo(SHORT, seed=7))
    await harness.services.albums.remember(
        chat_id=chat["id"], chat_type="private", chat_title=None, user_id=user["id"], first_name="Sam"
    )
    outcome = await harness.services.intake.file_link(chat["id"], user["id"], SHORT, False)
    payload = {"url": SHORT, "known": False, "sender_id": user["id"], "sender_name": "Sam"}
    reply = _link_reply(chat, sent, payload)
    dead = ReplyStore(harness.services.db, "dead replica", LAPSES)
    assert await dead.open(reply)
    answer = await harness.app.bot.send_message(
        chat["id"], "✅ Saved the Photoism photo and video", reply_parameters=ReplyParameters(sent["message_id"])
    )
    (video,) = await open_videos(dead, owed_videos(Member.owed(reply), LinkResult(outcome), answer.message_id, "en"))
    assert video[0].kind == VIDEO_ANSWER
    assert await dead.sent(reply, answer.message_id)
    if uploading:
        assert await dead.sending(video[0])
    return sent, reply, video[0], answer.message_id


async def _video_sent_once_if_not_uploading(
    harness: Harness, chat: dict, reply: OwedReply, video: OwedReply, answer: int, uploading: bool
) -> None:
    videos = _videos(harness, chat)
    if uploading:
        assert videos == [], "its upload's outcome is unknown: not sent a second time"
    else:
        assert len(videos) == 1 and videos[0].message["reply_to_message"]["message_id"] == answer
    assert (await harness.services.shared.replies.state(video) or (None,))[0] is ReplyState.finished
    assert (await harness.services.shared.replies.state(reply) or (None,))[0] is ReplyState.finished
