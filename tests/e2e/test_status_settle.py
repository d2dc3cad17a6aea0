"""A group's status message settles before it is shown (handlers.answers.StatusMessage): stages that follow each
other within the settle time cost one message, not one edit each, and an answer ready before the status was shown
comes without one. Telegram takes 20 messages a minute in a group, edits included."""

from __future__ import annotations

import asyncio
import io
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import pytest
from PIL import Image
from telegram import Bot, Message
from telegram.ext import ExtBot

from bot.rate_limit import PostingRateLimiter
from handlers.answers import EDIT_ROOM, StatusMessage
from playground.emulator import BotApiEmulator
from tests.e2e.harness import TOKEN

SETTLE_S = 0.3
COUNTED = ("sendMessage", "editMessageText", "sendPhoto", "deleteMessage")


@pytest.fixture
async def chat() -> AsyncIterator[tuple[BotApiEmulator, Message]]:
    """A member's photo in a group, as the bot's handler sees it."""
    async with BotApiEmulator(token=TOKEN, privacy_mode=False) as emu:
        user = emu.create_user("Mina", language_code="en")
        group = emu.create_chat("supergroup", title="Strips", user=user)
        sent = await emu.send_text(group["id"], user["id"], "here is our strip")
        async with Bot(TOKEN, base_url=emu.base_url, base_file_url=emu.base_file_url) as bot:
            yield emu, Message.de_json(sent, bot)


def counted(emu: BotApiEmulator) -> list[tuple[str, str]]:
    return [(name, str(params.get("text", ""))) for name, params in emu.calls if name in COUNTED]


class FakeContext:
    def __init__(self, bot: Bot) -> None:
        self.bot = bot


def picture() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (64, 48), "orange").save(out, "JPEG")
    return out.getvalue()


async def test_stages_within_the_settle_time_are_one_message_then_one_edit(chat) -> None:
    emu, member = chat
    status = StatusMessage(member, settle_s=SETTLE_S)
    for text in ("🔎 found", "⬇️ fetching", "💾 saving"):
        await status.show(text)
    assert counted(emu) == [], "nothing is shown before the text has settled"
    await asyncio.sleep(SETTLE_S * 3)
    assert counted(emu) == [("sendMessage", "💾 saving")], "the latest text, once"
    await status.show("✅ saved")
    await status.add_line("one more line")
    await asyncio.sleep(SETTLE_S * 3)
    assert counted(emu) == [("sendMessage", "💾 saving"), ("editMessageText", "✅ saved\none more line")]
    assert status.message is not None and emu.state.chat_records(member.chat_id)[status.message.message_id].text == (
        "✅ saved\none more line"
    )


async def test_an_answer_ready_before_the_status_settled_comes_without_one(chat) -> None:
    emu, member = chat
    status = StatusMessage(member, settle_s=SETTLE_S)
    await status.show("🔎 found")
    await status.show("✅ saved")
    answer = await status.replace_with_picture(FakeContext(member.get_bot()), picture(), f"{status.text}\npoints")  # type: ignore[arg-type]
    await asyncio.sleep(SETTLE_S * 3)
    assert [name for name, _ in counted(emu)] == ["sendPhoto"], "no status shown, none deleted"
    assert answer.caption == "✅ saved\npoints"


async def test_a_status_on_its_way_when_the_answer_comes_is_deleted(chat) -> None:
    emu, member = chat
    status = StatusMessage(member, settle_s=SETTLE_S)
    await status.show("✅ saved")
    await asyncio.sleep(SETTLE_S * 3)
    await status.replace_with_picture(FakeContext(member.get_bot()), picture(), "answer")  # type: ignore[arg-type]
    assert [name for name, _ in counted(emu)] == ["sendMessage", "sendPhoto", "deleteMessage"]
    live = [record for record in emu.bot_messages(member.chat_id, include_deleted=False)]
    assert len(live) == 1 and live[0].caption == "answer"


async def test_a_status_that_is_the_answer_is_shown_at_once_when_asked(chat) -> None:
    emu, member = chat
    status = StatusMessage(member, settle_s=60)
    await status.show("🔎 found")
    await status.add_line("❌ the booth's page has expired", now=True)
    assert counted(emu) == [("sendMessage", "🔎 found\n❌ the booth's page has expired")]
    assert await status.settled() is status.message


async def test_without_a_settle_time_every_stage_is_shown_at_once(chat) -> None:
    """Private chats: each stage the moment it happens, as before."""
    emu, member = chat
    status = StatusMessage(member)
    await status.show("🔎 found")
    await status.show("⬇️ fetching")
    await status.show("⬇️ fetching")
    assert counted(emu) == [("sendMessage", "🔎 found"), ("editMessageText", "⬇️ fetching")]


@asynccontextmanager
async def status_in_a_full_group(
    emu: BotApiEmulator, member: Message, period_s: float
) -> AsyncIterator[tuple[ExtBot, StatusMessage]]:
    """A status shown in a group whose messages a minute (EDIT_ROOM + 2 in `period_s`) are used up by other
    strips' answers, with "✅ saved" settling."""
    limiter = PostingRateLimiter(group_max_rate=EDIT_ROOM + 2, group_time_period=period_s, overall_max_rate=0)
    async with ExtBot(TOKEN, base_url=emu.base_url, rate_limiter=limiter) as bot:
        status = StatusMessage(Message.de_json(member.to_dict(), bot), settle_s=0.1)
        await status.show("🔎 found", now=True)
        for number in range(EDIT_ROOM + 1):
            await bot.send_message(member.chat_id, f"another answer {number}")
        await status.show("✅ saved")
        yield bot, status


def edits(emu: BotApiEmulator) -> list[str]:
    return [text for name, text in counted(emu) if name == "editMessageText"]


async def test_an_edit_waits_while_the_groups_budget_is_short_and_the_answer_makes_it_needless(chat) -> None:
    """The group's messages nearly used up: the status, once shown, is not edited until EDIT_ROOM messages are free
    again; the answer that comes meanwhile replaces it without the edit."""
    emu, member = chat
    async with status_in_a_full_group(emu, member, period_s=4) as (bot, status):
        await asyncio.sleep(1.0)  # 2 messages drained meanwhile, fewer than EDIT_ROOM free
        assert edits(emu) == []
        await status.replace_with_picture(FakeContext(bot), picture(), "answer")  # type: ignore[arg-type]
        await asyncio.sleep(0.5)
        assert [name for name, _ in counted(emu)][-2:] == ["sendPhoto", "deleteMessage"]
        assert edits(emu) == []


async def test_an_edit_put_off_for_the_budget_is_made_once_there_is_room(chat) -> None:
    emu, member = chat
    async with status_in_a_full_group(emu, member, period_s=2):
        await asyncio.sleep(0.15)
        assert edits(emu) == [], "put off while the budget is full"
        await emu.wait_for(lambda: edits(emu) == ["✅ saved"], timeout=10)
