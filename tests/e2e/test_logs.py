"""The bot token is in every Bot API URL; the logs must never show it."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest

from bot.__main__ import configure_logging
from tests.e2e.harness import TOKEN, Harness, jpeg_bytes


@pytest.fixture
def bot_logging(caplog: pytest.LogCaptureFixture) -> Iterator[pytest.LogCaptureFixture]:
    """The logging the bot configures in production, captured from before the bot starts."""
    configure_logging()
    caplog.set_level(logging.INFO)
    yield caplog
    for name in ("httpx", "apscheduler"):
        logging.getLogger(name).setLevel(logging.NOTSET)


async def test_the_token_never_reaches_the_logs(bot_logging: pytest.LogCaptureFixture, harness: Harness) -> None:
    user = harness.emu.create_user("Sam", language_code="en")
    chat = harness.emu.create_chat("private", user=user)
    await harness.emu.send_text(chat["id"], user["id"], "/start")
    await harness.reply(chat["id"])
    await harness.emu.send_photo(chat["id"], user["id"], jpeg_bytes())  # getFile + a download URL with the token
    await harness.reply(chat["id"], predicate=lambda m: m.message_id > 0, timeout=60)
    harness.emu.inject_fault("sendMessage", "500")  # an error path logs too
    await harness.emu.send_text(chat["id"], user["id"], "/help")
    await harness.reply(chat["id"], timeout=30)

    records = bot_logging.get_records("setup") + bot_logging.get_records("call")
    assert records, "the bot logged nothing at INFO: the capture is not working"
    assert any("ready" in r.getMessage() for r in records), "start-up was not captured"
    secret = TOKEN.split(":", 1)[1]
    leaked = [r.getMessage() for r in records if secret in r.getMessage() or secret in str(r.exc_info)]
    assert not leaked, leaked
