"""Booth links, from a QR code in a photo or pasted as text: one status message per link, edited through the
stages (found → downloading → saving → saved or failed), that becomes the strip's one answer (its annotated
picture with the smiles), then the strip's videos as replies to that answer."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from telegram import LinkPreviewOptions, Message, ReplyParameters, Update
from telegram.constants import ChatAction, ChatType
from telegram.ext import Application, MessageHandler, filters

from booths import UNKNOWN_BRAND, Brand, NotMedia, find_urls
from handlers.answers import StatusMessage, answer_photo, react_to_intake
from handlers.context import ChatContext
from handlers.i18n import booth_error_text, booth_text, t
from handlers.replies import PHOTO_ANSWER, owe_photo_answer
from handlers.send_priority import bulk_requests
from handlers.smiles import showing_action
from pipeline.analysis import FiledAnalysis
from pipeline.booth_intake import BoothOutcome, Stage
from pipeline.intake import LinkResult, SavedUpload
from storage.replies import OwedReply

# Telegram takes at most 50 MB (decimal: 50,000,000 bytes) in each file a bot uploads. Booth videos are fetched
# up to booths.fetch.VIDEO_CAP (50 MiB), so one can be kept in the album and still be too big to post here.
TELEGRAM_UPLOAD_LIMIT = 50_000_000


class ChatReport:
    """The intake's progress told in the chat (pipeline.intake.IntakeReport): a status message per booth link that
    becomes the strip's one answer (handlers.answers), then its videos as replies to that answer. In a quiet chat
    only what needs the member (a failed link, a rate limit) is said; the rest waits for the digest."""

    def __init__(self, context: ChatContext, message: Message, language: str, quiet: bool = False) -> None:
        self.context, self.message, self.language, self.quiet = context, message, language, quiet
        self._statuses: dict[int, StatusMessage] = {}
        self._latest = StatusMessage(message)
        self.owed: OwedReply | None = None  # the photo's answer, claimed by this process (photo_stored)
        # This very message was stored and owed its answer before: the update is handled again (its replica died);
        # the stored reply is the answer, sent by its owner or by the sweep (handlers.replies), so nothing is said.
        self.handled_before = False

    def _status(self, index: int) -> StatusMessage:
        if index not in self._statuses:
            self._statuses[index] = self._latest = StatusMessage(self.message)
        return self._statuses[index]

    async def link_stage(self, index: int, stage: Stage, brand: Brand) -> None:
        if self.quiet:
            return
        if stage is Stage.downloading:
            await self.context.bot.send_chat_action(self.message.chat_id, ChatAction.UPLOAD_PHOTO)
        await self._status(index).show(booth_text(self.language, f"qr.{stage}", brand.id))

    async def link_rate_limited(self, index: int, seconds: int) -> None:
        await self._status(index).show(t(self.language, "qr.rate_limited", seconds=seconds))

    async def link_filed(self, index: int, outcome: BoothOutcome, kept: SavedUpload | None) -> None:
        if self.quiet and outcome.ok:
            return
        text = final_text(outcome, self.language)
        if kept is not None:  # one final edit that says both what failed and what was kept, not two in a row
            text = f"{text}\n{kept_text(kept, self.language)}"
        await self._status(index).show(text)

    async def link_done(self, index: int, link: LinkResult) -> None:
        if self.quiet:
            return
        status = self._status(index)
        answer = status.message
        if link.analysis is not None or (link.outcome.created and link.outcome.ok):
            answer = await answer_photo(self.context, status, link.analysis, self.language)
        await self._send_videos(link, answer)

    async def upload_kept(self, kept: SavedUpload) -> None:
        await self._latest.add_line(kept_text(kept, self.language))

    async def photo_stored(self, upload: SavedUpload) -> None:
        """A picture without links, stored just now and answered on its own: its answer is owed from here on
        (handlers.replies), so a replica that dies before sending it leaves it to another."""
        if self.quiet or self.message.media_group_id:
            return
        services = self.context.services
        if not upload.created:
            owed = await services.shared.replies.answering(PHOTO_ANSWER, upload.photo_id)
            self.handled_before = owed == (self.message.chat_id, self.message.message_id)
            return
        header = t(self.language, "upload.saved", count=await services.albums.count(self.message.chat_id))
        self.owed = await owe_photo_answer(
            services, self.message.chat_id, upload.photo_id, self.message.message_id, self.language, header
        )

    async def finish_upload(self, analysis: FiledAnalysis | None) -> None:
        """The member's own picture, kept because its links failed: answered in the status that said so."""
        await answer_photo(self.context, self._latest, analysis, self.language)

    @asynccontextmanager
    async def analysing(self, chat_id: int) -> AsyncIterator[None]:
        if self.quiet:
            yield
            return
        async with showing_action(self.context, chat_id, ChatAction.UPLOAD_PHOTO):
            yield

    async def _send_videos(self, link: LinkResult, answer: Message | None) -> None:
        """Each new video as a reply to its strip's answer, its caption naming the strip."""
        outcome = link.outcome
        brand = outcome.brand.id
        reply = ReplyParameters(
            answer.message_id if answer else self.message.message_id, allow_sending_without_reply=True
        )
        for saved, data in outcome.videos:
            if not saved.created:
                continue
            if len(data) > TELEGRAM_UPLOAD_LIMIT:
                await self.context.bot.send_message(
                    self.message.chat_id,
                    video_too_big_text(brand, len(data), outcome.url, self.language),
                    link_preview_options=LinkPreviewOptions(is_disabled=True),
                    reply_parameters=reply,
                )
                continue
            await self.context.bot.send_chat_action(self.message.chat_id, ChatAction.UPLOAD_VIDEO)
            await self.context.bot.send_video(
                self.message.chat_id,
                data,
                caption=video_caption(self.message, brand, link.analysis, self.language),
                supports_streaming=True,
                reply_parameters=reply,
            )


def video_caption(message: Message, brand_id: str, analysis: FiledAnalysis | None, language: str) -> str:
    """Which strip a making-of video belongs to: whose, from which booth, and its points when it has faces."""
    sender = message.from_user.first_name if message.from_user else ""
    if analysis is not None and analysis.faces:
        return booth_text(language, "qr.video_of_strip_points", brand_id, sender=sender, points=analysis.points)
    return booth_text(language, "qr.video_of_strip", brand_id, sender=sender)


def video_too_big_text(brand_id: str, size: int, url: str, language: str) -> str:
    """Why a booth video stays out of the chat, and where to get it instead."""
    size_mb = f"{size / 1_000_000:.1f}"
    limit_mb = TELEGRAM_UPLOAD_LIMIT // 1_000_000
    return booth_text(language, "qr.video_too_big", brand_id, size_mb=size_mb, limit_mb=limit_mb, url=url)


def kept_text(kept: SavedUpload, language: str) -> str:
    return t(language, "qr.kept_upload" if kept.created else "qr.kept_upload_duplicate")


def final_text(outcome: BoothOutcome, language: str) -> str:
    brand = outcome.brand.id
    if outcome.already_filed or (outcome.ok and not outcome.created):
        return t(language, "qr.already")
    if outcome.ok:
        videos = sum(saved.created for saved, _ in outcome.videos)
        if videos:
            return booth_text(language, "qr.saved_video", brand, n=videos)
        return booth_text(language, "qr.saved", brand)
    error = outcome.error
    if brand == UNKNOWN_BRAND.id and isinstance(error, NotMedia):  # any web page: say plainly it had no photo
        return t(language, "qr.no_photo_on_page")
    reason = booth_error_text(error.code, language) if error else ""
    return booth_text(language, "qr.failed", brand, reason=reason)


async def on_text(update: Update, context: ChatContext) -> None:
    """Links in a text. Known booth hosts anywhere; any other http(s) link in a private chat, or in a group when the
    message speaks to the bot (mentions or answers it), so a news link shared among friends is not fetched."""
    message = update.effective_message
    if message is None:
        return
    private = message.chat.type == ChatType.PRIVATE
    urls = find_urls(message.text or "", include_unknown=private or _addressed_to_bot(message, context))
    language = await context.language()
    if urls:
        with bulk_requests():  # a booth page's fetching and status messages, as a photo's (handlers.send_priority)
            await _take_links(update, context, message, urls, language)
    elif private:
        await message.reply_text(t(language, "qr.text_hint"))


async def _take_links(update: Update, context: ChatContext, message: Message, urls: list[str], language: str) -> None:
    user = update.effective_user
    sender = user.id if user and not user.is_bot else None
    quiet = (await context.services.answers.plan(message.chat_id)).quiet
    report = ChatReport(context, message, language, quiet)
    result = await context.services.intake.take_links(message.chat_id, sender, urls, report)
    if quiet:
        await react_to_intake(context.bot, message, result)


def _addressed_to_bot(message: Message, context: ChatContext) -> bool:
    replied = message.reply_to_message
    if replied is not None and replied.from_user is not None and replied.from_user.id == context.bot.id:
        return True
    return f"@{context.bot.username}".casefold() in (message.text or "").casefold()


def register(app: Application) -> None:
    app.add_handler(MessageHandler(filters.TEXT & ~filters.COMMAND, on_text, block=False))
