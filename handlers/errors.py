"""The one error handler: log everything, tell the user only what is known, tell the operators (ADMIN_IDS) in a
private message (rate-limited, handlers.error_reports), never leak internals or the token. A ChatMigrated error
(a group became a supergroup) is no failure: the chat's data follows it (handlers.migration)."""

from __future__ import annotations

import contextlib
import html
import logging

from telegram import Update
from telegram.error import BadRequest, ChatMigrated, Forbidden, NetworkError, RetryAfter, TelegramError, TimedOut
from telegram.ext import Application

from handlers.context import ChatContext
from handlers.error_reports import error_report, error_signature
from handlers.i18n import t
from handlers.migration import follow_migration
from pipeline.downloads import DownloadFailed
from pipeline.workers import WorkerCrashed

log = logging.getLogger(__name__)
# A button's message deleted meanwhile (another press turned the page), or pressed twice: nothing failed that a
# member could act on, so nobody is told.
BENIGN_BAD_REQUESTS = ("message to edit not found", "message to delete not found", "message is not modified")


def is_benign(error: object) -> bool:
    return isinstance(error, BadRequest) and any(text in error.message.lower() for text in BENIGN_BAD_REQUESTS)


async def on_error(update: object, context: ChatContext) -> None:
    error = context.error
    if isinstance(error, Forbidden):
        log.info("Forbidden (bot removed or blocked): %s", error)
        return
    if is_benign(error):
        log.info("a button's message changed meanwhile: %s", error)
        return
    chat = update.effective_chat if isinstance(update, Update) else None
    if isinstance(error, ChatMigrated) and chat is not None and chat.id != error.new_chat_id:
        log.info("chat %s became supergroup %s while handling an update", chat.id, error.new_chat_id)
        await follow_migration(context, chat.id, error.new_chat_id)
        return
    log.error("Error while handling an update", exc_info=error)
    # DownloadFailed: the member's file could not be fetched from Telegram (by a worker: pipeline.downloads)
    busy = isinstance(error, RetryAfter | TimedOut | NetworkError | DownloadFailed)
    crashed = isinstance(error, WorkerCrashed)
    if error is not None and not busy:
        await _tell_operators(context, error, update)
    if not isinstance(update, Update) or chat is None:
        return
    language = "ko"
    with contextlib.suppress(Exception):
        language = await context.language()
    with contextlib.suppress(TelegramError):
        await context.bot.send_message(chat.id, html.escape(t(language, _user_text_key(update, busy, crashed))))


def _user_text_key(update: Update, busy: bool, crashed: bool) -> str:
    """Only what is known: a file's handling may have failed before or after it was filed, so the user is pointed
    to /album rather than promised anything."""
    if busy:
        return "error.busy"
    if crashed:
        return "error.worker_crashed"
    message = update.effective_message
    if message is not None and (message.photo or message.document):
        return "error.file"
    return "error.generic"


async def _tell_operators(context: ChatContext, error: BaseException, update: object) -> None:
    try:
        settings = context.settings
    except RuntimeError:  # services not started: nobody to ask for the admins
        return
    if not settings.admin_ids:
        return
    held_back = await context.bot_data.error_reports.admitted(error_signature(error))
    if held_back is None:
        return
    secrets = [secret.get_secret_value() for secret in (settings.telegram_bot_token, settings.webhook_secret) if secret]
    report = error_report(error, update, held_back, secrets)
    for admin_id in settings.admin_ids:
        try:
            await context.bot.send_message(admin_id, report)
        except Exception as exc:  # an operator who never started the bot, Telegram down: log, never loop back here
            log.warning("could not send the error report to operator %s: %s", admin_id, exc)


def register(app: Application) -> None:
    app.add_error_handler(on_error)
