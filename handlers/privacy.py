"""/privacy explains what is kept where; /forget erases the chat's photos and face data after a confirm button."""

from __future__ import annotations

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import Application, CommandHandler

from handlers.callbacks import Action
from handlers.common import is_chat_admin
from handlers.context import ChatContext
from handlers.i18n import t
from handlers.updates import chat_of, message_of, query_of
from pipeline.settings import Settings
from storage.privacy import Holdings, chat_holdings, forget_chat

FORGET = Action("forget", "yes")
KEEP = Action("forget", "no")


async def privacy_command(update: Update, context: ChatContext) -> None:
    language = await context.language()
    svc = context.services
    opted_in = await svc.refinements.openai_on(chat_of(update).id)
    await message_of(update).reply_text(t(language, "privacy", leaves=leaves_text(svc.settings, opted_in, language)))


def leaves_text(settings: Settings, opted_in: bool, language: str) -> str:
    """What leaves the server for this chat: nothing without a key; nothing either until an admin opts in; with
    both, exactly what pipeline/openai_refine.py sends, and to whom."""
    if not settings.openai_configured:
        return t(language, "privacy.leaves_nothing")
    if not opted_in:
        return t(language, "privacy.leaves_not_opted", host=settings.openai_host)
    return t(
        language,
        "privacy.leaves_openai",
        host=settings.openai_host,
        model=settings.openai_model,
        side=settings.openai_max_side,
    )


async def forget_command(update: Update, context: ChatContext) -> None:
    language = await context.language()
    if not await is_chat_admin(update, context):
        await message_of(update).reply_text(t(language, "admins_only"))
        return
    held = await chat_holdings(context.services.db, chat_of(update).id)
    keyboard = InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(t(language, "forget.yes"), callback_data=FORGET.data()),
                InlineKeyboardButton(t(language, "forget.no"), callback_data=KEEP.data()),
            ]
        ]
    )
    await message_of(update).reply_text(
        t(language, "forget.confirm", what=holdings_text(held, language)), reply_markup=keyboard
    )


async def forget_button(update: Update, context: ChatContext) -> None:
    query = query_of(update)
    language = await context.language()
    if not await is_chat_admin(update, context):
        await query.answer(t(language, "admins_only"), show_alert=True)
        return
    await query.answer()
    if query.data != FORGET.data():
        await query.edit_message_text(t(language, "forget.cancelled"))
        return
    svc = context.services
    done = await forget_chat(svc.db, svc.albums.blobs, chat_of(update).id, svc.gallery)
    await query.edit_message_text(
        t(language, "forget.done", what=holdings_text(done, language), files=t(language, "count.files", n=done.files))
    )


def holdings_text(held: Holdings, language: str) -> str:
    """'16 photos, 1 video, 40 faces, 5 people': the same words before /forget asks and after it erased."""
    parts = [t(language, "count.photos", n=held.photos)]
    if held.videos:
        parts.append(t(language, "count.videos", n=held.videos))
    parts += [t(language, "count.faces", n=held.faces), t(language, "count.people", n=held.people)]
    return ", ".join(parts)


def register(app: Application) -> None:
    app.add_handler(CommandHandler("privacy", privacy_command))
    app.add_handler(CommandHandler("forget", forget_command))
    app.add_handler(FORGET.handler(forget_button))
    app.add_handler(KEEP.handler(forget_button))
