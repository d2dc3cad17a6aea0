"""A quiet chat's digest: the new photos with their senders, smiles and people, and a numbered button per photo
that sends its annotated picture (and its booth videos). When it goes out is scheduler.digest's business."""

from __future__ import annotations

import html
import logging
from datetime import datetime

from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup, ReplyParameters, Update
from telegram.error import BadRequest, ChatMigrated, Forbidden, NetworkError, RetryAfter, TelegramError
from telegram.ext import Application

from handlers.answers import joined
from handlers.callbacks import Action
from handlers.captions import shortened
from handlers.context import ChatContext
from handlers.delivery import at_most_once, may_have_been_done
from handlers.i18n import normalise_language, t
from handlers.person_label import person_html
from handlers.qr import TELEGRAM_UPLOAD_LIMIT
from handlers.smiles import annotated_picture, points_line
from handlers.updates import chat_of, query_of
from pipeline.analysis import FiledAnalysis, FiledFace
from pipeline.services import Services
from storage.answers import DigestPhoto
from storage.models import DigestStatus

log = logging.getLogger(__name__)

SHOW = Action("digest", "show", int, int)  # photo id, its number in the digest
MAX_PHOTOS = 10  # buttons and lines; more go to "…and N more in /album"
BUTTONS_PER_ROW = 5


def sender_name(photo: DigestPhoto, language: str) -> str:
    return html.escape(photo.sender or t(language, "digest.someone"))


def photo_line(photo: DigestPhoto, language: str) -> str:
    if photo.given_up:
        return t(language, "digest.given_up")
    if not photo.analysed:
        return t(language, "digest.pending")
    if not photo.faces:
        return t(language, "digest.no_faces")
    people = [person_html(number, name, language) for number, name in photo.people]
    if photo.unfiled:
        people.append(t(language, "digest.unfiled", n=photo.unfiled))
    points = t(language, "digest.points", points=photo.points, n=photo.faces)
    return f"{points} · {t(language, 'digest.people', names=', '.join(people))}" if people else points


def digest_text(photos: list[DigestPhoto], language: str) -> str:
    shown = photos[:MAX_PHOTOS]
    lines = [t(language, "digest.title", n=len(photos))]
    for number, photo in enumerate(shown, start=1):
        lines.append(
            t(
                language,
                "digest.line",
                number=number,
                sender=sender_name(photo, language),
                line=photo_line(photo, language),
            )
        )
    if len(photos) > len(shown):
        lines.append(t(language, "digest.more", n=len(photos) - len(shown)))
    scored = [(number, photo) for number, photo in enumerate(shown, start=1) if photo.faces]
    if len(scored) > 1:
        number, best = max(scored, key=lambda pair: pair[1].points)
        lines.append(t(language, "digest.best", number=number, n=best.points))
    lines += ["", t(language, "digest.tap")]
    return "\n".join(lines)


def digest_keyboard(photos: list[DigestPhoto]) -> InlineKeyboardMarkup:
    buttons = [
        InlineKeyboardButton(str(number), callback_data=SHOW.data(photo.photo_id, number))
        for number, photo in enumerate(photos[:MAX_PHOTOS], start=1)
    ]
    return InlineKeyboardMarkup([buttons[i : i + BUTTONS_PER_ROW] for i in range(0, len(buttons), BUTTONS_PER_ROW)])


async def chat_language(svc: Services, chat_id: int) -> str:
    chosen = await svc.albums.language(user_id=chat_id if chat_id > 0 else None, chat_id=chat_id)
    return normalise_language(chosen, svc.settings.default_language)


async def send_digest(
    svc: Services, bot: Bot, chat_id: int, since: datetime, photos: list[DigestPhoto], *, followed: bool = False
) -> DigestStatus:
    """Send a claimed digest and record how it went; a failure Telegram certainly did not carry out gives the claim
    back, one whose answer was lost (it may be in the chat) is not sent again (handlers.delivery). A group that
    became a supergroup is followed once: its data and this claim move to the new id (Services.move_chat)."""
    language = await chat_language(svc, chat_id)
    try:
        with at_most_once():
            text = digest_text(photos, language)
            message = await bot.send_message(chat_id, text, reply_markup=digest_keyboard(photos))
    except ChatMigrated as error:
        if followed:
            log.error("Digest for chat %s: moved again, to %s", chat_id, error.new_chat_id)
            return await _finish(svc, chat_id, since, DigestStatus.failed)
        await svc.move_chat(chat_id, error.new_chat_id)
        return await send_digest(svc, bot, error.new_chat_id, since, photos, followed=True)
    except Forbidden as error:
        log.info("Chat %s removed the bot (%s): no more digests", chat_id, error)
        await svc.schedules.mark_left(chat_id, svc.clock())
        return await _finish(svc, chat_id, since, DigestStatus.failed)
    except BadRequest as error:
        log.error("Digest for chat %s refused: %s", chat_id, error)
        return await _finish(svc, chat_id, since, DigestStatus.failed)
    except (NetworkError, RetryAfter) as error:
        if may_have_been_done(error):
            log.error(
                "Digest for chat %s: Telegram's answer was lost, it may be in the chat: not sent again (%r)",
                chat_id,
                error,
            )
            return await _finish(svc, chat_id, since, DigestStatus.unconfirmed)
        log.warning("Digest for chat %s will be retried: %s", chat_id, error)
        await svc.answers.release_digest(chat_id, since)
        raise
    except TelegramError:
        log.exception("Digest for chat %s failed", chat_id)
        return await _finish(svc, chat_id, since, DigestStatus.failed)
    await svc.answers.finish_digest(chat_id, since, DigestStatus.posted, message.message_id)
    return DigestStatus.posted


async def _finish(svc: Services, chat_id: int, since: datetime, status: DigestStatus) -> DigestStatus:
    await svc.answers.finish_digest(chat_id, since, status)
    return status


async def on_show(update: Update, context: ChatContext) -> None:
    """The full picture of one digest photo, as a reply to the digest, and its booth videos."""
    query = query_of(update)
    photo_id, number = SHOW.parse(query.data)
    chat_id = chat_of(update).id
    svc = context.services
    language = await context.language()
    entry = await svc.answers.digest_photo(chat_id, photo_id)
    if entry is None:
        await query.answer(t(language, "digest.gone"), show_alert=True)
        return
    await query.answer()
    faces = await svc.faces.faces_of_photo(photo_id)
    filed = FiledAnalysis(
        photo_id=photo_id,
        chat_id=chat_id,
        faces=tuple(FiledFace(face.id, face.frame, face.box, face.smile, face.person_id) for face in faces),
        fresh=False,
    )
    reply = ReplyParameters(query.message.message_id, allow_sending_without_reply=True) if query.message else None
    heading = t(
        language, "digest.line", number=number, sender=sender_name(entry, language), line=photo_line(entry, language)
    )
    picture = await annotated_picture(context, filed)
    if picture is None:
        await context.bot.send_message(chat_id, heading, reply_parameters=reply)
    else:
        caption = shortened(joined(heading, points_line(filed, language) if faces else None))
        await context.bot.send_photo(chat_id, picture, caption=caption, reply_parameters=reply)
    for video in await svc.answers.videos_of(photo_id):
        if video.size_bytes <= TELEGRAM_UPLOAD_LIMIT:
            await context.bot.send_video(
                chat_id, await svc.albums.load(video), supports_streaming=True, reply_parameters=reply
            )


def register(app: Application) -> None:
    app.add_handler(SHOW.handler(on_show, block=False))
