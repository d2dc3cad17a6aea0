"""A group that became a supergroup: Telegram moved it to a new chat id, and its album, people, ledger, settings
and weekly schedule follow (Services.move_chat, one transaction).

Telegram announces it twice — `migrate_to_chat_id` in the old chat, `migrate_from_chat_id` in the new one — in
either order, and a reply sent to the old id meanwhile fails with ChatMigrated (handlers.errors follows it too).
Each simply moves what is still filed under the old id, so any number of them, in any order, move it once.
"""

from __future__ import annotations

import logging

from telegram import Update
from telegram.ext import Application, MessageHandler, filters

from handlers.context import ChatContext

log = logging.getLogger(__name__)


async def on_migration(update: Update, context: ChatContext) -> None:
    message = update.effective_message
    if message is None:
        return
    if message.migrate_to_chat_id:
        await follow_migration(context, message.chat_id, message.migrate_to_chat_id)
    elif message.migrate_from_chat_id:
        await follow_migration(context, message.migrate_from_chat_id, message.chat_id)


async def follow_migration(context: ChatContext, old_chat_id: int, new_chat_id: int) -> None:
    move = await context.services.move_chat(old_chat_id, new_chat_id)
    if old_chat_id in context.application.chat_data:  # PTB's per-chat memory (pages on screen) follows once
        context.application.migrate_chat_data(old_chat_id=old_chat_id, new_chat_id=new_chat_id)
    if move.happened:
        moved = {table: rows for table, rows in move.moved.items() if rows}
        log.info("chat %s became supergroup %s: moved %s", old_chat_id, new_chat_id, moved)


def register(app: Application) -> None:
    app.add_handler(MessageHandler(filters.StatusUpdate.MIGRATE, on_migration))
