"""Booth links, from a QR code in a photo or pasted as text: one status message per link, edited through the
stages (found → downloading → saved or failed), that becomes the strip's one answer (its annotated picture with the
smiles), then the strip's videos as replies to that answer.

Each link's answer is a stored reply (storage.replies, kind `link`, keyed by the member's message and the link's
place in it): owed before the work starts, claimed → sent → finished. A replica that dies mid-fetch leaves a claim
that lapses; another replica's sweep (scheduler.replies) takes it over once and produces the answer from the row
(`deliver_lapsed_link`: the link filed again — a no-op when the dead replica's task already did —, analysed, and
answered, editing or deleting the dead replica's status message rather than adding one). The same message handled
again (its replica died; handlers.updates' takeover) finds the answer owed: unless it was sent, it takes it over and
answers it at once (in the dead replica's status message); either way it then sends the strip's videos the dead
replica owed and had not begun to upload, rather than leaving them to the sweep.

When every link failed and the member's own picture was kept instead, the last link's answer is the kept picture's
(its id and the status text noted in the link's row in the very transaction that stores it, before the status says
so), so a taker answers it from the row; a picture kept after a rate limit stopped the links is owed the same way (its
row opened in that transaction), as the stopped link's answer.
The strip's videos are stored replies of their own (kind `video`, keyed by the video), owed before the strip's answer
is marked sent and each marked sent just before its upload: a replica that dies between the answer and a video
leaves that video to the sweep (or to the message handled again); one that dies inside a video's upload loses that
video, never doubles it.
An answer made here whose send may have been carried out although its answer was lost (a timeout) is taken as given
(handlers.replies.answering): marked sent, never posted again by the sweep, and the handling goes on.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from functools import partial

from sqlmodel.ext.asyncio.session import AsyncSession
from telegram import Bot, LinkPreviewOptions, Message, ReplyParameters, Update
from telegram.constants import ChatAction, ChatType
from telegram.error import BadRequest, TelegramError
from telegram.ext import Application, MessageHandler, filters

from booths import UNKNOWN_BRAND, Brand, NotMedia, find_urls
from handlers.answers import StatusMessage, answer_photo, joined, react_to_intake
from handlers.captions import shortened
from handlers.context import ChatContext
from handlers.i18n import booth_error_text, booth_text, t
from handlers.poses import pose_lines
from handlers.replies import PHOTO_ANSWER, answering, keyed_subject, owe_photo_answer, sending_reply
from handlers.send_priority import bulk_requests
from handlers.smiles import outcome_line, picture_of, points_line, showing_action
from pipeline.analysis import FiledAnalysis
from pipeline.booth_intake import BoothOutcome, Stage
from pipeline.intake import LinkResult, SavedUpload
from pipeline.services import Services
from storage.albums import Along
from storage.replies import OwedReply, ReplyStore

LINK_ANSWER = "link"
VIDEO_ANSWER = "video"

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
        # A group's statuses settle before they are shown (handlers.answers.StatusMessage): its 20 messages a minute.
        group = message.chat.type != ChatType.PRIVATE
        self._settle_s = context.settings.group_status_settle_s if group else 0.0
        self._latest = StatusMessage(message, settle_s=self._settle_s)
        self._links: dict[int, OwedReply] = {}  # each link's answer, owed by this process (link_owed)
        self._holding = contextlib.AsyncExitStack()  # their claims, renewed until answered (close)
        # The photo's answer, claimed by this process (photo_stored): owed just now, or taken over from this
        # message's first handler when the update is handled again (its replica died) and the answer was not sent.
        self.owed: OwedReply | None = None
        # This very message was stored and owed its answer before: the update is handled again.
        self.handled_before = False
        self.kept_answered = False  # the kept picture was answered as its last link's answer (link_done)
        self._kept: dict[int, SavedUpload] = {}  # the member's picture, kept in place of a failed link (link_filed)
        self._kept_before: dict[int, int] = {}  # ... as this message's first handler kept it (a taken-over answer)
        self._stopped: int | None = None  # the link a rate limit stopped at (link_rate_limited)
        self._kept_reply: OwedReply | None = None  # the picture kept after that, owed by this process (upload_kept)
        self._again: dict[int, str] = {}  # the links whose answers this message's first handler owed: their URLs

    def _status(self, index: int, shown: int | None = None) -> StatusMessage:
        if index not in self._statuses or shown is not None:
            status = StatusMessage(self.message, shown, settle_s=self._settle_s, on_shown=partial(self._shown, index))
            self._statuses[index] = self._latest = status
        return self._statuses[index]

    async def _shown(self, index: int, status: Message) -> None:
        """A link's status is in the chat: its id noted with the owed answer, so a taker edits or deletes it."""
        owed = self._links.get(index)
        if owed is not None:
            await self.context.services.shared.replies.note_status(owed, status.message_id)

    async def link_owed(self, index: int, url: str, known: bool) -> bool | None:
        """Owe the link's answer (not in a quiet chat: a reaction is its answer); None when it was given already."""
        if self.quiet:
            return known
        sender = self.message.from_user
        payload = {
            "url": url,
            "known": known,
            "sender_id": sender.id if sender and not sender.is_bot else None,
            "sender_name": sender.first_name if sender else "",
        }
        chat_id, message_id = self.message.chat_id, self.message.message_id
        reply = OwedReply(
            LINK_ANSWER,
            keyed_subject(chat_id, message_id, index),
            chat_id,
            message_id,
            self.language,
            payload=json.dumps(payload),
        )
        store = self.context.services.shared.replies
        if not await store.open(reply):
            # This message is handled again: its first handler is gone. Its answer, unless sent, is this process's
            # now, and its status message (when it showed one) goes on being edited rather than sent twice.
            self._again[index] = url
            taken = await store.take_over(reply)
            if taken is None:
                self.handled_before = True
                await self._videos_owed_before(index)  # the answer was sent: its videos may not have been
                await store.finish(reply)  # nor its row closed
                return None
            first = json.loads(taken.payload)
            reply, known = taken, bool(first.get("known"))  # as its first handler found it
            if first.get("kept") is not None:
                self._kept_before[index] = int(first["kept"])
            if taken.status_id is not None:
                self._status(index, shown=taken.status_id)
        self._links[index] = reply
        await self._holding.enter_async_context(store.holding(reply))
        return known

    async def close(self) -> None:
        """Stop renewing the links' claims: answered ones are finished; one left unanswered (an error, a shutdown)
        lapses and another replica's sweep answers it."""
        await self._holding.aclose()

    async def link_stage(self, index: int, stage: Stage, brand: Brand) -> None:
        if self.quiet:
            return
        if stage is Stage.downloading:
            await self.context.bot.send_chat_action(self.message.chat_id, ChatAction.UPLOAD_PHOTO)
        await self._show(index, booth_text(self.language, f"qr.{stage}", brand.id))

    async def _show(self, index: int, text: str) -> None:
        await self._status(index).show(text)

    async def link_rate_limited(self, index: int, seconds: int) -> None:
        self._stopped = index
        await self._status(index).show(t(self.language, "qr.rate_limited", seconds=seconds), now=True)

    def keeping(self, index: int | None, outcome: BoothOutcome | None) -> Along | None:
        """The member's picture about to be kept: its answer is owed in the transaction that stores it — noted in
        the failed last link's row, or (after a rate limit) as the stopped link's own row, in the rate limit's
        status message — so a taker always finds it (the sweep answers it from the row)."""
        if self.quiet:
            return None
        store = self.context.services.shared.replies
        if outcome is not None and index is not None:
            owed = self._links.get(index)
            if owed is None:
                return None
            text = self._kept_said(final_text(outcome, self.language), True)

            async def note(session: AsyncSession, photo_id: int) -> None:
                noted = {**json.loads(owed.payload), "kept": photo_id, "kept_text": text}
                await store.note_payload(owed, json.dumps(noted), session)

            return note
        status = self._latest.message
        if self._stopped is None or status is None:
            return None
        chat_id, message_id = self.message.chat_id, self.message.message_id
        subject = keyed_subject(chat_id, message_id, self._stopped)
        said = joined(self._latest.text, kept_text(True, self.language))

        async def owe(session: AsyncSession, photo_id: int) -> None:
            payload = json.dumps({"kept": photo_id, "kept_text": said})
            reply = OwedReply(
                LINK_ANSWER, subject, chat_id, message_id, self.language, payload=payload, status_id=status.message_id
            )
            if await store.open(reply, session):
                self._kept_reply = reply

        return owe

    def _kept_said(self, failed: str, created: bool) -> str:
        """One final edit that says both what failed and what was kept, not two in a row."""
        return f"{failed}\n{kept_text(created, self.language)}"

    async def link_filed(self, index: int, outcome: BoothOutcome, kept: SavedUpload | None) -> None:
        if self.quiet and outcome.ok:
            return
        text = final_text(outcome, self.language)
        if kept is not None:  # its answer, when it is new, was noted in the link's row as it was stored (keeping)
            if self._kept_before.get(index) == kept.photo_id:  # stored by this message's first handler, not before
                kept = SavedUpload(kept.photo_id, created=True)
            text = self._kept_said(text, kept.created)
            self._kept[index] = kept
        await self._show(index, text)

    async def link_done(self, index: int, link: LinkResult) -> None:
        if self.quiet:
            return
        owed = self._links.get(index)
        store = self.context.services.shared.replies
        if owed is not None and not await store.renew(owed):
            return  # lapsed while the work ran, and taken over: the answer is another replica's now
        status = self._status(index)
        kept = self._kept.get(index)
        answer: Message | None = None  # stays None when it may be in the chat: its videos answer the member's message
        async with answering(store, owed) as sending:
            if link.analysis is not None or (link.outcome.created and link.outcome.ok):
                answer = await answer_photo(self.context, status, link.analysis, self.language)
            elif kept is not None and kept.created:
                self.kept_answered = True  # before its send: one that may be in the chat is not answered again
                answer = await answer_photo(self.context, status, link.kept_analysis, self.language)
            else:  # the status itself is the answer (a failed link, a strip filed before)
                answer = await status.settled()
        videos = owed_videos(Member.of(self.message), link, answer.message_id if answer else None, self.language)
        held = await open_videos(store, videos)  # owed before the answer is sent: a death after it leaves them owed
        if owed is not None:
            if answer is not None:
                await store.sent(owed, answer.message_id)
            elif not sending.lost:  # nothing shown (cannot happen outside a quiet chat): nothing for a taker to send
                await store.give_up(owed)
        await send_videos(self.context.bot, store, held)
        if owed is not None:
            await store.finish(owed)
        await self._videos_owed_before(index)

    async def _videos_owed_before(self, index: int) -> None:
        """The strip's videos this message's first handler owed and did not send (it died), when the message is
        handled again: taken over and sent now, not after their lease. One it had begun to upload is not owed any
        more (marked sent before the upload): never sent twice."""
        url = self._again.get(index)
        if url is None:
            return
        svc = self.context.services
        store = svc.shared.replies
        for video in await store.unsent(VIDEO_ANSWER, self.message.chat_id, self.message.message_id):
            if json.loads(video.payload).get("url") == url and (taken := await store.take_over(video)) is not None:
                await deliver_lapsed_video(self.context.bot, svc, taken)

    async def upload_kept(self, kept: SavedUpload) -> None:
        """The picture kept after a rate limit stopped the links: its answer was owed as it was stored (keeping: as
        the stopped link's, in the rate limit's status message), before the status says it was kept; this message
        handled again leaves it to the sweep."""
        if self._kept_reply is not None:
            await self._holding.enter_async_context(self.context.services.shared.replies.holding(self._kept_reply))
        await self._latest.show(joined(self._latest.text, kept_text(kept.created, self.language)))

    async def photo_stored(self, upload: SavedUpload) -> None:
        """A picture without links, stored just now and answered on its own: its answer is owed from here on
        (handlers.replies), so a replica that dies before sending it leaves it to another."""
        if self.quiet or self.message.media_group_id:
            return
        services = self.context.services
        chat_id, message_id = self.message.chat_id, self.message.message_id
        if not upload.created:
            store = services.shared.replies
            owed = await store.find(PHOTO_ANSWER, upload.photo_id)
            self.handled_before = owed is not None and (owed.chat_id, owed.reply_to) == (chat_id, message_id)
            if owed is not None and self.handled_before:  # its first handler is gone: the answer, unless sent, is
                self.owed = await store.take_over(owed)  # this process's now
            return
        header = t(self.language, "upload.saved", count=await services.albums.count(self.message.chat_id))
        self.owed = await owe_photo_answer(services, chat_id, upload.photo_id, message_id, self.language, header)

    async def finish_upload(self, analysis: FiledAnalysis | None) -> None:
        """The member's own picture, kept because its links failed or were rate limited: answered in the status that
        said so (unless the last link's answer was the kept picture's already)."""
        if self.kept_answered:
            return
        owed, store = self._kept_reply, self.context.services.shared.replies
        if owed is not None and not await store.renew(owed):
            return  # lapsed while the analysis ran, and taken over: the answer is another replica's now
        answer: Message | None = None  # stays None when it may be in the chat (marked sent by `answering`)
        async with answering(store, owed):
            answer = await answer_photo(self.context, self._latest, analysis, self.language)
        if owed is not None:
            if answer is not None:
                await store.sent(owed, answer.message_id)
            await store.finish(owed)  # a no-op unless sent

    @asynccontextmanager
    async def analysing(self, chat_id: int) -> AsyncIterator[None]:
        if self.quiet:
            yield
            return
        async with showing_action(self.context, chat_id, ChatAction.UPLOAD_PHOTO):
            yield


@dataclass(frozen=True)
class Member:
    """Whom a link's answers go to: the member's message, and the name its videos' captions give."""

    chat_id: int
    message_id: int
    name: str

    @classmethod
    def of(cls, message: Message) -> Member:
        return cls(message.chat_id, message.message_id, message.from_user.first_name if message.from_user else "")

    @classmethod
    def owed(cls, reply: OwedReply) -> Member:
        """As a link's stored reply (link_owed) remembers them."""
        return cls(reply.chat_id, reply.reply_to, str(json.loads(reply.payload).get("sender_name") or ""))


def owed_videos(
    member: Member, link: LinkResult, answer_id: int | None, language: str
) -> list[tuple[OwedReply, bytes]]:
    """Each new video of a link as a stored reply (kind `video`, keyed by the video) to its strip's answer, its
    caption naming the strip, with its bytes."""
    outcome = link.outcome
    caption = video_caption(member.name, outcome.brand.id, link.analysis, language)
    owed = []
    for saved, data in outcome.videos:
        if not saved.created or saved.photo.id is None:
            continue
        payload = {"answer_id": answer_id, "url": outcome.url, "brand": outcome.brand.id}
        reply = OwedReply(
            VIDEO_ANSWER, saved.photo.id, member.chat_id, member.message_id, language, caption, json.dumps(payload)
        )
        owed.append((reply, data))
    return owed


async def open_videos(store: ReplyStore, videos: list[tuple[OwedReply, bytes]]) -> list[tuple[OwedReply, bytes]]:
    """The videos owed from here on by this process; one owed already (by a replica that died after owing it) is
    left to the sweep."""
    return [(reply, data) for reply, data in videos if await store.open(reply)]


async def send_videos(bot: Bot, store: ReplyStore, videos: list[tuple[OwedReply, bytes]]) -> None:
    """Each owed video as a reply to its strip's answer (one too big for Telegram explained instead), in order;
    the ones still waiting keep their claims while an earlier one uploads."""
    async with contextlib.AsyncExitStack() as holding:
        for reply, _ in videos:
            await holding.enter_async_context(store.holding(reply))
        for reply, data in videos:
            await send_video(bot, store, reply, data)


async def send_video(bot: Bot, store: ReplyStore, reply: OwedReply, data: bytes) -> int | None:
    """One video this process holds, marked sent before its upload (never uploaded twice); None when it is not
    this process's any more."""
    if not await store.sending(reply):
        return None
    owed = json.loads(reply.payload)
    answering = ReplyParameters(owed.get("answer_id") or reply.reply_to, allow_sending_without_reply=True)
    if len(data) > TELEGRAM_UPLOAD_LIMIT:
        message = await bot.send_message(
            reply.chat_id,
            video_too_big_text(owed["brand"], len(data), owed["url"], reply.language),
            link_preview_options=LinkPreviewOptions(is_disabled=True),
            reply_parameters=answering,
        )
    else:
        await bot.send_chat_action(reply.chat_id, ChatAction.UPLOAD_VIDEO)
        message = await bot.send_video(
            reply.chat_id, data, caption=reply.header, supports_streaming=True, reply_parameters=answering
        )
    await store.finish(reply)
    return message.message_id


async def deliver_lapsed_video(bot: Bot, svc: Services, reply: OwedReply) -> int | None:
    """A strip's video whose replica died after owing it (before its upload began), sent by this one."""
    video = await svc.albums.get(reply.subject)
    if video is None:  # erased meanwhile (/forget)
        await svc.shared.replies.give_up(reply)
        return None
    return await send_video(bot, svc.shared.replies, reply, await svc.albums.load(video))


async def deliver_lapsed_link(bot: Bot, svc: Services, reply: OwedReply) -> int | None:
    """A link's answer whose replica died, taken over by this one: the link filed (again: a no-op for what the dead
    replica's task filed), its photo analysed, the answer sent in place of the dead replica's status message. When
    the dead replica had kept the member's picture in place of the failed link, that picture's analysis is the
    answer (the link is not fetched again)."""
    store = svc.shared.replies
    owed = json.loads(reply.payload)
    language = reply.language
    async with store.holding(reply):
        if owed.get("kept") is not None:
            outcome, text = None, str(owed["kept_text"])
            filed = await svc.analyser.analyse_and_file(int(owed["kept"]))
        else:
            outcome = await svc.intake.file_link(reply.chat_id, owed.get("sender_id"), owed["url"], bool(owed["known"]))
            photo_id = outcome.photo.id if outcome.created and outcome.photo is not None else None
            filed = await svc.analyser.analyse_and_file(photo_id) if photo_id is not None else None
            text = final_text(outcome, language)
        picture = await picture_of(svc, filed) if filed is not None and filed.faces else None
    if not await store.renew(reply):
        return None
    if outcome is None or (outcome.created and outcome.ok):
        text = joined(text, outcome_line(filed, language)) if picture is None or filed is None else text
    answering = ReplyParameters(reply.reply_to, allow_sending_without_reply=True)
    async with sending_reply(store, reply):
        if picture is not None and filed is not None:
            lines = (points_line(filed, language), pose_lines(filed, language), t(language, "smile.how"))
            caption = shortened(joined(text, *lines))
            sent = await bot.send_photo(reply.chat_id, picture, caption=caption, reply_parameters=answering)
            answer = sent.message_id
            if reply.status_id is not None:
                with contextlib.suppress(TelegramError):
                    await bot.delete_message(reply.chat_id, reply.status_id)
        else:
            answer = await _edit_or_send(bot, reply, text, answering)
    videos = [] if outcome is None else owed_videos(Member.owed(reply), LinkResult(outcome, filed), answer, language)
    held = await open_videos(store, videos)  # owed before the answer is marked sent, as in ChatReport.link_done
    await store.sent(reply, answer)
    await send_videos(bot, store, held)
    await store.finish(reply)
    return answer


async def _edit_or_send(bot: Bot, reply: OwedReply, text: str, answering: ReplyParameters) -> int:
    """The dead replica's status message made the answer; a new message when it showed none (or it is gone)."""
    if reply.status_id is not None:
        try:
            await bot.edit_message_text(text, reply.chat_id, reply.status_id)
            return reply.status_id
        except BadRequest as exc:
            if "not modified" in exc.message.lower():
                return reply.status_id
    return (await bot.send_message(reply.chat_id, text, reply_parameters=answering)).message_id


def video_caption(sender: str, brand_id: str, analysis: FiledAnalysis | None, language: str) -> str:
    """Which strip a making-of video belongs to: whose, from which booth, and its points when it has faces."""
    if analysis is not None and analysis.faces:
        return booth_text(language, "qr.video_of_strip_points", brand_id, sender=sender, points=analysis.points)
    return booth_text(language, "qr.video_of_strip", brand_id, sender=sender)


def video_too_big_text(brand_id: str, size: int, url: str, language: str) -> str:
    """Why a booth video stays out of the chat, and where to get it instead."""
    size_mb = f"{size / 1_000_000:.1f}"
    limit_mb = TELEGRAM_UPLOAD_LIMIT // 1_000_000
    return booth_text(language, "qr.video_too_big", brand_id, size_mb=size_mb, limit_mb=limit_mb, url=url)


def kept_text(created: bool, language: str) -> str:
    """The member's picture kept in place of the links: stored now, or found in the album already."""
    return t(language, "qr.kept_upload" if created else "qr.kept_upload_duplicate")


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
    try:
        result = await context.services.intake.take_links(message.chat_id, sender, urls, report)
    finally:
        await report.close()
    if quiet:
        await react_to_intake(context.bot, message, result)


def _addressed_to_bot(message: Message, context: ChatContext) -> bool:
    replied = message.reply_to_message
    if replied is not None and replied.from_user is not None and replied.from_user.id == context.bot.id:
        return True
    return f"@{context.bot.username}".casefold() in (message.text or "").casefold()


def register(app: Application) -> None:
    app.add_handler(MessageHandler(filters.TEXT & ~filters.COMMAND, on_text, block=False))
