"""/privacy explains what is kept where; /forget erases the chat's photos and face data after a confirm button."""

from __future__ import annotations

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import Application, CallbackQueryHandler, CommandHandler

from handlers.common import is_chat_admin
from handlers.context import ChatContext
from handlers.i18n import t
from handlers.updates import chat_of, message_of, query_of
from storage.privacy import forget_chat

FORGET_CALLBACK = "forget:"


async def privacy_command(update: Update, context: ChatContext) -> None:
    await message_of(update).reply_text(t(await context.language(), "privacy"))


async def forget_command(update: Update, context: ChatContext) -> None:
    language = await context.language()
    if not await is_chat_admin(update, context):
        await message_of(update).reply_text(t(language, "admins_only"))
        return
    photos = await context.services.albums.count(chat_of(update).id)
    keyboard = InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(t(language, "forget.yes"), callback_data=f"{FORGET_CALLBACK}yes"),
                InlineKeyboardButton(t(language, "forget.no"), callback_data=f"{FORGET_CALLBACK}no"),
            ]
        ]
    )
    await message_of(update).reply_text(t(language, "forget.confirm", photos=photos), reply_markup=keyboard)


async def forget_button(update: Update, context: ChatContext) -> None:
    query = query_of(update)
    language = await context.language()
    if not await is_chat_admin(update, context):
        await query.answer(t(language, "admins_only"), show_alert=True)
        return
    await query.answer()
    if query.data != f"{FORGET_CALLBACK}yes":
        await query.edit_message_text(t(language, "forget.cancelled"))
        return
    svc = context.services
    done = await forget_chat(svc.db, svc.albums.blobs, chat_of(update).id)
    await query.edit_message_text(
        t(language, "forget.done", photos=done.photos, faces=done.faces, people=done.people, files=done.files)
    )


def register(app: Application) -> None:
    app.add_handler(CommandHandler("privacy", privacy_command))
    app.add_handler(CommandHandler("forget", forget_command))
    app.add_handler(CallbackQueryHandler(forget_button, pattern=f"^{FORGET_CALLBACK}(yes|no)$", block=False))
