"""Small pieces every handler module uses."""

from __future__ import annotations

from telegram import Update
from telegram.constants import ChatMemberStatus, ChatType

from handlers.context import ChatContext


async def is_chat_admin(update: Update, context: ChatContext) -> bool:
    """Private chats: always. Groups: Telegram's admins and the bot's configured admins."""
    chat, user = update.effective_chat, update.effective_user
    if chat is None or user is None:
        return False
    if chat.type == ChatType.PRIVATE or user.id in context.settings.admin_ids:
        return True
    member = await context.bot.get_chat_member(chat.id, user.id)
    return member.status in (ChatMemberStatus.ADMINISTRATOR, ChatMemberStatus.OWNER)


async def remember_update(update: Update, context: ChatContext) -> None:
    """Group -1 middleware: keep chats, users and memberships current before any feature handler runs."""
    chat, user = update.effective_chat, update.effective_user
    if chat is None:
        return
    if update.message is not None and update.message.migrate_to_chat_id:
        return  # the last word of a group that became a supergroup: its data moves away (handlers.migration)
    if user is not None and user.is_bot:
        user = None
    await context.services.albums.remember(
        chat_id=chat.id,
        chat_type=chat.type,
        chat_title=chat.title or chat.full_name,
        user_id=user.id if user else None,
        first_name=user.first_name if user else "",
        username=user.username if user else None,
        language_code=user.language_code if user else None,
    )
