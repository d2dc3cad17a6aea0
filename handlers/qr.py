"""Booth links, from a QR code in a photo or pasted as text: one status message per link, edited through the
stages (found → downloading → saving → saved or failed), then the videos and the smiles of what was filed."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from telegram import Message, ReplyParameters, Update
from telegram.constants import ChatAction, ChatType
from telegram.error import BadRequest
from telegram.ext import Application, MessageHandler, filters

from booths import Brand, find_urls
from handlers.context import ChatContext
from handlers.i18n import booth_error_text, brand_name, t
from handlers.smiles import reply_with_smiles, showing_action
from pipeline.analysis import FiledAnalysis
from pipeline.booth_intake import BoothOutcome, Stage
from pipeline.intake import SavedUpload


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
        await self._status(index).show(t(self.language, f"qr.{stage}", brand=brand_name(brand.id, self.language)))

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
        for saved, data in outcome.videos:
            if not saved.created:
                continue
            await self.context.bot.send_chat_action(self.message.chat_id, ChatAction.UPLOAD_VIDEO)
            await self.context.bot.send_video(
                self.message.chat_id,
                data,
                caption=t(self.language, "qr.video_caption", brand=brand_name(outcome.brand.id, self.language)),
                supports_streaming=True,
            )


def kept_text(kept: SavedUpload, language: str) -> str:
    return t(language, "qr.kept_upload" if kept.created else "qr.kept_upload_duplicate")


def final_text(outcome: BoothOutcome, language: str) -> str:
    brand = brand_name(outcome.brand.id, language)
    if outcome.already_filed or (outcome.ok and not outcome.created):
        return t(language, "qr.already")
    if outcome.ok:
        videos = sum(saved.created for saved, _ in outcome.videos)
        if videos:
            return t(language, "qr.saved_video", brand=brand, n=videos)
        return t(language, "qr.saved", brand=brand)
    error = outcome.error
    reason = booth_error_text(error.code, language) if error else ""
    return t(language, "qr.failed", brand=brand, reason=reason)


async def on_text(update: Update, context: ChatContext) -> None:
    message = update.effective_message
    if message is None:
        return
    urls = find_urls(message.text or "")
    language = await context.language()
    if urls:
        user = update.effective_user
        sender = user.id if user and not user.is_bot else None
        await context.services.intake.take_links(message.chat_id, sender, urls, ChatReport(context, message, language))
    elif message.chat.type == ChatType.PRIVATE:
        await message.reply_text(t(language, "qr.text_hint"))


def register(app: Application) -> None:
    app.add_handler(MessageHandler(filters.TEXT & ~filters.COMMAND, on_text, block=False))
