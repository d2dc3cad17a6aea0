"""A booth link's answer (or the member's picture kept in place of a failed link) that Telegram posted but whose
answer was lost — it came after the bot stopped waiting — is in the chat once: the bot does not resend it, and the
sweep of lapsed replies (scheduler.replies, every half lease) does not post it again (handlers.replies.answering)."""

from __future__ import annotations

import asyncio
import io
import json

import httpx
import pytest
import segno
from PIL import Image

from handlers.qr import LINK_ANSWER
from handlers.replies import keyed_subject
from pipeline.rate_limits import WindowLimit
from storage.models import ReplyState
from storage.replies import OwedReply
from tests.booths.fixture_server import FixtureServer, mp4
from tests.e2e.face_photos import group_photo
from tests.e2e.harness import Harness, text_of

STRIP = "https://qr.seobuk.kr/s/faces02"
EXPIRED = "https://qr.seobuk.kr/s/IMfkz6."
LEASE_S = 1.0  # a claim left behind lapses at once, and the sweep runs every half second
READ_TIMEOUT_S = 3.0  # the bot's wait for Telegram's answer in these tests (bot.app: 20 s)
LATE_S = READ_TIMEOUT_S + 2  # the lost answer's connection is cut after the bot stopped waiting: a timeout
short_lease = pytest.mark.parametrize("harness", [{"reply_lease_s": LEASE_S}], indirect=True)


@pytest.fixture
def booth_site(loopback_booth: FixtureServer) -> FixtureServer:
    """A strip with faces and a making-of video; one expired link."""
    loopback_booth.photoism("/s/faces02", "faces02", group_photo("pexels-polina-tankilevitch-5848780.jpg"), mp4(9))
    loopback_booth.photoism("/s/IMfkz6.", "gone", None)
    return loopback_booth


@pytest.fixture
def late_answers(harness: Harness, monkeypatch: pytest.MonkeyPatch) -> None:
    """The bot stops waiting for an answer after READ_TIMEOUT_S (a `lost` fault's late answer is a timeout)."""
    client = harness.app.bot.request._client  # type: ignore[attr-defined]  # PTB's HTTPXRequest: no public setter
    monkeypatch.setattr(client, "timeout", httpx.Timeout(10.0, read=READ_TIMEOUT_S))


def _private(harness: Harness) -> tuple[dict, dict]:
    user = harness.emu.create_user("Sam", language_code="en")
    return user, harness.emu.create_chat("private", user=user)


def faces_with_qr(link: str) -> bytes:
    """A phone shot of a party photo with a QR code for `link` in its corner, clear of the faces."""
    canvas = Image.open(io.BytesIO(group_photo("pexels-polina-tankilevitch-5848780.jpg"))).convert("RGB")
    canvas.thumbnail((1600, 1600))
    code = io.BytesIO()
    segno.make(link, error="m").save(code, kind="png", scale=6, border=4)
    qr = Image.open(code).convert("RGB")
    canvas.paste(qr, (canvas.width - qr.width, canvas.height - qr.height))
    out = io.BytesIO()
    canvas.save(out, "JPEG", quality=92)
    return out.getvalue()


async def _after_sweeps(harness: Harness) -> None:
    """Past the lease of every claim the handling left, with a few sweeps run, and the bot quiet."""
    await asyncio.sleep(4 * LEASE_S)
    await harness.settled()


async def _link_reply_state(harness: Harness, chat: dict, sent: dict) -> tuple[ReplyState, int | None] | None:
    reply = OwedReply(LINK_ANSWER, keyed_subject(chat["id"], sent["message_id"], 0), chat["id"], 0, "en")
    return await harness.services.shared.replies.state(reply)


def _pictures(harness: Harness, chat: dict) -> list:
    return [m for m in harness.bot_messages(chat["id"]) if m.photo]


def _said_busy(harness: Harness, chat: dict) -> bool:
    return any("busy" in text_of(m) for m in harness.bot_messages(chat["id"]))


@short_lease
async def test_a_strips_answer_telegram_posted_but_whose_answer_was_lost_is_in_the_chat_once(
    harness: Harness, booth_site: FixtureServer, late_answers: None
) -> None:
    user, chat = _private(harness)
    harness.emu.inject_fault("sendPhoto", "lost", delay=LATE_S)
    sent = await harness.emu.send_text(chat["id"], user["id"], f"our strip {STRIP}")
    await harness.reply(chat["id"], lambda m: bool(m.photo), timeout=60)
    await harness.emu.wait_for(lambda: any(m.video for m in harness.bot_messages(chat["id"])) or None, timeout=30)
    await _after_sweeps(harness)
    assert harness.emu.triggered_faults == [("sendPhoto", "lost")]
    (picture,) = _pictures(harness, chat)
    assert "Smile points" in text_of(picture), "the strip's answer, posted once: not by the sweep again"
    (video,) = [m for m in harness.bot_messages(chat["id"]) if m.video]
    assert video.message["reply_to_message"]["message_id"] == sent["message_id"], "the video came all the same"
    state = await _link_reply_state(harness, chat, sent)
    assert state is not None and state[0] is ReplyState.finished
    assert not _said_busy(harness, chat), "no apology under an answer that arrived"


@short_lease
@pytest.mark.parametrize("rate_limited", [False, True], ids=["link failed", "links rate limited"])
async def test_a_kept_pictures_answer_telegram_posted_but_whose_answer_was_lost_is_in_the_chat_once(
    harness: Harness, booth_site: FixtureServer, late_answers: None, rate_limited: bool
) -> None:
    """The member's own picture kept in place of its expired link (answered as that link's answer), or kept after a
    rate limit stopped its links (answered in the rate limit's status)."""
    user, chat = _private(harness)
    if rate_limited:
        harness.services.intake.rate_limit = limit = WindowLimit(1, 60)
        assert await limit.wait_seconds(("chat", chat["id"])) == 0  # the chat's one booth link a minute, used up
    harness.emu.inject_fault("sendPhoto", "lost", delay=LATE_S)
    sent = await harness.emu.send_photo(chat["id"], user["id"], faces_with_qr(EXPIRED))
    await harness.reply(chat["id"], lambda m: bool(m.photo), timeout=60)
    await _after_sweeps(harness)
    assert harness.emu.triggered_faults == [("sendPhoto", "lost")]
    (picture,) = _pictures(harness, chat)
    assert "instead" in text_of(picture) and "Smile points" in text_of(picture), "answered once"
    (kept,) = await harness.services.albums.page(chat["id"], 0, 10)
    assert kept.source == "upload"
    state = await _link_reply_state(harness, chat, sent)
    assert state is not None and state[0] is ReplyState.finished
    row = await harness.services.shared.replies.find(LINK_ANSWER, keyed_subject(chat["id"], sent["message_id"], 0))
    assert row is not None and json.loads(row.payload)["kept"] == kept.id
    assert not _said_busy(harness, chat), "no apology under an answer that arrived"
