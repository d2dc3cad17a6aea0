"""Photos and image documents sent to the bot: checked, stored once, acknowledged."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from telegram import Message, ReplyParameters, Update
from telegram.constants import ChatAction
from telegram.error import BadRequest
from telegram.ext import Application, ContextTypes, MessageHandler, filters

from booths import find_urls
from bot.i18n import t
from handlers.common import language_of, services
from handlers.qr import file_links
from handlers.smiles import analyse, reply_with_smiles, send_smiles_of_many
from pipeline.analysis import FiledAnalysis
from pipeline.tasks import UploadScan, scan_upload
from storage.albums import NewMedia
from storage.models import PhotoSource
from vision.images import ImageRejected, RejectReason

log = logging.getLogger(__name__)

MEDIA_GROUPS_KEY = "media_groups"


@dataclass
class MediaGroupTally:
    """Items of one Telegram album (they arrive as separate updates): answered once, after the last."""

    chat_id: int
    reply_to: int
    language: str
    pending: int = 0
    saved: int = 0
    duplicates: int = 0
    problems: list[str] = field(default_factory=list)
    analyses: dict[int, FiledAnalysis | None] = field(default_factory=dict)  # message id → its photo's faces


class UploadTooBig(Exception):
    def __init__(self, size: int) -> None:
        super().__init__(size)
        self.size = size


async def download_limited(context: ContextTypes.DEFAULT_TYPE, file_id: str, declared_size: int | None) -> bytes:
    limit = services(context).settings.max_upload_bytes
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


def rejection_text(language: str, exc: ImageRejected, limit_mb: int) -> str:
    detail = str(exc).split(": ", 1)[-1]
    if exc.reason is RejectReason.too_many_pixels:
        return t(language, "upload.too_many_pixels", detail=detail)
    return t(language, f"upload.{exc.reason}")


def too_big_text(language: str, size: int, limit_mb: int) -> str:
    return t(language, "upload.too_big", size_mb=f"{size / 1024 / 1024:.1f}", limit_mb=limit_mb)


async def on_photo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    message = update.effective_message
    largest = message.photo[-1]
    await _intake(update, context, message, largest.file_id, largest.file_size)


async def on_document(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    message = update.effective_message
    document = message.document
    await _intake(update, context, message, document.file_id, document.file_size)


async def _intake(
    update: Update,
    context: ContextTypes.DEFAULT_TYPE,
    message: Message,
    file_id: str,
    declared_size: int | None,
) -> None:
    svc = services(context)
    language = await language_of(update, context)
    tally = _join_media_group(context, message, language)
    try:
        outcome = await _store(update, context, message, file_id, declared_size, language)
        if tally is not None and outcome.photo_id is not None:
            tally.analyses[message.message_id] = await analyse(context, message.chat_id, outcome.photo_id)
    finally:
        if tally is not None:
            tally.pending -= 1
    if tally is None:
        if outcome.narrated:
            return
        header = outcome.text(language, await svc.albums.count(message.chat_id))
        if outcome.photo_id is None:
            await message.reply_text(header)
        else:
            # One answer: "saved" and the smiles together (the chat shows 'sending a photo…' meanwhile).
            await reply_with_smiles(context, message, outcome.photo_id, language, header=header)
        return
    tally.saved += outcome.created
    tally.duplicates += outcome.duplicate
    if outcome.problem:
        tally.problems.append(outcome.problem)
    _schedule_media_group_reply(context, message.media_group_id, tally)


@dataclass(frozen=True)
class StoreOutcome:
    created: bool = False
    duplicate: bool = False
    problem: str | None = None
    narrated: bool = False  # a booth-link status message already told the user everything
    photo_id: int | None = None  # the photo filed just now (None: nothing new)

    def text(self, language: str, album_count: int) -> str:
        if self.problem:
            return self.problem
        if self.duplicate:
            return t(language, "upload.duplicate")
        return t(language, "upload.saved", count=album_count)


async def _store(
    update: Update,
    context: ContextTypes.DEFAULT_TYPE,
    message: Message,
    file_id: str,
    declared_size: int | None,
    language: str,
) -> StoreOutcome:
    svc = services(context)
    limit_mb = svc.settings.max_upload_mb
    await context.bot.send_chat_action(message.chat_id, ChatAction.TYPING)
    try:
        data = await download_limited(context, file_id, declared_size)
        scan: UploadScan = await svc.cpu.run(scan_upload, data, svc.settings.max_image_pixels)
    except UploadTooBig as exc:
        return StoreOutcome(problem=too_big_text(language, exc.size, limit_mb))
    except ImageRejected as exc:
        return StoreOutcome(problem=rejection_text(language, exc, limit_mb))

    async def save_upload() -> StoreOutcome:
        user = update.effective_user
        saved = await svc.albums.save(
            message.chat_id,
            NewMedia(
                data=data,
                mime=scan.info.mime,
                width=scan.info.width,
                height=scan.info.height,
                sender_id=user.id if user and not user.is_bot else None,
                source=PhotoSource.upload,
                telegram_file_id=file_id if message.photo else None,
                media_group_id=message.media_group_id,
            ),
        )
        return StoreOutcome(
            created=saved.created, duplicate=not saved.created, photo_id=saved.photo.id if saved.created else None
        )

    urls = find_urls("\n".join(scan.qr_texts), include_unknown=True)
    if not urls:
        return await save_upload()

    kept: list[StoreOutcome] = []

    async def keep_upload_instead() -> str:
        kept.append(await save_upload())
        return t(language, "qr.kept_upload" if kept[0].created else "qr.kept_upload_duplicate")

    await file_links(update, context, urls, fallback=keep_upload_instead)
    if kept and kept[0].photo_id is not None:
        await reply_with_smiles(context, message, kept[0].photo_id, language)
    return StoreOutcome(narrated=True)


def _join_media_group(context: ContextTypes.DEFAULT_TYPE, message: Message, language: str) -> MediaGroupTally | None:
    if not message.media_group_id:
        return None
    groups: dict[str, MediaGroupTally] = context.bot_data.setdefault(MEDIA_GROUPS_KEY, {})
    key = f"{message.chat_id}:{message.media_group_id}"
    tally = groups.get(key)
    if tally is None:
        tally = groups[key] = MediaGroupTally(message.chat_id, message.message_id, language)
    tally.pending += 1
    return tally


def _schedule_media_group_reply(
    context: ContextTypes.DEFAULT_TYPE, media_group_id: str, tally: MediaGroupTally
) -> None:
    """Debounced: each finished item pushes the reply back until the group has been quiet for a moment."""
    name = f"mediagroup:{tally.chat_id}:{media_group_id}"
    for job in context.job_queue.get_jobs_by_name(name):
        job.schedule_removal()
    wait = services(context).settings.media_group_wait_s
    context.job_queue.run_once(_answer_media_group, when=wait, name=name, data=name.split(":", 1)[1])


async def _answer_media_group(context: ContextTypes.DEFAULT_TYPE) -> None:
    key: str = context.job.data
    groups: dict[str, MediaGroupTally] = context.bot_data.get(MEDIA_GROUPS_KEY, {})
    tally = groups.get(key)
    if tally is None:
        return
    if tally.pending > 0:
        context.job_queue.run_once(
            _answer_media_group, when=services(context).settings.media_group_wait_s, name=context.job.name, data=key
        )
        return
    del groups[key]
    count = await services(context).albums.count(tally.chat_id)
    lines = []
    if tally.saved:
        lines.append(t(tally.language, "upload.saved_many", saved=tally.saved, count=count))
    if tally.duplicates:
        lines.append(
            t(tally.language, "upload.duplicates_in_group", n=tally.duplicates)
            if tally.saved
            else t(tally.language, "upload.duplicate")
        )
    lines.extend(dict.fromkeys(tally.problems))
    header = "\n".join(lines)
    if not tally.analyses:
        await context.bot.send_message(
            tally.chat_id, header, reply_parameters=ReplyParameters(tally.reply_to, allow_sending_without_reply=True)
        )
        return
    analyses = [tally.analyses[message_id] for message_id in sorted(tally.analyses)]
    await send_smiles_of_many(context, tally.chat_id, tally.reply_to, analyses, tally.language, header)


def register(app: Application) -> None:
    app.add_handler(MessageHandler(filters.PHOTO, on_photo, block=False))
    app.add_handler(MessageHandler(filters.Document.ALL, on_document, block=False))
