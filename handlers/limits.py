"""Per-member and per-chat rate limits, checked before any feature sees an update: photos and files sent, and the
commands and buttons that draw pictures (each one occupies the pictures' worker for a moment, so one member pressing
fast must not keep everyone else waiting). Over a limit, the member is told, kindly, when to try again; booth links
have their own limit in the intake (pipeline.intake). A Telegram album arrives as one update per photo: it is
refused once, and its later photos silently with it. The limits count in this process, or with REDIS_URL in Redis
for every replica (pipeline.shared)."""

from __future__ import annotations

from telegram import Update
from telegram.ext import Application, ApplicationHandlerStop, TypeHandler

from handlers.context import ChatContext
from handlers.i18n import t

LIMITS_GROUP = -5  # after the chat and member are remembered (-10), before receipts (-2) and the features (0)
PICTURE_COMMANDS = frozenset({"rank", "album", "people", "myface"})
PICTURE_BUTTONS = ("album:", "pp:", "rank:", "me:", "digest:")


def _kind(update: Update) -> str | None:
    if update.callback_query is not None:
        return "pictures" if (update.callback_query.data or "").startswith(PICTURE_BUTTONS) else None
    message = update.message
    if message is None:
        return None
    if message.photo or message.document:
        return "uploads"
    words = (message.text or "").split()
    command = words[0][1:].split("@")[0].lower() if words and words[0].startswith("/") else ""
    return "pictures" if command in PICTURE_COMMANDS else None


async def check_limits(update: Update, context: ChatContext) -> None:
    kind, chat, user = _kind(update), update.effective_chat, update.effective_user
    if kind is None or chat is None or user is None:
        return
    limits = context.bot_data.limits
    message = update.message
    album = message.media_group_id if message is not None else None
    if album and await context.refused_albums.refused(chat.id, album):
        raise ApplicationHandlerStop
    if kind == "uploads":
        per_user, per_chat = limits.uploads, limits.chat_uploads
    else:
        per_user, per_chat = limits.pictures, limits.chat_pictures
    wait = max(await per_user.wait_seconds(user.id, count=False), await per_chat.wait_seconds(chat.id, count=False))
    if not wait:
        await per_user.wait_seconds(user.id)
        await per_chat.wait_seconds(chat.id)
        return
    if album:
        if not await context.refused_albums.refuse(chat.id, album):
            raise ApplicationHandlerStop  # another photo of the album was refused first, and said so
        kind = "album"
    text = t(await context.language(), f"limits.{kind}", seconds=wait)
    if update.callback_query is not None:
        await update.callback_query.answer(text, show_alert=True)
    elif message is not None:
        await message.reply_text(text)
    raise ApplicationHandlerStop


def register(app: Application) -> None:
    app.add_handler(TypeHandler(Update, check_limits), group=LIMITS_GROUP)
