"""/share: whether the community gallery may take de-identified examples of poses from this chat's photos.

`/share` tells where the chat stands; `/share on` and `/share off` change it (group admins only). Off withdraws
every example already taken from the chat, files included.
"""

from __future__ import annotations

from telegram import Update
from telegram.ext import Application, CommandHandler

from handlers.common import is_chat_admin
from handlers.context import ChatContext
from handlers.i18n import format_day, t
from handlers.updates import chat_of, message_of

ON_WORDS = frozenset({"on", "yes", "켜기", "켜", "공유"})
OFF_WORDS = frozenset({"off", "no", "끄기", "꺼", "그만"})


async def share_command(update: Update, context: ChatContext) -> None:
    language = await context.language()
    chat_id = chat_of(update).id
    gallery = context.services.gallery
    word = " ".join(context.args or ()).strip().casefold()
    if not word:
        share = await gallery.sharing(chat_id)
        if share is None:
            await message_of(update).reply_text(t(language, "share.status_off"))
            return
        taken = sum((await gallery.example_counts(chat_id)).values())
        since = format_day(share.since.astimezone(context.settings.tz).date(), language)
        await message_of(update).reply_text(t(language, "share.status_on", n=taken, since=since))
        return
    if word not in ON_WORDS | OFF_WORDS:
        await message_of(update).reply_text(t(language, "share.usage"))
        return
    if not await is_chat_admin(update, context):
        await message_of(update).reply_text(t(language, "admins_only"))
        return
    if word in ON_WORDS:
        user = update.effective_user
        started = await gallery.share(chat_id, user.id if user else None)
        await message_of(update).reply_text(t(language, "share.on" if started else "share.already_on"))
        return
    if await gallery.sharing(chat_id) is None:
        await message_of(update).reply_text(t(language, "share.already_off"))
        return
    withdrawn = await gallery.unshare(chat_id)
    await message_of(update).reply_text(t(language, "share.off", n=withdrawn.examples))


def register(app: Application) -> None:
    app.add_handler(CommandHandler("share", share_command))
