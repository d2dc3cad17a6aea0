"""A status message is progress, not the answer: one whose post Telegram may have carried out although its answer was
lost (a cut connection, a timeout: the emulator's `lost` fault) is not posted again (handlers.answers.StatusMessage).
The bot cannot find that message again — the Bot API reads no message by id and has no idempotency key — so a second
status could only add a message; the strip's answer still comes, once."""

from __future__ import annotations

import asyncio

import httpx
import pytest
from aiohttp import web

from tests.booths.fixture_server import FixtureServer
from tests.e2e.face_photos import group_photo
from tests.e2e.harness import Harness, text_of

STRIP = "https://qr.seobuk.kr/s/faces02"
EXPIRED = "https://qr.seobuk.kr/s/IMfkz6."
SETTLE_S = 0.2  # a group's status settles, then is posted in the background while the booth page is still slow
BOOTH_S = 1.5
READ_TIMEOUT_S = 3.0  # the bot's wait for Telegram's answer in the late case (bot.app: 20 s)
CUT, LATE = 0.0, READ_TIMEOUT_S + 2  # the lost post's connection cut at once, or after the bot stopped waiting
settling = pytest.mark.parametrize("harness", [{"group_status_settle_s": SETTLE_S}], indirect=True)


@pytest.fixture
def booth_site(loopback_booth: FixtureServer) -> FixtureServer:
    """A strip with faces and an expired link, both behind a booth API that takes BOOTH_S to answer."""
    loopback_booth.photoism("/s/faces02", "faces02", group_photo("pexels-polina-tankilevitch-5848780.jpg"))
    loopback_booth.photoism("/s/IMfkz6.", "gone", None)
    resource = loopback_booth.routes[("cmsapi.seobuk.kr", "/v1/etc/seq/resource")]

    async def slow(request: web.Request) -> web.StreamResponse:
        await asyncio.sleep(BOOTH_S)
        return await resource(request)

    loopback_booth.route("cmsapi.seobuk.kr", "/v1/etc/seq/resource", slow)
    return loopback_booth


def _set_read_timeout(harness: Harness, monkeypatch: pytest.MonkeyPatch) -> None:
    client = harness.app.bot.request._client  # type: ignore[attr-defined]  # PTB's HTTPXRequest: no public setter
    monkeypatch.setattr(client, "timeout", httpx.Timeout(10.0, read=READ_TIMEOUT_S))


def _posts(harness: Harness) -> list[str]:
    return [str(params.get("text", "")) for name, params in harness.emu.calls if name == "sendMessage"]


async def _link_in(harness: Harness, chat_type: str, link: str, delay: float) -> tuple[dict, dict]:
    """The member's message with `link` in a new chat, its first status post lost with `delay`."""
    user = harness.emu.create_user("Mina", language_code="en")
    extra = {} if chat_type == "private" else {"title": "Strips"}
    chat = harness.emu.create_chat(chat_type, user=user, **extra)
    harness.emu.inject_fault("sendMessage", "lost", delay=delay)
    return chat, await harness.emu.send_text(chat["id"], user["id"], f"our strip {link}")


@settling
@pytest.mark.parametrize("chat_type", ["supergroup", "private"])
@pytest.mark.parametrize("delay", [CUT, LATE], ids=["cut", "late"])
async def test_a_status_whose_post_was_lost_is_not_posted_again_and_the_answer_comes_once(
    harness: Harness, booth_site: FixtureServer, monkeypatch: pytest.MonkeyPatch, chat_type: str, delay: float
) -> None:
    _set_read_timeout(harness, monkeypatch)
    chat, sent = await _link_in(harness, chat_type, STRIP, delay)
    await harness.reply(chat["id"], lambda m: bool(m.photo), timeout=60)
    await harness.settled()
    assert harness.emu.triggered_faults == [("sendMessage", "lost")]
    (status,) = _posts(harness)  # the lost one: no second status to delete, none left beside the answer
    shown = harness.emu.bot_messages(chat["id"], include_deleted=True)
    assert [text_of(m) for m in shown if not m.photo] == [status], "nothing posted, edited or deleted but the lost one"
    (picture,) = [m for m in shown if m.photo]
    assert "Smile points" in text_of(picture)
    assert picture.message["reply_to_message"]["message_id"] == sent["message_id"]


@settling
@pytest.mark.parametrize("delay", [CUT, LATE], ids=["cut", "late"])
async def test_a_failed_links_answer_comes_although_its_status_post_was_lost(
    harness: Harness, booth_site: FixtureServer, monkeypatch: pytest.MonkeyPatch, delay: float
) -> None:
    """The status itself is the answer of a link that failed: with the status's id unknown, it is posted anew."""
    _set_read_timeout(harness, monkeypatch)
    chat, _ = await _link_in(harness, "supergroup", EXPIRED, delay)
    await harness.reply(chat["id"], lambda m: "expired" in text_of(m), timeout=60)
    await harness.settled()
    shown = harness.emu.bot_messages(chat["id"], include_deleted=True)
    assert len(shown) == 2 and not any(m.deleted or m.edited for m in shown), "the lost status, then the answer"
    assert sum("expired" in text_of(m) for m in shown) == 1
