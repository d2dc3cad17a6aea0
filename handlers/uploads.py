"""Photos and image documents sent to the bot: handed to the intake (pipeline.intake, whose first task downloads
them within the size limit, handlers.telegram_files), and answered once — one picture with the smiles, or one answer
for a whole Telegram album that numbers its photos; in a quiet chat, a reaction."""

from __future__ import annotations

import asyncio
import logging

from telegram import Message, ReplyParameters, Update
from telegram.constants import ChatAction
from telegram.ext import Application, MessageHandler, filters

from handlers.album_answer import MediaGroupTally, answer_album, answer_owed_album, owed_album, tally_of
from handlers.answers import StatusMessage, answer_photo, filed_anything, react, react_to_intake, reaction_for
from handlers.context import ChatContext
from handlers.i18n import t
from handlers.qr import ChatReport
from handlers.replies import deliver, deliver_lapsed
from handlers.send_priority import bulk_requests
from pipeline.intake import IncomingFile, IntakeResult
from storage.media_groups import GroupHeader, GroupItem
from vision.images import ImageRejected, RejectReason

log = logging.getLogger(__name__)


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
        with bulk_requests():
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
    groups = context.services.shared.media_groups
    group = message.media_group_id
    chat_id, svc = message.chat_id, context.services
    if group and not quiet and await answer_owed_album(context.bot, svc, chat_id, group, message.message_id):
        return  # handled again after its album was taken: answered from the stored reply, now
    if group:
        sender = message.from_user.first_name if message.from_user else ""
        await groups.join(message.chat_id, group, GroupHeader(language, sender, quiet))
    try:
        problem, result = await _take(update, context, message, file_id, declared_size, language, report)
    except BaseException:
        if group:
            await groups.finish(message.chat_id, group, message.message_id, None)
        raise
    if group:
        await _count_into_media_group(context, message, group, quiet, report, problem, result)
        return
    if problem is not None or result is None:
        await message.reply_text(problem or t(language, "upload.duplicate"))
    elif quiet:
        await react_to_intake(context.bot, message, result)
    elif result.had_links:  # each link's status message became its answer; a kept picture is answered in it
        if result.upload is not None and result.upload.created:
            await report.finish_upload(result.analysis)
    elif report.handled_before:
        if report.owed is not None:  # taken over from the dead first handler: answered now, not after its lease
            await deliver_lapsed(context.bot, context.services, report.owed)
    elif result.upload is None or not result.upload.created:
        await message.reply_text(t(language, "upload.duplicate"))
    elif report.owed is not None:
        # One answer: "saved" and the smiles together (the chat shows 'sending a photo…' meanwhile), sent from its
        # stored reply (handlers.replies).
        await deliver(context.bot, context.services, report.owed, result.analysis)
    else:  # not owed as a stored reply (its key was taken by an erased photo's): answered the old way
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
    user = update.effective_user
    incoming = IncomingFile(
        chat_id=message.chat_id,
        sender_id=user.id if user and not user.is_bot else None,
        message_id=message.message_id,
        file_id=file_id,
        declared_size=declared_size,
        telegram_file_id=file_id if message.photo else None,
        media_group_id=message.media_group_id,
    )
    try:
        # downloaded within the size cap by the intake's first task (a worker's, or this process's without Redis)
        result = await context.services.intake.take_file(incoming, report)
    finally:
        await report.close()
    if result.too_big is not None:
        return too_big_text(language, result.too_big, context.settings.upload_limit_mb), None
    if result.rejected is not None:
        return rejection_text(language, result.rejected), None
    return None, result


async def _count_into_media_group(
    context: ChatContext,
    message: Message,
    group: str,
    quiet: bool,
    report: ChatReport,
    problem: str | None,
    result: IntakeResult | None,
) -> None:
    """Debounced without a job: each finished item waits until the album has been quiet for `media_group_wait_s`;
    the item that then finds nothing pending and nothing finished since takes the album and answers for all of
    them, on whichever replica it runs (storage.media_groups)."""
    item = GroupItem(problem=problem)
    if result is not None and result.had_links:
        item = GroupItem(own_answer=True, saved=filed_anything(result))
        if not quiet and result.upload is not None and result.upload.created:
            await report.finish_upload(result.analysis)
    elif result is not None and result.upload is not None:
        created = result.upload.created
        item = GroupItem(saved=created, duplicate=not created, photo_id=result.upload.photo_id if created else None)
    groups = context.services.shared.media_groups
    seq = await groups.finish(message.chat_id, group, message.message_id, item)
    await asyncio.sleep(context.settings.media_group_wait_s)
    taken = await groups.take(message.chat_id, group, seq)
    if taken is None:
        return
    if taken.header.quiet:
        await _answer_media_group_quietly(context, await tally_of(context.services, taken))
        return
    reply = owed_album(taken)  # the answer, owed from here on: a replica that dies before it is sent leaves it
    if await context.services.shared.replies.open(reply):
        await answer_album(context.bot, context.services, reply, taken)


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
