"""A Telegram album answered once, saying which photo is which: every photo is numbered in the order it was sent
("2/3"), the number is drawn on its annotated picture (Telegram shows an album's caption only when a single item
has one, so per-picture captions would hide the summary), and the summary names each number with its sender and
points.

The answer is a stored reply (storage.replies, kind `album`, keyed by the chat and the Telegram album): owed by the
replica that took the album (storage.media_groups), with the album's items in the row, claimed → sent → finished; a
replica that dies before it is sent leaves it to another replica's sweep (`deliver_lapsed_album`), which answers it
from the row; an item of the album handled again (the dead replica's update taken over) takes the answer over and
sends it at once (`answer_owed_album`). Left open: a death between taking the album and owing its answer (two
statements, no I/O between), and the detail messages after the first (sent after it is marked sent; a death there
loses them, never doubles)."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from dataclasses import asdict, dataclass, field

from telegram import Bot, InputMediaPhoto, ReplyParameters

from handlers.captions import CAPTION_LIMIT, chunks, first_lines, fits, visible_length
from handlers.i18n import t
from handlers.replies import keyed_subject, sending_reply
from handlers.smiles import outcome_line, picture_of, short_points_line
from pipeline.analysis import FiledAnalysis
from pipeline.services import Services
from storage.media_groups import GroupHeader, GroupItem, TakenGroup
from storage.replies import OwedReply

ALBUM_ANSWER = "album"


@dataclass
class AlbumItem:
    """What became of one photo of a Telegram album."""

    problem: str | None = None  # why it was not taken
    saved: bool = False  # something new was filed from it
    duplicate: bool = False  # it was in the album already
    analysis: FiledAnalysis | None = None  # its faces, when it was filed just now
    own_answer: bool = False  # it held a booth QR: answered on its own, like a single strip


@dataclass
class MediaGroupTally:
    """Items of one Telegram album (they arrive as separate updates, maybe at different replicas): answered once,
    after the last, by whoever took it from the store (storage.media_groups)."""

    chat_id: int
    language: str
    sender: str
    quiet: bool  # the chat's answers are quiet: a reaction (and words only for problems)
    items: dict[int, AlbumItem] = field(default_factory=dict)  # message id → what became of it


async def tally_of(svc: Services, taken: TakenGroup) -> MediaGroupTally:
    """The album to answer, with each new photo's analysis read back from the database."""
    items = {}
    for message_id, item in taken.items.items():
        analysis = await svc.analyser.stored(item.photo_id) if item.photo_id is not None else None
        items[message_id] = AlbumItem(item.problem, item.saved, item.duplicate, analysis, item.own_answer)
    header = taken.header
    return MediaGroupTally(taken.chat_id, header.language, header.sender, header.quiet, items)


def item_line(item: AlbumItem, language: str, detailed: bool = True) -> str | None:
    if item.problem:
        return item.problem
    if item.duplicate:
        return t(language, "album_answer.already")
    if item.saved and item.analysis is not None and not item.analysis.faces:
        return t(language, "album_answer.no_faces")
    if item.saved:
        if not detailed and item.analysis is not None:
            return short_points_line(item.analysis, language)
        return outcome_line(item.analysis, language)
    return None


def summary(tally: MediaGroupTally, count: int, detailed: bool = True) -> str:
    """The album's words: who saved how many, one line per photo (its points, face by face when `detailed`), and
    the photo with the biggest smiles."""
    language = tally.language
    items = [tally.items[message_id] for message_id in sorted(tally.items)]
    total = len(items)
    saved = sum(item.saved and not item.own_answer for item in items)
    lines = []
    if saved:
        lines.append(t(language, "album_answer.saved", sender=tally.sender, n=saved, count=count))
    for number, item in enumerate(items, start=1):
        if item.own_answer:  # a booth strip: its own answer is in the chat, a reply to that photo
            lines.append(
                t(language, "album_answer.line", number=number, total=total, line=t(language, "album_answer.strip"))
            )
            continue
        line = item_line(item, language, detailed)
        if line:
            lines.append(t(language, "album_answer.line", number=number, total=total, line=line))
    scored = [
        (number, item.analysis) for number, item in enumerate(items, start=1) if item.analysis and item.analysis.faces
    ]
    if len(scored) > 1:
        number, best = max(scored, key=lambda pair: pair[1].points)
        lines.append(t(language, "smile.best", number=number, n=best.points))
    return "\n".join(lines)


def fitted_caption(tally: MediaGroupTally, count: int) -> tuple[str, str | None]:
    """The caption, within Telegram's 1024 characters, and the full summary when the caption could not hold it (it
    follows as a text). Ten photos of eleven faces each list more points than a caption holds: the caption then
    gives each photo's total and says the face-by-face points follow."""
    full = summary(tally, count)
    if fits(full):
        return full, None
    note = t(tally.language, "album_answer.details_below")
    room = CAPTION_LIMIT - visible_length(note) - 1
    return first_lines(summary(tally, count, detailed=False).split("\n"), room) + "\n" + note, full


def owed_album(taken: TakenGroup) -> OwedReply:
    """The album's answer as a stored reply: the taken album (its header and items) in the row."""
    payload = {
        "media_group_id": taken.media_group_id,
        "header": asdict(taken.header),
        "items": {str(message_id): asdict(item) for message_id, item in taken.items.items()},
    }
    return OwedReply(
        ALBUM_ANSWER,
        keyed_subject(taken.chat_id, taken.media_group_id),
        taken.chat_id,
        min(taken.items),
        taken.header.language,
        payload=json.dumps(payload),
    )


def taken_of(reply: OwedReply) -> TakenGroup:
    owed = json.loads(reply.payload)
    items = {int(message_id): GroupItem(**item) for message_id, item in owed["items"].items()}
    return TakenGroup(reply.chat_id, owed["media_group_id"], GroupHeader(**owed["header"]), items)


async def answer_album(bot: Bot, svc: Services, reply: OwedReply, taken: TakenGroup) -> int | None:
    """Send the album's answer this process holds (owed_album); its first message's id, or None when another
    process has taken it over or there was nothing to say."""
    store = svc.shared.replies
    async with store.holding(reply):
        tally = await tally_of(svc, taken)
    if not await store.renew(reply):
        return None
    async with sending_reply(store, reply):
        first = await send_album_answer(bot, svc, tally, lambda message_id: store.sent(reply, message_id))
    if first is None:
        await store.give_up(reply)
        return None
    await store.finish(reply)
    return first


async def deliver_lapsed_album(bot: Bot, svc: Services, reply: OwedReply) -> int | None:
    """An album's answer whose replica died, taken over by this one: answered from the row."""
    return await answer_album(bot, svc, reply, taken_of(reply))


async def answer_owed_album(bot: Bot, svc: Services, chat_id: int, media_group_id: str, message_id: int) -> bool:
    """An album's item handled again (its replica died after it took the album): True when the album's answer is
    owed with this item among its items — taken over and sent now, unless it was sent already —; False for an item
    no answer counts yet, which joins the album as usual."""
    store = svc.shared.replies
    owed = await store.find(ALBUM_ANSWER, keyed_subject(chat_id, media_group_id))
    if owed is None or owed.chat_id != chat_id:
        return False
    taken = taken_of(owed)
    if taken.media_group_id != media_group_id or message_id not in taken.items:
        return False
    now_ours = await store.take_over(owed)
    if now_ours is not None:
        await deliver_lapsed_album(bot, svc, now_ours)
    return True


async def send_album_answer(
    bot: Bot, svc: Services, tally: MediaGroupTally, first_sent: Callable[[int], Awaitable[object]]
) -> int | None:
    """The album's answer; `first_sent` is told its first message's id before anything else is sent."""
    ordered = sorted(tally.items)
    reply = ReplyParameters(ordered[0], allow_sending_without_reply=True)
    count = await svc.albums.count(tally.chat_id)
    pictures = []
    for number, message_id in enumerate(ordered, start=1):
        analysis = tally.items[message_id].analysis
        if analysis is not None and analysis.faces:
            picture = await picture_of(svc, analysis, badge=f"{number}/{len(ordered)}")
            if picture is not None:
                pictures.append(picture)
    if not pictures:
        words = summary(tally, count)  # empty when every photo was a booth strip answered on its own
        first = None
        for text in chunks(words.split("\n")) if words else []:
            message = await bot.send_message(tally.chat_id, text, reply_parameters=reply)
            if first is None:
                first = message.message_id
                await first_sent(first)
        return first
    caption, details = fitted_caption(tally, count)
    if len(pictures) == 1:
        sent = await bot.send_photo(tally.chat_id, pictures[0], caption=caption, reply_parameters=reply)
    else:
        media = [InputMediaPhoto(picture, caption=caption if i == 0 else None) for i, picture in enumerate(pictures)]
        sent = (await bot.send_media_group(tally.chat_id, media, reply_parameters=reply))[0]
    await first_sent(sent.message_id)
    for text in chunks(details.split("\n")) if details else []:
        await bot.send_message(
            tally.chat_id, text, reply_parameters=ReplyParameters(sent.message_id, allow_sending_without_reply=True)
        )
    return sent.message_id
