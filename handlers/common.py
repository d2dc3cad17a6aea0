"""Small pieces every handler module uses."""

from __future__ import annotations

from telegram import Update
from telegram.constants import ChatMemberStatus, ChatType
from telegram.ext import ContextTypes

from bot.i18n import normalise_language, t
from bot.services import Services

SERVICES_KEY = "services"


def services(context: ContextTypes.DEFAULT_TYPE) -> Services:
    return context.bot_data[SERVICES_KEY]


async def language_of(update: Update, context: ContextTypes.DEFAULT_TYPE) -> str:
    svc = services(context)
    user = update.effective_user
    chat = update.effective_chat
    chosen = await svc.albums.language(user_id=user.id if user else None, chat_id=chat.id if chat else None)
    return normalise_language(chosen, svc.settings.default_language)


async def text_for(update: Update, context: ContextTypes.DEFAULT_TYPE, key: str, **values: object) -> str:
    return t(await language_of(update, context), key, **values)


async def is_chat_admin(update: Update, context: ContextTypes.DEFAULT_TYPE) -> bool:
    """Private chats: always. Groups: Telegram's admins and the bot's configured admins."""
    chat, user = update.effective_chat, update.effective_user
    if chat is None or user is None:
        return False
    if chat.type == ChatType.PRIVATE or user.id in services(context).settings.admin_ids:
        return True
    member = await context.bot.get_chat_member(chat.id, user.id)
    return member.status in (ChatMemberStatus.ADMINISTRATOR, ChatMemberStatus.OWNER)


async def remember_update(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Group -1 middleware: keep chats, users and memberships current before any feature handler runs."""
    chat, user = update.effective_chat, update.effective_user
    if chat is None:
        return
    if user is not None and user.is_bot:
        user = None
    await services(context).albums.remember(
        chat_id=chat.id,
        chat_type=chat.type,
        chat_title=chat.title or chat.full_name,
        user_id=user.id if user else None,
        first_name=user.first_name if user else "",
        username=user.username if user else None,
        language_code=user.language_code if user else None,
    )
