"""Photos and image documents sent to the bot: downloaded within the size limit, handed to the intake
(pipeline.intake), and answered once — one picture with the smiles, or one answer for a whole Telegram album."""

from __future__ import annotations

import asyncio
import logging

from telegram import Message, ReplyParameters, Update
from telegram.constants import ChatAction
from telegram.error import BadRequest
from telegram.ext import Application, MessageHandler, filters

from handlers.context import ChatContext, MediaGroupTally
from handlers.i18n import t
from handlers.qr import ChatReport
from handlers.smiles import reply_with_smiles, send_smiles_of_many
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
    language = await context.language()
    tally = _join_media_group(context, message, language)
    try:
        problem, result = await _take(update, context, message, file_id, declared_size, language)
    finally:
        if tally is not None:
            tally.pending -= 1
    if tally is not None:
        await _count_into_media_group(context, message, tally, problem, result)
        return
    if result is not None and result.had_links:  # the booth-link status messages told the rest
        if result.upload is not None and result.upload.created:
            await reply_with_smiles(context, message, result.analysis, language)
        return
    upload = result.upload if result is not None else None
    if problem is not None or upload is None:
        await message.reply_text(problem or t(language, "upload.duplicate"))
    elif not upload.created:
        await message.reply_text(t(language, "upload.duplicate"))
    else:
        # One answer: "saved" and the smiles together (the chat shows 'sending a photo…' meanwhile).
        header = t(language, "upload.saved", count=await context.services.albums.count(message.chat_id))
        await reply_with_smiles(context, message, result.analysis if result else None, language, header=header)


async def _take(
    update: Update, context: ChatContext, message: Message, file_id: str, declared_size: int | None, language: str
) -> tuple[str | None, IntakeResult | None]:
    """(a problem to tell, None) or (None, what the intake made of the file)."""
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
    result = await context.services.intake.take_file(incoming, ChatReport(context, message, language))
    if result.rejected is not None:
        return rejection_text(language, result.rejected), None
    return None, result


def _join_media_group(context: ChatContext, message: Message, language: str) -> MediaGroupTally | None:
    if not message.media_group_id:
        return None
    groups = context.bot_data.media_groups
    key = f"{message.chat_id}:{message.media_group_id}"
    tally = groups.get(key)
    if tally is None:
        tally = groups[key] = MediaGroupTally(message.chat_id, message.message_id, language)
    tally.pending += 1
    return tally


async def _count_into_media_group(
    context: ChatContext, message: Message, tally: MediaGroupTally, problem: str | None, result: IntakeResult | None
) -> None:
    """Debounced without a job: each finished item waits until the group has been quiet for `media_group_wait_s`;
    the item that sees the quiet (nothing pending, nothing finished since) answers for all of them."""
    if problem:
        tally.problems.append(problem)
    elif result is not None and not result.had_links and result.upload is not None:
        if result.upload.created:
            tally.saved += 1
            tally.analyses[message.message_id] = result.analysis
        else:
            tally.duplicates += 1
    elif result is not None and result.upload is not None and result.upload.created:
        await reply_with_smiles(context, message, result.analysis, tally.language)
    loop = asyncio.get_running_loop()
    wait = context.settings.media_group_wait_s
    tally.quiet_since = finished = loop.time()
    await asyncio.sleep(wait)
    key = f"{tally.chat_id}:{message.media_group_id}"
    if tally.pending > 0 or tally.quiet_since != finished or context.bot_data.media_groups.get(key) is not tally:
        return
    del context.bot_data.media_groups[key]
    await _answer_media_group(context, tally)


async def _answer_media_group(context: ChatContext, tally: MediaGroupTally) -> None:
    count = await context.services.albums.count(tally.chat_id)
    lines = []
    if tally.saved:
        lines.append(t(tally.language, "upload.saved_many", n=tally.saved, count=count))
    if tally.duplicates:
        lines.append(
            t(tally.language, "upload.duplicates_in_group", n=tally.duplicates)
            if tally.saved
            else t(tally.language, "upload.duplicate")
        )
    lines.extend(dict.fromkeys(tally.problems))
    header = "\n".join(lines)
    if not tally.analyses:
        if header:  # empty when every item was a booth link whose status message already said everything
            await context.bot.send_message(
                tally.chat_id,
                header,
                reply_parameters=ReplyParameters(tally.reply_to, allow_sending_without_reply=True),
            )
        return
    analyses = [tally.analyses[message_id] for message_id in sorted(tally.analyses)]
    await send_smiles_of_many(context, tally.chat_id, tally.reply_to, analyses, tally.language, header)


def register(app: Application) -> None:
    app.add_handler(MessageHandler(filters.PHOTO, on_photo, block=False))
    app.add_handler(MessageHandler(filters.Document.ALL, on_document, block=False))
