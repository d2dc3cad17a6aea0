"""A Telegram album answered once, saying which photo is which: every photo is numbered in the order it was sent
("2/3"), the number is drawn on its annotated picture (Telegram shows an album's caption only when a single item
has one, so per-picture captions would hide the summary), and the summary names each number with its sender and
points."""

from __future__ import annotations

from dataclasses import dataclass, field

from telegram import InputMediaPhoto, ReplyParameters

from handlers.captions import CAPTION_LIMIT, chunks, first_lines, fits, visible_length
from handlers.context import ChatContext
from handlers.i18n import t
from handlers.smiles import annotated_picture, outcome_line, short_points_line
from pipeline.analysis import FiledAnalysis
from storage.media_groups import TakenGroup


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


async def tally_of(context: ChatContext, taken: TakenGroup) -> MediaGroupTally:
    """The album to answer, with each new photo's analysis read back from the database."""
    items = {}
    for message_id, item in taken.items.items():
        analysis = await context.services.analyser.stored(item.photo_id) if item.photo_id is not None else None
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


async def send_album_answer(context: ChatContext, tally: MediaGroupTally) -> None:
    ordered = sorted(tally.items)
    reply = ReplyParameters(ordered[0], allow_sending_without_reply=True)
    count = await context.services.albums.count(tally.chat_id)
    pictures = []
    for number, message_id in enumerate(ordered, start=1):
        analysis = tally.items[message_id].analysis
        if analysis is not None and analysis.faces:
            picture = await annotated_picture(context, analysis, badge=f"{number}/{len(ordered)}")
            if picture is not None:
                pictures.append(picture)
    if not pictures:
        words = summary(tally, count)  # empty when every photo was a booth strip answered on its own
        for text in chunks(words.split("\n")) if words else []:
            await context.bot.send_message(tally.chat_id, text, reply_parameters=reply)
        return
    caption, details = fitted_caption(tally, count)
    if len(pictures) == 1:
        sent = await context.bot.send_photo(tally.chat_id, pictures[0], caption=caption, reply_parameters=reply)
    else:
        media = [InputMediaPhoto(picture, caption=caption if i == 0 else None) for i, picture in enumerate(pictures)]
        sent = (await context.bot.send_media_group(tally.chat_id, media, reply_parameters=reply))[0]
    for text in chunks(details.split("\n")) if details else []:
        await context.bot.send_message(
            tally.chat_id, text, reply_parameters=ReplyParameters(sent.message_id, allow_sending_without_reply=True)
        )
