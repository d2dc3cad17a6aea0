"""/start, /help and /lang."""

from __future__ import annotations

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import Application, CallbackQueryHandler, CommandHandler

from handlers.common import is_chat_admin
from handlers.context import ChatContext
from handlers.i18n import t
from handlers.privacy import where_photos_are
from handlers.updates import chat_of, message_of, query_of

LANG_CALLBACK = "lang:"


async def start(update: Update, context: ChatContext) -> None:
    await message_of(update).reply_text(t(await context.language(), "start"))


async def help_command(update: Update, context: ChatContext) -> None:
    language = await context.language()
    storage = where_photos_are(language, context.services.settings)
    await message_of(update).reply_text(t(language, "help", storage=storage))


def _language_keyboard() -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton("한국어", callback_data=f"{LANG_CALLBACK}ko"),
                InlineKeyboardButton("English", callback_data=f"{LANG_CALLBACK}en"),
            ]
        ]
    )


async def lang_command(update: Update, context: ChatContext) -> None:
    arg = (context.args or [""])[0].lower()
    if arg in ("ko", "en"):
        await _set_language(update, context, arg)
        return
    await message_of(update).reply_text(t(await context.language(), "lang.choose"), reply_markup=_language_keyboard())


async def lang_button(update: Update, context: ChatContext) -> None:
    query = query_of(update)
    language = (query.data or "").removeprefix(LANG_CALLBACK)
    if language not in ("ko", "en"):
        await query.answer()
        return
    if not await is_chat_admin(update, context):
        await query.answer(t(await context.language(), "lang.admins_only"), show_alert=True)
        return
    await _store_language(update, context, language)
    await query.answer()
    await query.edit_message_text(t(language, "lang.set"))


async def _set_language(update: Update, context: ChatContext, language: str) -> None:
    if not await is_chat_admin(update, context):
        await message_of(update).reply_text(t(await context.language(), "lang.admins_only"))
        return
    await _store_language(update, context, language)
    await message_of(update).reply_text(t(language, "lang.set"))


async def _store_language(update: Update, context: ChatContext, language: str) -> None:
    chat, user = chat_of(update), update.effective_user
    await context.services.albums.set_language(
        chat_id=chat.id, chat_type=chat.type, user_id=user.id if user else None, language=language
    )
    context.language_changed(language)


def register(app: Application) -> None:
    app.add_handler(CommandHandler("start", start))
    app.add_handler(CommandHandler("help", help_command))
    app.add_handler(CommandHandler("lang", lang_command))
    app.add_handler(CallbackQueryHandler(lang_button, pattern=f"^{LANG_CALLBACK}"))
