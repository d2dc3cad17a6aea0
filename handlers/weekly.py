"""The weekly post to one chat: the picture and caption of its week, sent, and the claim finished with what
Telegram answered (posted, empty week, chat gone, failed). A failure Telegram certainly did not carry out (a 429,
a 5xx answer, a connection that could not be opened) gives the claim back to retry; one whose answer was lost after
the request left (a timeout, a connection cut while waiting) may have posted — Telegram has no idempotency key — so
the claim is finished `unconfirmed` and the week is not sent again (handlers.delivery). The send waits
`weekly_post_send_timeout_s` for the upload and the answer, so a slow one rarely ends unconfirmed. A group that
became a supergroup (ChatMigrated) is followed: its data and this claim move to the new id, which gets the post."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date

from telegram import Bot
from telegram.error import BadRequest, ChatMigrated, Forbidden, NetworkError, RetryAfter, TelegramError

from handlers.delivery import at_most_once, may_have_been_done
from handlers.i18n import normalise_language
from handlers.reports import weekly_picture
from pipeline.services import Services
from storage.models import WeeklyPostStatus

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class PostResult:
    chat_id: int
    week: date
    status: WeeklyPostStatus | None  # None: the claim was given back (to retry), or another run took it over


async def post_week(
    svc: Services, bot: Bot, chat_id: int, week: date, *, attempt: int = 1, followed: bool = False
) -> PostResult:
    """Post the week the caller claimed (`attempt`: which holder of the claim it is)."""
    language = normalise_language(
        await svc.albums.language(user_id=chat_id if chat_id > 0 else None, chat_id=chat_id),
        svc.settings.default_language,
    )
    try:
        picture = await weekly_picture(svc, chat_id, week, language)
        if picture is None:
            await svc.schedules.finish(chat_id, week, WeeklyPostStatus.empty)
            return PostResult(chat_id, week, WeeklyPostStatus.empty)
        if not await svc.schedules.mark_sending(chat_id, week, attempt):
            log.info("Weekly post for chat %s was taken over by another run while it was drawn", chat_id)
            return PostResult(chat_id, week, None)
    except Exception:
        await svc.schedules.release(chat_id, week)
        raise
    timeout = svc.settings.weekly_post_send_timeout_s
    try:
        with at_most_once():
            message = await bot.send_photo(
                chat_id, picture.png, caption=picture.caption, read_timeout=timeout, write_timeout=timeout
            )
    except ChatMigrated as error:
        if followed:  # moved twice within one post: Telegram would not do that; do not chase ids in a loop
            log.error("Weekly post for chat %s: moved again, to %s", chat_id, error.new_chat_id)
            await svc.schedules.finish(chat_id, week, WeeklyPostStatus.failed)
            return PostResult(chat_id, week, WeeklyPostStatus.failed)
        log.info("Chat %s became supergroup %s: its data and weekly post follow", chat_id, error.new_chat_id)
        await svc.move_chat(chat_id, error.new_chat_id)  # the claim moves too: it is the new id's now
        return await post_week(svc, bot, error.new_chat_id, week, attempt=attempt, followed=True)
    except Forbidden as error:
        return await _chat_gone(svc, chat_id, week, error)
    except BadRequest as error:
        if "chat not found" in error.message.lower():
            return await _chat_gone(svc, chat_id, week, error)
        log.error("Weekly post for chat %s refused: %s", chat_id, error)
        await svc.schedules.finish(chat_id, week, WeeklyPostStatus.failed)
        return PostResult(chat_id, week, WeeklyPostStatus.failed)
    except (NetworkError, RetryAfter) as error:
        if may_have_been_done(error):
            log.error(
                "Weekly post for chat %s: Telegram's answer was lost, it may be in the chat: not sent again (%r)",
                chat_id,
                error,
            )
            await svc.schedules.finish(chat_id, week, WeeklyPostStatus.unconfirmed)
            return PostResult(chat_id, week, WeeklyPostStatus.unconfirmed)
        log.warning("Weekly post for chat %s was not made and will be retried: %s", chat_id, error)
        await svc.schedules.release(chat_id, week)
        return PostResult(chat_id, week, None)
    except TelegramError:
        log.exception("Weekly post for chat %s failed", chat_id)
        await svc.schedules.finish(chat_id, week, WeeklyPostStatus.failed)
        return PostResult(chat_id, week, WeeklyPostStatus.failed)
    except Exception:  # not from Telegram (PTB turns every HTTP failure into a TelegramError): whether it went, unknown
        await svc.schedules.finish(chat_id, week, WeeklyPostStatus.unconfirmed)
        raise
    await svc.schedules.finish(chat_id, week, WeeklyPostStatus.posted, message.message_id)
    return PostResult(chat_id, week, WeeklyPostStatus.posted)


async def _chat_gone(svc: Services, chat_id: int, week: date, error: TelegramError) -> PostResult:
    log.info("Chat %s removed the bot (%s): marked left, no more weekly posts", chat_id, error)
    await svc.schedules.mark_left(chat_id, svc.clock())
    await svc.schedules.finish(chat_id, week, WeeklyPostStatus.chat_gone)
    return PostResult(chat_id, week, WeeklyPostStatus.chat_gone)
