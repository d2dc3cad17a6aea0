"""Photos and image documents sent to the bot: downloaded within the size limit, handed to the intake
(pipeline.intake), and answered once — one picture with the smiles, or one answer for a whole Telegram album
that numbers its photos; in a quiet chat, a reaction."""

from __future__ import annotations

import asyncio
import logging

from telegram import Message, ReplyParameters, Update
from telegram.constants import ChatAction
from telegram.error import BadRequest
from telegram.ext import Application, MessageHandler, filters

from handlers.album_answer import send_album_answer
from handlers.answers import StatusMessage, answer_photo, filed_anything, react, react_to_intake, reaction_for
from handlers.context import AlbumItem, ChatContext, MediaGroupTally
from handlers.i18n import t
from handlers.qr import ChatReport
from pipeline.intake import IncomingFile, IntakeResult
from vision.images import ImageRejected, RejectReason

log = logging.getLogger(__name__)


class UploadTooBig(Exception):
    def __init__(self, size: int) -> None:
        super().__init__(size)
        self.size = size


async def download_limited(context: ChatContext, file_id: str, declared_size: int | None) -> bytes:
    limit = context.settings.max_upload_bytes
    if declared_size and declared_size > limit:
        raise UploadTooBig(declared_size)
    try:
        telegram_file = await context.bot.get_file(file_id)
    except BadRequest as exc:
        if "too big" in exc.message.lower():
            raise UploadTooBig(declared_size or limit + 1) from exc
        raise
    if telegram_file.file_size and telegram_file.file_size > limit:
        raise UploadTooBig(telegram_file.file_size)
    data = bytes(await telegram_file.download_as_bytearray())
    if len(data) > limit:
        raise UploadTooBig(len(data))
    return data


def rejection_text(language: str, exc: ImageRejected) -> str:
    detail = str(exc).split(": ", 1)[-1]
    if exc.reason is RejectReason.too_many_pixels:
        return t(language, "upload.too_many_pixels", detail=detail)
    return t(language, f"upload.{exc.reason}")


def too_big_text(language: str, size: int, limit_mb: int) -> str:
    return t(language, "upload.too_big", size_mb=f"{size / 1024 / 1024:.1f}", limit_mb=limit_mb)


async def on_photo(update: Update, context: ChatContext) -> None:
    message = update.effective_message
    if message is not None and message.photo:
        largest = message.photo[-1]
        await _intake(update, context, message, largest.file_id, largest.file_size)


async def on_document(update: Update, context: ChatContext) -> None:
    message = update.effective_message
    if message is not None and message.document is not None:
        document = message.document
        await _intake(update, context, message, document.file_id, document.file_size)


async def _intake(
    update: Update, context: ChatContext, message: Message, file_id: str, declared_size: int | None
) -> None:
    try:
        await _answer_upload(update, context, message, file_id, declared_size)
    except asyncio.CancelledError:
        raise  # the bot is stopping mid-upload: the next start handles it again (handlers.inbox)
    except Exception:
        _handled(context, update)
        raise
    _handled(context, update)


def _handled(context: ChatContext, update: Update) -> None:
    if context.bot_data.inbox is not None:
        context.bot_data.inbox.done(update.update_id)


async def _answer_upload(
    update: Update, context: ChatContext, message: Message, file_id: str, declared_size: int | None
) -> None:
    language = await context.language()
    quiet = (await context.services.answers.plan(message.chat_id)).quiet
    report = ChatReport(context, message, language, quiet)
    tally = _join_media_group(context, message, language, quiet)
    try:
        problem, result = await _take(update, context, message, file_id, declared_size, language, report)
    finally:
        if tally is not None:
            tally.pending -= 1
    if tally is not None:
        await _count_into_media_group(context, message, tally, report, problem, result)
        return
    if problem is not None or result is None:
        await message.reply_text(problem or t(language, "upload.duplicate"))
    elif quiet:
        await react_to_intake(context.bot, message, result)
    elif result.had_links:  # each link's status message became its answer; a kept picture is answered in it
        if result.upload is not None and result.upload.created:
            await report.finish_upload(result.analysis)
    elif result.upload is None or not result.upload.created:
        await message.reply_text(t(language, "upload.duplicate"))
    else:
        # One answer: "saved" and the smiles together (the chat shows 'sending a photo…' meanwhile).
        header = t(language, "upload.saved", count=await context.services.albums.count(message.chat_id))
        await answer_photo(context, StatusMessage(message), result.analysis, language, header=header)


async def _take(
    update: Update,
    context: ChatContext,
    message: Message,
    file_id: str,
    declared_size: int | None,
    language: str,
    report: ChatReport,
) -> tuple[str | None, IntakeResult | None]:
    """(a problem to tell, None) or (None, what the intake made of the file)."""
    if not report.quiet:
        await context.bot.send_chat_action(message.chat_id, ChatAction.TYPING)
    try:
        data = await download_limited(context, file_id, declared_size)
    except UploadTooBig as exc:
        return too_big_text(language, exc.size, context.settings.max_upload_mb), None
    user = update.effective_user
    incoming = IncomingFile(
        chat_id=message.chat_id,
        sender_id=user.id if user and not user.is_bot else None,
        data=data,
        telegram_file_id=file_id if message.photo else None,
        media_group_id=message.media_group_id,
    )
    result = await context.services.intake.take_file(incoming, report)
    if result.rejected is not None:
        return rejection_text(language, result.rejected), None
    return None, result


def _join_media_group(context: ChatContext, message: Message, language: str, quiet: bool) -> MediaGroupTally | None:
    if not message.media_group_id:
        return None
    groups = context.bot_data.media_groups
    key = f"{message.chat_id}:{message.media_group_id}"
    tally = groups.get(key)
    if tally is None:
        sender = message.from_user.first_name if message.from_user else ""
        tally = groups[key] = MediaGroupTally(message.chat_id, language, sender, quiet)
    tally.pending += 1
    return tally


async def _count_into_media_group(
    context: ChatContext,
    message: Message,
    tally: MediaGroupTally,
    report: ChatReport,
    problem: str | None,
    result: IntakeResult | None,
) -> None:
    """Debounced without a job: each finished item waits until the group has been quiet for `media_group_wait_s`;
    the item that sees the quiet (nothing pending, nothing finished since) answers for all of them."""
    item = tally.items[message.message_id] = AlbumItem(problem=problem)
    if result is not None and result.had_links:
        item.own_answer, item.saved = True, filed_anything(result)
        if not tally.quiet and result.upload is not None and result.upload.created:
            await report.finish_upload(result.analysis)
    elif result is not None and result.upload is not None:
        item.saved, item.duplicate = result.upload.created, not result.upload.created
        item.analysis = result.analysis
    loop = asyncio.get_running_loop()
    wait = context.settings.media_group_wait_s
    tally.quiet_since = finished = loop.time()
    await asyncio.sleep(wait)
    key = f"{tally.chat_id}:{message.media_group_id}"
    if tally.pending > 0 or tally.quiet_since != finished or context.bot_data.media_groups.get(key) is not tally:
        return
    del context.bot_data.media_groups[key]
    if tally.quiet:
        await _answer_media_group_quietly(context, tally)
    else:
        await send_album_answer(context, tally)


async def _answer_media_group_quietly(context: ChatContext, tally: MediaGroupTally) -> None:
    """One reaction for the album (Telegram puts it on the album's first message) and words only for problems."""
    first = min(tally.items)
    items = tally.items.values()
    emoji = reaction_for(any(item.saved for item in items), any(item.duplicate for item in items))
    if emoji is not None:
        await react(context.bot, tally.chat_id, first, emoji)
    problems = list(dict.fromkeys(item.problem for item in items if item.problem))
    if problems:
        await context.bot.send_message(
            tally.chat_id,
            "\n".join(problems),
            reply_parameters=ReplyParameters(first, allow_sending_without_reply=True),
        )


def register(app: Application) -> None:
    app.add_handler(MessageHandler(filters.PHOTO, on_photo, block=False))
    app.add_handler(MessageHandler(filters.Document.ALL, on_document, block=False))
