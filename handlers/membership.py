"""The bot's own membership: a chat that removes the bot is marked left, so no weekly post goes there any more."""

from __future__ import annotations

from telegram import Update
from telegram.constants import ChatMemberStatus
from telegram.ext import Application, ChatMemberHandler

from handlers.context import ChatContext

_GONE = (ChatMemberStatus.LEFT, ChatMemberStatus.BANNED)


async def bot_membership_changed(update: Update, context: ChatContext) -> None:
    change = update.my_chat_member
    if change is not None and change.new_chat_member.status in _GONE:
        # Coming back needs no handler: any update from the chat clears left_at (handlers.common.remember_update).
        await context.services.schedules.mark_left(change.chat.id)


def register(app: Application) -> None:
    app.add_handler(ChatMemberHandler(bot_membership_changed, ChatMemberHandler.MY_CHAT_MEMBER))
