"""The one error handler: log everything, tell the user something useful, never leak internals."""

from __future__ import annotations

import contextlib
import html
import logging

from telegram import Update
from telegram.error import Forbidden, NetworkError, RetryAfter, TelegramError, TimedOut
from telegram.ext import Application

from handlers.context import ChatContext
from handlers.i18n import t

log = logging.getLogger(__name__)


async def on_error(update: object, context: ChatContext) -> None:
    error = context.error
    if isinstance(error, Forbidden):
        log.info("Forbidden (bot removed or blocked): %s", error)
        return
    log.error("Error while handling an update", exc_info=error)
    if not isinstance(update, Update) or update.effective_chat is None:
        return
    language = "ko"
    with contextlib.suppress(Exception):
        language = await context.language()
    key = "error.busy" if isinstance(error, RetryAfter | TimedOut | NetworkError) else "error.generic"
    with contextlib.suppress(TelegramError):
        await context.bot.send_message(update.effective_chat.id, html.escape(t(language, key)))


def register(app: Application) -> None:
    app.add_error_handler(on_error)
