"""A photo's answer as a task run from its stored reply (storage.replies): claimed → sent → finished.

The replica that stores a member's photo owes its answer at once (`owe_photo_answer`, before the analysis), renews
the claim while it waits for the analysis, and sends the answer (`deliver`): the annotated picture with the header
and the points, or the header and a line when there is no picture. A replica that dies before the answer is marked
sent leaves a claim that lapses; the sweep on every replica (scheduler.replies) takes it over, once, and runs
`deliver_lapsed`, which reads the analysis from the database (or runs it) — the answer is the same one.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from dataclasses import dataclass

from telegram import Bot, ReplyParameters
from telegram.error import BadRequest, Forbidden, NetworkError

from handlers.answers import joined
from handlers.captions import shortened
from handlers.delivery import may_have_been_done
from handlers.i18n import t
from handlers.poses import pose_lines
from handlers.smiles import outcome_line, picture_of, points_line
from pipeline.analysis import FiledAnalysis
from pipeline.services import Services
from storage.replies import OwedReply, ReplyStore

log = logging.getLogger(__name__)

PHOTO_ANSWER = "photo"

# How a reply of each kind is produced again by the process that took it over (scheduler.replies fills in the kinds
# of other modules: booth links, handlers.qr; Telegram albums, handlers.uploads).
Redeliver = Callable[[Bot, Services, OwedReply], Awaitable[int | None]]


def keyed_subject(*parts: object) -> int:
    """A reply's subject for an answer that is not one stored photo's (a member's message and a link on it, an
    album): 63 bits of a hash of its parts — a BIGINT's positive range; a collision needs ~3·10⁹ replies of a kind
    alive at once."""
    digest = hashlib.blake2b(":".join(map(str, parts)).encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big") >> 1


@contextlib.asynccontextmanager
async def sending_reply(store: ReplyStore, reply: OwedReply) -> AsyncIterator[None]:
    """Around the sends of a reply this process holds, its claim renewed meanwhile (a send that waits out flood waits
    can outlast the lease, and a sweep taking the claim over then would post the reply a second time). Telegram
    refusing it closes it (the bot left the chat, or it is gone: trying again cannot help). An answer lost after the
    request left (timed out, connection cut) marks it sent: the reply may be in the chat, and a sweep taking the
    lapsed claim over would post it twice (handlers.delivery). Either error is raised on."""
    try:
        async with store.holding(reply):
            yield
    except (BadRequest, Forbidden):
        await store.give_up(reply)
        raise
    except NetworkError as error:
        if may_have_been_done(error):
            await store.sending(reply)
        raise


@dataclass
class Sending:
    """How `answering` went: `lost` is the error after which the answer may be in the chat (None: it is there, or
    it certainly is not and the error was raised)."""

    lost: NetworkError | None = None


@contextlib.asynccontextmanager
async def answering(store: ReplyStore, reply: OwedReply | None) -> AsyncIterator[Sending]:
    """Around the sends of an answer made in the member's handling (a booth link's status made into its answer, a
    kept picture's): as `sending_reply`, but an answer that may be in the chat is taken as given — marked sent (the
    sweep does not post it again), logged, and not raised, so the handling goes on (the message's next links, the
    strip's videos) and the member is not told Telegram was busy under an answer that arrived. Not owed as a stored
    reply (`reply` None): no sweep sends it again, and errors are raised as they come."""
    sending = Sending()
    if reply is None:
        yield sending
        return
    try:
        async with sending_reply(store, reply):
            yield sending
    except NetworkError as error:
        if not may_have_been_done(error):
            raise
        log.warning("the %s answer in chat %s may have arrived (%s): taken as sent", reply.kind, reply.chat_id, error)
        sending.lost = error


async def owe_photo_answer(
    svc: Services, chat_id: int, photo_id: int, reply_to: int, language: str, header: str
) -> OwedReply | None:
    """The answer of a photo stored just now, claimed by this process; None when it was owed already."""
    reply = OwedReply(PHOTO_ANSWER, photo_id, chat_id, reply_to, language, header)
    return reply if await svc.shared.replies.open(reply) else None


async def deliver(bot: Bot, svc: Services, reply: OwedReply, filed: FiledAnalysis | None) -> int | None:
    """Send a reply this process holds; Telegram's message id, or None when another process has taken it over."""
    store = svc.shared.replies
    async with store.holding(reply):
        picture = await picture_of(svc, filed) if filed is not None and filed.faces else None
    if not await store.renew(reply):  # lapsed while the picture was drawn, and taken over: it is someone else's now
        return None
    language = reply.language
    answering = ReplyParameters(reply.reply_to, allow_sending_without_reply=True)
    async with sending_reply(store, reply):
        if picture is None or filed is None:
            text = joined(reply.header, outcome_line(filed, language))
            message = await bot.send_message(reply.chat_id, text, reply_parameters=answering)
        else:
            lines = (points_line(filed, language), pose_lines(filed, language), t(language, "smile.how"))
            caption = shortened(joined(reply.header, *lines))
            message = await bot.send_photo(reply.chat_id, picture, caption=caption, reply_parameters=answering)
    await store.sent(reply, message.message_id)
    await store.finish(reply)
    return message.message_id


async def deliver_lapsed(bot: Bot, svc: Services, reply: OwedReply) -> int | None:
    """A reply whose process died, taken over by this one: its photo's analysis (stored, or run now), then the
    answer."""
    async with svc.shared.replies.holding(reply):
        filed = await svc.analyser.analyse_and_file(reply.subject)
    return await deliver(bot, svc, reply, filed)


async def deliver_all_lapsed(bot: Bot, svc: Services, kinds: Mapping[str, Redeliver] | None = None) -> int:
    """One sweep: every reply whose claim lapsed (taken over by this process) sent; how many were sent. A reply of a
    kind other than a photo's that fails is closed (it would fail the same way again), after the log says so."""
    kinds = kinds or {PHOTO_ANSWER: deliver_lapsed}
    count = 0
    for reply in await svc.shared.replies.take_lapsed():
        redeliver = kinds.get(reply.kind)
        try:
            if redeliver is None:
                raise LookupError(f"no way to produce a reply of kind {reply.kind!r} here")
            count += await redeliver(bot, svc, reply) is not None
        except Exception:
            log.exception("the lapsed reply %s %s failed", reply.kind, reply.subject)
            if reply.kind != PHOTO_ANSWER:
                await svc.shared.replies.give_up(reply)
    return count
