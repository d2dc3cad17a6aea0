"""An exception in a handler: the user gets a truthful apology, the operators one report a minute per error."""

from __future__ import annotations

import asyncio

from telegram import Update
from telegram.ext import CommandHandler

from handlers.context import ChatContext
from handlers.error_reports import ErrorReports
from tests.e2e.harness import TOKEN, Harness, text_of


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


async def broken(update: Update, context: ChatContext) -> None:
    raise RuntimeError(f"<database> is on fire near {TOKEN}")


async def test_a_failing_handler_apologises_and_reports_once_a_minute(harness: Harness) -> None:
    emu = harness.emu
    operator = emu.create_user("Op", language_code="en")
    operator_chat = emu.create_chat("private", user=operator)
    member = emu.create_user("Sam", language_code="en")
    group = emu.create_chat("group", "Friends", member)
    harness.services.settings.admin_ids = [operator["id"]]
    clock = Clock()
    harness.app.bot_data.error_reports = ErrorReports(clock=clock)
    harness.app.add_handler(CommandHandler("boom", broken))

    await emu.send_text(group["id"], member["id"], "/boom")
    apology = await harness.reply(group["id"])
    assert text_of(apology) == "Sorry, something went wrong and I could not finish this. Please try again in a moment."
    report = await harness.reply(operator_chat["id"])
    text = text_of(report)
    assert "RuntimeError: <database> is on fire" in text and '"text": "/boom"' in text and "in broken" in text
    assert TOKEN not in text and TOKEN.split(":")[1] not in text
    assert report.entities and {entity["type"] for entity in report.entities} >= {"bold", "pre"}

    clock.now += 30
    await emu.send_text(group["id"], member["id"], "/boom")
    await harness.reply(group["id"])  # the user is told every time …
    await asyncio.sleep(0.5)
    assert len(harness.bot_messages(operator_chat["id"])) == 1, "… the operator once a minute"

    clock.now += 31
    await emu.send_text(group["id"], member["id"], "/boom")
    await harness.reply(group["id"])
    later = await harness.reply(operator_chat["id"])
    assert "1 more like it in the last minute were not reported" in text_of(later)


async def test_without_operators_only_the_user_hears_of_it(harness: Harness) -> None:
    member = harness.emu.create_user("민지", language_code="ko")
    chat = harness.emu.create_chat("private", user=member)
    harness.app.add_handler(CommandHandler("boom", broken))
    await harness.emu.send_text(chat["id"], member["id"], "/boom")
    apology = await harness.reply(chat["id"])
    assert "끝내지 못했어요" in text_of(apology)
    assert len(harness.app.bot_data.error_reports) == 0
