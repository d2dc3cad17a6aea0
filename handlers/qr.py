"""Booth links, from a QR code in a photo or pasted as text: one status message edited through the stages."""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Awaitable, Callable

from telegram import Message, ReplyParameters, Update
from telegram.constants import ChatAction, ChatType
from telegram.error import BadRequest
from telegram.ext import Application, ContextTypes, MessageHandler, filters

from booths import Brand, find_urls
from bot.i18n import t
from handlers.common import language_of, services
from handlers.smiles import reply_with_smiles
from pipeline.booth_intake import BoothOutcome, Stage, file_booth_link

RATE_KEY = "booth_rate"
MAX_LINKS_PER_WINDOW = 8
WINDOW_S = 60.0


class ChatRateLimit:
    """At most `limit` booth downloads per chat per window: QR pages must never be crawled through us."""

    def __init__(self, limit: int = MAX_LINKS_PER_WINDOW, window_s: float = WINDOW_S) -> None:
        self.limit, self.window_s = limit, window_s
        self._events: dict[int, deque[float]] = {}

    def wait_seconds(self, chat_id: int, now: float | None = None) -> int:
        """0 and the slot is taken, else how long until the next slot frees up."""
        now = time.monotonic() if now is None else now
        events = self._events.setdefault(chat_id, deque())
        while events and now - events[0] >= self.window_s:
            events.popleft()
        if len(events) >= self.limit:
            return max(1, round(self.window_s - (now - events[0])))
        events.append(now)
        return 0


def brand_name(brand: Brand, language: str) -> str:
    return brand.name_ko if language == "ko" else brand.name_en


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


async def file_links(
    update: Update,
    context: ContextTypes.DEFAULT_TYPE,
    urls: list[str],
    *,
    fallback: Callable[[], Awaitable[str | None]] | None = None,
) -> list[BoothOutcome]:
    """Fetch each link's originals into the album, narrating in one status message per link.

    `fallback` stores the user's own photo when no link worked and returns a line to add (or None).
    """
    svc = services(context)
    message = update.effective_message
    language = await language_of(update, context)
    limiter: ChatRateLimit = context.bot_data.setdefault(RATE_KEY, ChatRateLimit())
    outcomes: list[BoothOutcome] = []
    status = StatusMessage(message)
    for index, url in enumerate(urls):
        status = StatusMessage(message)
        wait = limiter.wait_seconds(message.chat_id)
        if wait:
            await status.show(t(language, "qr.rate_limited", seconds=wait))
            break

        async def progress(stage: Stage, brand: Brand, status: StatusMessage = status) -> None:
            if stage is Stage.downloading:
                await context.bot.send_chat_action(message.chat_id, ChatAction.UPLOAD_PHOTO)
            await status.show(t(language, f"qr.{stage}", brand=brand_name(brand, language)))

        user = update.effective_user
        outcome = await file_booth_link(
            url=url,
            chat_id=message.chat_id,
            sender_id=user.id if user and not user.is_bot else None,
            albums=svc.albums,
            fetcher=svc.fetcher,
            cpu=svc.cpu,
            max_pixels=svc.settings.max_image_pixels,
            progress=progress,
        )
        outcomes.append(outcome)
        text = final_text(outcome, language)
        if fallback is not None and index == len(urls) - 1 and not any(item.ok for item in outcomes):
            # One final edit that says both what failed and what was kept, not two in a row.
            extra = await fallback()
            fallback = None
            text = f"{text}\n{extra}" if extra else text
        await status.show(text)
        await _send_videos(context, message, outcome, language)
        if outcome.created and outcome.photo is not None:

            async def add_line(line: str, status: StatusMessage = status) -> None:
                await status.show(f"{status.text}\n{line}")

            await reply_with_smiles(context, message, outcome.photo.id, language, add_to_status=add_line)
    if fallback is not None and not any(outcome.ok for outcome in outcomes):
        extra = await fallback()
        if extra:
            await status.show(f"{status.text}\n{extra}" if status.text else extra)
    return outcomes


def final_text(outcome: BoothOutcome, language: str) -> str:
    brand = brand_name(outcome.brand, language)
    if outcome.already_filed or (outcome.ok and not outcome.created):
        return t(language, "qr.already")
    if outcome.ok:
        videos = sum(saved.created for saved, _ in outcome.videos)
        if videos:
            return t(language, "qr.saved_video", brand=brand, videos=videos)
        return t(language, "qr.saved", brand=brand)
    error = outcome.error
    reason = (error.message_ko if language == "ko" else error.message_en) if error else ""
    return t(language, "qr.failed", brand=brand, reason=reason)


async def _send_videos(
    context: ContextTypes.DEFAULT_TYPE, message: Message, outcome: BoothOutcome, language: str
) -> None:
    for saved, data in outcome.videos:
        if not saved.created:
            continue
        await context.bot.send_chat_action(message.chat_id, ChatAction.UPLOAD_VIDEO)
        await context.bot.send_video(
            message.chat_id,
            data,
            caption=t(language, "qr.video_caption", brand=brand_name(outcome.brand, language)),
            supports_streaming=True,
        )


async def on_text(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    message = update.effective_message
    urls = find_urls(message.text or "")
    if urls:
        await file_links(update, context, urls)
    elif message.chat.type == ChatType.PRIVATE:
        await message.reply_text(t(await language_of(update, context), "qr.text_hint"))


def register(app: Application) -> None:
    app.add_handler(MessageHandler(filters.TEXT & ~filters.COMMAND, on_text, block=False))
