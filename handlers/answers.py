"""One answer per photo. A photo's progress is a text status message (a text message can never become a photo:
editMessageMedia only edits messages that already hold media); when the annotated picture is ready it is sent as a
reply to the member's photo with the status lines in its caption, and the status message is deleted. Without a
picture (no faces, a failed link) the status message itself is the answer. In a quiet chat a photo gets a reaction
instead, and the digest (handlers.digest) tells the rest."""

from __future__ import annotations

import contextlib
import logging

from telegram import Bot, Message, ReactionTypeEmoji, ReplyParameters
from telegram.error import BadRequest, TelegramError

from handlers.captions import shortened
from handlers.context import ChatContext
from handlers.i18n import t
from handlers.poses import pose_lines
from handlers.smiles import annotated_picture, outcome_line, points_line
from pipeline.analysis import FiledAnalysis
from pipeline.intake import IntakeResult

log = logging.getLogger(__name__)

SAVED_REACTION = "👍"
ALREADY_THERE_REACTION = "👌"


class StatusMessage:
    """One message that follows the work: sent once, then edited (identical edits are skipped), and finally
    either kept as the answer or replaced by the answer's picture."""

    def __init__(self, reply_to: Message, shown: int | None = None) -> None:
        """`shown`: the id of a status message already in the chat (shown by a process that died), edited from here."""
        self._reply_to = reply_to
        self.message: Message | None = None
        self.text = ""
        if shown is not None:
            self.message = Message(shown, reply_to.date, reply_to.chat)
            self.message.set_bot(reply_to.get_bot())

    async def show(self, text: str) -> None:
        if text == self.text:
            return
        self.text = text
        if self.message is None:
            self.message = await self._reply_to.reply_text(
                text, reply_parameters=ReplyParameters(self._reply_to.message_id, allow_sending_without_reply=True)
            )
            return
        try:
            await self.message.edit_text(text)
        except BadRequest as exc:
            if "not modified" not in exc.message.lower():
                raise

    async def add_line(self, line: str) -> None:
        await self.show(f"{self.text}\n{line}" if self.text else line)

    async def replace_with_picture(self, context: ChatContext, picture: bytes, caption: str) -> Message:
        """Send the answer's picture (a reply to the member's photo) and delete the status it replaces."""
        sent = await context.bot.send_photo(
            self._reply_to.chat_id,
            picture,
            caption=caption,
            reply_parameters=ReplyParameters(self._reply_to.message_id, allow_sending_without_reply=True),
        )
        old, self.message, self.text = self.message, sent, caption
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
        await status.add_line(joined(header, outcome_line(filed, language)))
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
