"""A real python-telegram-bot Application against the emulator, over HTTP."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import (
    Application,
    ApplicationBuilder,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    filters,
)

from playground.emulator import BotApiEmulator
from tests.emulator.conftest import make_image


async def echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    assert update.effective_message is not None
    await update.effective_message.reply_text(f"echo: {update.effective_message.text}")


async def menu(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    keyboard = InlineKeyboardMarkup([[InlineKeyboardButton("Cheese", callback_data="pick:cheese")]])
    assert update.effective_message is not None
    await update.effective_message.reply_html("<b>Pick</b> one", reply_markup=keyboard)


async def picked(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    query = update.callback_query
    assert query is not None
    await query.answer("noted")
    await query.edit_message_text(f"you picked {query.data}")


async def photo_size(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    message = update.effective_message
    assert message is not None and message.photo
    telegram_file = await message.photo[-1].get_file()
    data = await telegram_file.download_as_bytearray()
    await message.reply_text(f"got {len(data)} bytes {message.photo[-1].width}x{message.photo[-1].height}")
    await message.reply_photo(bytes(data), caption="back to you")


@pytest.fixture
async def app(emu: BotApiEmulator) -> AsyncIterator[Application]:
    application = ApplicationBuilder().token(emu.token).base_url(emu.base_url).base_file_url(emu.base_file_url).build()
    application.add_handler(CommandHandler("menu", menu))
    application.add_handler(CallbackQueryHandler(picked, pattern=r"^pick:"))
    application.add_handler(MessageHandler(filters.PHOTO, photo_size))
    application.add_handler(MessageHandler(filters.TEXT & ~filters.COMMAND, echo))
    async with application:
        await application.start()
        assert application.updater is not None
        await application.updater.start_polling(poll_interval=0.0, timeout=1)
        yield application
        await application.updater.stop()
        await application.stop()


async def test_text_echo(emu: BotApiEmulator, app: Application) -> None:
    user = emu.create_user("Mina")
    chat = emu.create_chat("private", user=user)
    sent = await emu.send_text(chat["id"], user["id"], "hello bot")
    reply = await emu.wait_for_bot_message(chat["id"])
    assert reply.text == "echo: hello bot"
    assert reply.message_id == sent["message_id"] + 1
    await emu.wait_for(lambda: not emu.pending_updates)  # confirmed through the getUpdates offset
    assert app.bot.username == emu.bot_user["username"]


async def test_photo_download_and_resend(emu: BotApiEmulator, app: Application) -> None:
    user = emu.create_user("Jun")
    chat = emu.create_chat("private", user=user)
    sent = await emu.send_photo(chat["id"], user["id"], make_image(2000, 1000, fmt="PNG"))
    largest = sent["photo"][-1]
    assert (largest["width"], largest["height"]) == (1280, 640)
    reply = await emu.wait_for_bot_message(chat["id"])
    assert reply.text == f"got {len(emu.file_bytes(largest['file_id']))} bytes 1280x640"
    photo_back = await emu.wait_for_bot_message(chat["id"])
    assert photo_back.caption == "back to you"
    assert photo_back.photo[-1]["width"] == 1280
    assert emu.file_bytes(photo_back.file_id)[:2] == b"\xff\xd8"
    assert [name for name, _ in emu.calls if name in ("getFile", "sendPhoto")] == ["getFile", "sendPhoto"]


async def test_button_press_reaches_callback_handler(emu: BotApiEmulator, app: Application) -> None:
    user = emu.create_user("Seo")
    chat = emu.create_chat("private", user=user)
    await emu.send_text(chat["id"], user["id"], "/menu")
    menu_message = await emu.wait_for_bot_message(chat["id"])
    assert menu_message.text == "Pick one"
    assert menu_message.entities == [{"type": "bold", "offset": 0, "length": 4}]
    query_id = await emu.press_button(chat["id"], user["id"], menu_message.message_id, "pick:cheese")
    await emu.wait_for(lambda: emu.message(chat["id"], menu_message.message_id).edited)
    assert emu.message(chat["id"], menu_message.message_id).text == "you picked pick:cheese"
    assert emu.callback_answers[0]["callback_query_id"] == query_id
    assert emu.callback_answers[0]["text"] == "noted"
