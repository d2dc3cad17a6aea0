"""Telling a chat, once, that a photo's analysis was given up (storage.analysis_attempts): after
MAX_ANALYSIS_ATTEMPTS failed analyses the photo is no longer retried; it stays in the album, without faces or points.

Sent by the resume sweep (scheduler.resume) that found it, at most once per photo across replicas: the row is marked
told before the send (a send that fails is not repeated — the photo is still in the album, and its answer at upload
already said the first analysis failed)."""

from __future__ import annotations

import logging
from zoneinfo import ZoneInfo

from telegram import Bot
from telegram.error import BadRequest, Forbidden

from handlers.digest import chat_language
from handlers.i18n import format_moment, t
from pipeline.services import Services
from ranking.points import as_utc
from storage.analysis_attempts import GivenUp

log = logging.getLogger(__name__)


async def tell_given_up(svc: Services, bot: Bot) -> int:
    """Tell each chat about its photos given up since the last sweep; how many this process told."""
    told = 0
    for photo in await svc.analyser.attempts.untold():
        if not await svc.analyser.attempts.claim_telling(photo.photo_id):
            continue  # another replica's sweep tells this one
        try:
            await _tell(svc, bot, photo)
            told += 1
        except (BadRequest, Forbidden) as exc:  # the bot left the chat, or the chat is gone
            log.info("could not tell chat %s that photo %s was given up: %s", photo.chat_id, photo.photo_id, exc)
    return told


async def _tell(svc: Services, bot: Bot, photo: GivenUp) -> None:
    language = await chat_language(svc, photo.chat_id)
    timezone = await svc.ranking.timezone(photo.chat_id)
    moment = format_moment(as_utc(photo.created_at).astimezone(ZoneInfo(timezone)), language)
    text = t(language, "analysis.given_up", n=photo.attempts, moment=moment)
    if photo.telegram_file_id:
        try:
            await bot.send_photo(photo.chat_id, photo.telegram_file_id, caption=text)
            return
        except BadRequest as exc:  # the file id no longer works: the words alone say which photo
            log.info("resending photo %s by its file id failed: %s", photo.photo_id, exc)
    await bot.send_message(photo.chat_id, text)
