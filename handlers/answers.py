"""One answer per photo. A photo's progress is a text status message (a text message can never become a photo:
editMessageMedia only edits messages that already hold media); when the annotated picture is ready it is sent as a
reply to the member's photo with the status lines in its caption, and the status message is deleted. Without a
picture (no faces, a failed link) the status message itself is the answer. In a quiet chat a photo gets a reaction
instead, and the digest (handlers.digest) tells the rest."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from typing import Protocol, runtime_checkable

from telegram import Bot, Message, ReactionTypeEmoji, ReplyParameters
from telegram.error import BadRequest, NetworkError, TelegramError

from handlers.captions import shortened
from handlers.context import ChatContext
from handlers.delivery import at_most_once, may_have_been_done
from handlers.i18n import t
from handlers.poses import pose_lines
from handlers.smiles import annotated_picture, outcome_line, points_line
from pipeline.analysis import FiledAnalysis
from pipeline.intake import IntakeResult

log = logging.getLogger(__name__)

SAVED_REACTION = "👍"
ALREADY_THERE_REACTION = "👌"
# A status edit waits while fewer of the group's messages a minute are free: answers (and the deletion of the status
# they replace) come first, and an answer often makes the edit needless.
EDIT_ROOM = 6


@runtime_checkable
class GroupBudget(Protocol):
    """The bot's rate limiter (bot.rate_limit.PostingRateLimiter), as far as a status message asks it."""

    def group_has_room(self, chat_id: int, slots: int) -> bool: ...


class StatusMessage:
    """One message that follows the work: sent once, then edited (identical edits are skipped), and finally
    either kept as the answer or replaced by the answer's picture.

    `settle_s` (a group's, Settings.group_status_settle_s): the message is shown, and a later change edited in,
    `settle_s` after the change that starts the wait, with the text the work has reached by then; newer texts
    replace one not yet shown rather than queuing behind it. A group takes 20 messages a minute, edits included
    (tdlib/td#2592), and a booth strip's stages (found, fetching, saved) often follow each other within a second:
    shown one by one they cost three of a strip's five requests (the load run). An answer ready before the status
    was shown is sent without one. An edit also waits while the group's budget is short (EDIT_ROOM). With 0
    (private chats) every text is shown at once.

    The message's first post is progress unless the text is the answer (`now`, `settled`): such a post is sent at
    most once (handlers.delivery). One whose answer was lost (a cut connection, a timeout) may be in the chat, but
    its id is unknown and no Bot API call finds it: it cannot be edited or deleted, and a second status would only
    add a message. So no other progress is posted; an answer in words is posted as a message of its own."""

    def __init__(
        self,
        reply_to: Message,
        shown: int | None = None,
        *,
        settle_s: float = 0.0,
        on_shown: Callable[[Message], Awaitable[None]] | None = None,
    ) -> None:
        """`shown`: the id of a status message already in the chat (shown by a process that died), edited from here.
        `on_shown`: called once the message is in the chat (its id noted for a replica that takes over)."""
        self._reply_to = reply_to
        self.message: Message | None = None
        self.text = ""  # what the message says, or will say once it has settled
        self._shown_text: str | None = ""  # what the chat shows (None: unknown, a dead process's message)
        self._settle_s = settle_s
        self._on_shown = on_shown
        self._settling: asyncio.Task[None] | None = None
        self._sending = asyncio.Lock()
        self._replaced = False
        self._lost_post = False  # a progress post whose answer was lost: it may be in the chat, its id unknown
        if shown is not None:
            self.message = Message(shown, reply_to.date, reply_to.chat)
            self.message.set_bot(reply_to.get_bot())
            self._shown_text = None

    async def show(self, text: str, *, now: bool = False) -> None:
        """The status says `text`: at once without a settle time or with `now`, else once it has settled."""
        if text == self.text and not now:
            return
        self.text = text
        if now or self._settle_s <= 0:
            await self._flush(progress=not now)
        elif self._settling is None:
            self._settling = asyncio.create_task(self._settle())

    async def add_line(self, line: str, *, now: bool = False) -> None:
        await self.show(f"{self.text}\n{line}" if self.text else line, now=now)

    async def _settle(self) -> None:
        settled = False
        while not settled:  # an edit while the group's budget is short waits: the answer may make it needless
            await asyncio.sleep(self._settle_s)
            settled = self.message is None or self._room_for_an_edit()
        self._settling = None  # from here on the request is not cancelled: it may be on its way
        try:
            await self._flush(progress=True)
        except TelegramError as exc:  # nobody awaits this task: the next change, or the answer, tries again
            log.warning("status message in chat %s not updated: %s", self._reply_to.chat_id, exc)
        except Exception:  # noting the shown status (on_shown) failed: the answer still comes, a taker sends anew
            log.exception("status message in chat %s: after showing it", self._reply_to.chat_id)

    def _room_for_an_edit(self) -> bool:
        limiter = getattr(self._reply_to.get_bot(), "rate_limiter", None)
        return not isinstance(limiter, GroupBudget) or limiter.group_has_room(self._reply_to.chat_id, EDIT_ROOM)

    def _stop_settling(self) -> None:
        if self._settling is not None:
            self._settling.cancel()
            self._settling = None

    async def settled(self) -> Message | None:
        """Show the latest text now, as the answer (a change still settling is not waited for); the message, None if
        never shown."""
        return await self._flush(progress=False)

    async def _flush(self, *, progress: bool) -> Message | None:
        self._stop_settling()
        async with self._sending:
            text = self.text
            if self._replaced or not text or text == self._shown_text:
                return self.message
            if self.message is None:
                if progress and self._lost_post:
                    return None
                try:
                    with at_most_once() if progress else contextlib.nullcontext():
                        self.message = await self._reply_to.reply_text(
                            text,
                            reply_parameters=ReplyParameters(
                                self._reply_to.message_id, allow_sending_without_reply=True
                            ),
                        )
                except NetworkError as error:
                    if not progress or not may_have_been_done(error):
                        raise
                    log.warning("status message in chat %s may have been posted (%s)", self._reply_to.chat_id, error)
                    self._lost_post = True
                    return None
                self._shown_text = text
                if self._on_shown is not None:
                    await self._on_shown(self.message)
                return self.message
            try:
                await self.message.edit_text(text)
            except BadRequest as exc:
                if "not modified" not in exc.message.lower():
                    raise
            self._shown_text = text
            return self.message

    async def replace_with_picture(self, context: ChatContext, picture: bytes, caption: str) -> Message:
        """Send the answer's picture (a reply to the member's photo) and delete the status it replaces; a status
        still settling is never shown."""
        self._stop_settling()
        async with self._sending:  # a status on its way is deleted once it is there
            sent = await context.bot.send_photo(
                self._reply_to.chat_id,
                picture,
                caption=caption,
                reply_parameters=ReplyParameters(self._reply_to.message_id, allow_sending_without_reply=True),
            )
            old, self.message, self.text, self._shown_text = self.message, sent, caption, caption
            self._replaced = True
        if old is not None:
            with contextlib.suppress(TelegramError):  # already gone, or too old to delete: it only says "saved"
                await old.delete()
        return sent


def joined(*lines: str | None) -> str:
    return "\n".join(line for line in lines if line)


async def answer_photo(
    context: ChatContext,
    status: StatusMessage,
    filed: FiledAnalysis | None,
    language: str,
    header: str | None = None,
) -> Message | None:
    """The one answer of a filed photo: the annotated picture with the status lines, `header` and the points in its
    caption; without faces (or when the analysis failed) a friendly line added to the status message."""
    picture = await annotated_picture(context, filed) if filed is not None and filed.faces else None
    if picture is None or filed is None:
        await status.add_line(joined(header, outcome_line(filed, language)), now=True)
        return status.message
    poses = pose_lines(filed, language)
    caption = shortened(joined(status.text, header, points_line(filed, language), poses, t(language, "smile.how")))
    return await status.replace_with_picture(context, picture, caption)


async def react(bot: Bot, chat_id: int, message_id: int, emoji: str) -> None:
    """A quiet chat's whole answer to a photo. A chat whose admins turned reactions off only loses the 👍."""
    try:
        await bot.set_message_reaction(chat_id, message_id, ReactionTypeEmoji(emoji))
    except BadRequest as exc:
        log.info("reaction refused in chat %s: %s", chat_id, exc.message)


def filed_anything(result: IntakeResult) -> bool:
    return bool(result.upload and result.upload.created) or any(link.outcome.created for link in result.links)


def already_there(result: IntakeResult) -> bool:
    upload_known = result.upload is not None and not result.upload.created
    return upload_known or any(link.outcome.already_filed or link.outcome.ok for link in result.links)


def reaction_for(filed: bool, known: bool) -> str | None:
    """👍 when something new was filed, 👌 when it was all in the album already; None otherwise (a problem is
    answered in words)."""
    return SAVED_REACTION if filed else ALREADY_THERE_REACTION if known else None


async def react_to_intake(bot: Bot, message: Message, result: IntakeResult) -> None:
    emoji = reaction_for(filed_anything(result), already_there(result))
    if emoji is not None:
        await react(bot, message.chat_id, message.message_id, emoji)
