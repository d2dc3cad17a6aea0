"""Bad input gets a clear reply, never crashes the bot, and leaves no rows or files behind."""

from __future__ import annotations

import io
import zlib
from typing import Any, cast

import httpx
import pytest
from PIL import Image
from sqlalchemy import update
from telegram import Bot, Message
from telegram.error import TimedOut

from handlers.replies import deliver, deliver_all_lapsed, owe_photo_answer
from scheduler.replies import REDELIVER
from storage.albums import NewMedia
from storage.models import Reply, utcnow
from tests.e2e.harness import Harness, noisy_jpeg, text_of


def _private(harness: Harness) -> tuple[dict, dict]:
    user = harness.emu.create_user("Sam", language_code="en")
    return user, harness.emu.create_chat("private", user=user)


def decompression_bomb_png(side: int = 30000) -> bytes:
    """A tiny PNG that claims 30000×30000 pixels (900 megapixels of zeros compress to almost nothing)."""
    out = io.BytesIO()
    Image.new("1", (side, side)).save(out, "PNG")
    return out.getvalue()


async def _assert_nothing_stored(harness: Harness, chat_id: int) -> None:
    assert await harness.album_count(chat_id) == 0
    assert harness.stored_files() == []


async def test_a_document_that_is_not_an_image(harness: Harness) -> None:
    user, chat = _private(harness)
    await harness.emu.send_document(chat["id"], user["id"], b"%PDF-1.4\n" + b"x" * 2000, "ticket.jpg", "image/jpeg")
    reply = await harness.reply(chat["id"])
    assert "not a photo" in text_of(reply)
    await _assert_nothing_stored(harness, chat["id"])


async def test_a_truncated_jpeg(harness: Harness) -> None:
    user, chat = _private(harness)
    whole = noisy_jpeg(5, size=(800, 600))
    await harness.emu.send_document(chat["id"], user["id"], whole[: len(whole) // 2], "cut.jpg", "image/jpeg")
    reply = await harness.reply(chat["id"])
    assert "damaged" in text_of(reply)
    await _assert_nothing_stored(harness, chat["id"])


async def test_a_decompression_bomb(harness: Harness) -> None:
    user, chat = _private(harness)
    bomb = decompression_bomb_png()
    assert len(bomb) < 2_000_000
    await harness.emu.send_document(chat["id"], user["id"], bomb, "bomb.png", "image/png")
    reply = await harness.reply(chat["id"])
    assert "too large" in text_of(reply) and "30000x30000" in text_of(reply)
    await _assert_nothing_stored(harness, chat["id"])


@pytest.mark.parametrize("harness", [{"max_upload_mb": 1}], indirect=True)
async def test_a_file_over_the_size_limit(harness: Harness) -> None:
    user, chat = _private(harness)
    big = noisy_jpeg(6, size=(1600, 1200))
    big += zlib.compress(b"")  # any trailing bytes; still over 1 MB
    assert len(big) > 1024 * 1024
    await harness.emu.send_document(chat["id"], user["id"], big, "big.jpg", "image/jpeg")
    reply = await harness.reply(chat["id"])
    assert "too big" in text_of(reply) and "1 MB" in text_of(reply)
    await _assert_nothing_stored(harness, chat["id"])


async def test_the_bot_keeps_working_after_bad_input(harness: Harness) -> None:
    user, chat = _private(harness)
    await harness.emu.send_document(chat["id"], user["id"], b"\x00" * 10, "x.bin", "application/octet-stream")
    await harness.reply(chat["id"], predicate=lambda m: "not a photo" in text_of(m))
    await harness.emu.send_photo(chat["id"], user["id"], noisy_jpeg(7))
    await harness.reply(chat["id"], predicate=lambda m: "Saved" in text_of(m))
    assert await harness.album_count(chat["id"]) == 1


async def test_telegram_429_is_retried_and_the_reply_arrives(harness: Harness) -> None:
    user, chat = _private(harness)
    harness.emu.inject_fault("sendMessage", kind="429", count=1, retry_after=1)
    await harness.emu.send_photo(chat["id"], user["id"], noisy_jpeg(8))
    reply = await harness.reply(chat["id"], timeout=15)
    assert "Saved" in text_of(reply)


async def test_a_reply_that_failed_on_the_way_is_sent_again(harness: Harness) -> None:
    user, chat = _private(harness)
    harness.emu.inject_fault("sendMessage", kind="502", count=1)
    harness.emu.inject_fault("sendMessage", kind="drop", count=1)
    await harness.emu.send_photo(chat["id"], user["id"], noisy_jpeg(10))
    reply = await harness.reply(chat["id"], timeout=30)
    assert "Saved" in text_of(reply)
    assert [text_of(m) for m in harness.bot_messages(chat["id"])] == [text_of(reply)], "answered once"


class AnswerLate:
    """The bot, but Telegram's answer to each message it posts comes too late (a read timeout)."""

    def __init__(self, bot: Bot) -> None:
        self._bot = bot

    def __getattr__(self, name: str) -> Any:
        return getattr(self._bot, name)

    async def send_message(self, *args: Any, **kwargs: Any) -> Message:
        await self._bot.send_message(*args, **kwargs)
        raise TimedOut() from httpx.ReadTimeout("no answer in time")


async def test_a_stored_reply_whose_answer_timed_out_is_not_sent_again_by_the_sweep(harness: Harness) -> None:
    """Telegram posted the photo's answer but its answer timed out: the reply may be in the chat, so once its lease
    is over the sweep of lapsed replies does not send it again (handlers.replies.sending_reply)."""
    user, chat = _private(harness)
    svc = harness.services
    await svc.albums.remember(chat_id=chat["id"], chat_type="private", chat_title=None, user_id=user["id"])
    saved = await svc.albums.save(chat["id"], NewMedia(data=noisy_jpeg(11, size=(160, 120)), mime="image/jpeg"))
    owed = await owe_photo_answer(svc, chat["id"], saved.photo.id, 1, "en", "Saved to the album")
    assert owed is not None
    with pytest.raises(TimedOut):
        await deliver(cast(Bot, AnswerLate(harness.app.bot)), svc, owed, None)
    async with svc.db.session() as session:  # its lease is over: the sweep looks at it now
        await session.exec(update(Reply).where(Reply.chat_id == chat["id"]).values(lease_until=utcnow()))
    assert await deliver_all_lapsed(harness.app.bot, svc, REDELIVER) == 0
    await harness.settled()
    assert ["Saved" in text_of(m) for m in harness.bot_messages(chat["id"])] == [True], "answered once"


async def test_a_failed_reply_loses_nothing(harness: Harness) -> None:
    user, chat = _private(harness)
    harness.emu.inject_fault("sendMessage", kind="500", count=5)  # more than the bot's resends (bot.rate_limit)
    await harness.emu.send_photo(chat["id"], user["id"], noisy_jpeg(9))
    # The "saved" reply fails with a 500 every time; the error handler's apology then goes through.
    apology = await harness.reply(chat["id"], timeout=40)
    assert "/album shows whether it was saved" in text_of(apology) or "busy" in text_of(apology)
    assert await harness.album_count(chat["id"]) == 1
