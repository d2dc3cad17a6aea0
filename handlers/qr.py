"""Booth links, from a QR code in a photo or pasted as text: one status message per link, edited through the
stages (found → downloading → saving → saved or failed), then the videos and the smiles of what was filed."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from telegram import LinkPreviewOptions, Message, ReplyParameters, Update
from telegram.constants import ChatAction, ChatType
from telegram.error import BadRequest
from telegram.ext import Application, MessageHandler, filters

from booths import UNKNOWN_BRAND, Brand, NotMedia, find_urls
from handlers.context import ChatContext
from handlers.i18n import booth_error_text, booth_text, t
from handlers.smiles import reply_with_smiles, showing_action
from pipeline.analysis import FiledAnalysis
from pipeline.booth_intake import BoothOutcome, Stage
from pipeline.intake import SavedUpload

# Telegram takes at most 50 MB (decimal: 50,000,000 bytes) in each file a bot uploads. Booth videos are fetched
# up to booths.fetch.VIDEO_CAP (50 MiB), so one can be kept in the album and still be too big to post here.
TELEGRAM_UPLOAD_LIMIT = 50_000_000


class StatusMessage:
    """One message that follows the work: sent once, then edited (identical edits are skipped)."""

    def __init__(self, reply_to: Message) -> None:
        self._reply_to = reply_to
        self._message: Message | None = None
        self.text = ""

    async def show(self, text: str) -> None:
        if text == self.text:
            return
        self.text = text
        if self._message is None:
            self._message = await self._reply_to.reply_text(
                text, reply_parameters=ReplyParameters(self._reply_to.message_id, allow_sending_without_reply=True)
            )
            return
        try:
            await self._message.edit_text(text)
        except BadRequest as exc:
            if "not modified" not in exc.message.lower():
                raise

    async def add_line(self, line: str) -> None:
        await self.show(f"{self.text}\n{line}" if self.text else line)


class ChatReport:
    """The intake's progress told in the chat (pipeline.intake.IntakeReport): a status message per booth link,
    its videos, and the smiles of each photo filed from it."""

    def __init__(self, context: ChatContext, message: Message, language: str) -> None:
        self.context, self.message, self.language = context, message, language
        self._statuses: dict[int, StatusMessage] = {}
        self._latest = StatusMessage(message)

    def _status(self, index: int) -> StatusMessage:
        if index not in self._statuses:
            self._statuses[index] = self._latest = StatusMessage(self.message)
        return self._statuses[index]

    async def link_stage(self, index: int, stage: Stage, brand: Brand) -> None:
        if stage is Stage.downloading:
            await self.context.bot.send_chat_action(self.message.chat_id, ChatAction.UPLOAD_PHOTO)
        await self._status(index).show(booth_text(self.language, f"qr.{stage}", brand.id))

    async def link_rate_limited(self, index: int, seconds: int) -> None:
        await self._status(index).show(t(self.language, "qr.rate_limited", seconds=seconds))

    async def link_filed(self, index: int, outcome: BoothOutcome, kept: SavedUpload | None) -> None:
        text = final_text(outcome, self.language)
        if kept is not None:  # one final edit that says both what failed and what was kept, not two in a row
            text = f"{text}\n{kept_text(kept, self.language)}"
        await self._status(index).show(text)
        await self._send_videos(outcome)

    async def link_analysed(self, index: int, analysis: FiledAnalysis | None) -> None:
        await reply_with_smiles(
            self.context, self.message, analysis, self.language, add_to_status=self._status(index).add_line
        )

    async def upload_kept(self, kept: SavedUpload) -> None:
        await self._latest.add_line(kept_text(kept, self.language))

    @asynccontextmanager
    async def analysing(self, chat_id: int) -> AsyncIterator[None]:
        async with showing_action(self.context, chat_id, ChatAction.UPLOAD_PHOTO):
            yield

    async def _send_videos(self, outcome: BoothOutcome) -> None:
        brand = outcome.brand.id
        for saved, data in outcome.videos:
            if not saved.created:
                continue
            if len(data) > TELEGRAM_UPLOAD_LIMIT:
                await self.context.bot.send_message(
                    self.message.chat_id,
                    video_too_big_text(brand, len(data), outcome.url, self.language),
                    link_preview_options=LinkPreviewOptions(is_disabled=True),
                )
                continue
            await self.context.bot.send_chat_action(self.message.chat_id, ChatAction.UPLOAD_VIDEO)
            await self.context.bot.send_video(
                self.message.chat_id,
                data,
                caption=booth_text(self.language, "qr.video_caption", brand),
                supports_streaming=True,
            )


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
        user = update.effective_user
        sender = user.id if user and not user.is_bot else None
        await context.services.intake.take_links(message.chat_id, sender, urls, ChatReport(context, message, language))
    elif private:
        await message.reply_text(t(language, "qr.text_hint"))


def _addressed_to_bot(message: Message, context: ChatContext) -> bool:
    replied = message.reply_to_message
    if replied is not None and replied.from_user is not None and replied.from_user.id == context.bot.id:
        return True
    return f"@{context.bot.username}".casefold() in (message.text or "").casefold()


def register(app: Application) -> None:
    app.add_handler(MessageHandler(filters.TEXT & ~filters.COMMAND, on_text, block=False))
