"""The bot's own membership: a hello once when it joins a group; a chat that removes the bot is marked left, so no
weekly post goes there any more."""

from __future__ import annotations

from telegram import ChatMemberUpdated, Update
from telegram.constants import ChatMemberStatus, ChatType
from telegram.error import TelegramError
from telegram.ext import Application, ChatMemberHandler

from handlers.context import ChatContext
from handlers.i18n import t
from handlers.privacy import where_photos_are

_GONE = (ChatMemberStatus.LEFT, ChatMemberStatus.BANNED)
_IN = (ChatMemberStatus.MEMBER, ChatMemberStatus.ADMINISTRATOR)


def _joined_group(change: ChatMemberUpdated) -> bool:
    """The bot was added to a group (not promoted, not re-confirmed): the one moment to say hello."""
    return (
        change.chat.type in (ChatType.GROUP, ChatType.SUPERGROUP)
        and change.old_chat_member.status in _GONE
        and change.new_chat_member.status in _IN
    )


async def bot_membership_changed(update: Update, context: ChatContext) -> None:
    change = update.my_chat_member
    if change is None:
        return
    if change.new_chat_member.status in _GONE:
        # Coming back needs no handler: any update from the chat clears left_at (handlers.common.remember_update).
        await context.services.schedules.mark_left(change.chat.id)
    elif _joined_group(change):
        await say_hello(change, context)


async def say_hello(change: ChatMemberUpdated, context: ChatContext) -> None:
    """What the bot does with faces, how a member opts out, and, when Telegram's privacy mode hides photos from
    it (not an admin, and the owner left privacy mode on), how to let it see them."""
    language = await context.language()
    lines = [t(language, "hello.group", storage=where_photos_are(language, context.services.settings))]
    sees_photos = (
        context.bot.can_read_all_group_messages or change.new_chat_member.status == ChatMemberStatus.ADMINISTRATOR
    )
    if not sees_photos:
        lines.append(t(language, "hello.privacy_mode"))
    try:
        await context.bot.send_message(change.chat.id, "\n\n".join(lines))
    except TelegramError:  # e.g. a group where members may not send messages: the bot still works, it just can't say so
        return


def register(app: Application) -> None:
    app.add_handler(ChatMemberHandler(bot_membership_changed, ChatMemberHandler.MY_CHAT_MEMBER))
