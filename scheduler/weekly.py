"""The weekly post: one PTB JobQueue (APScheduler) job looks every minute for chats whose slot has passed.

Why one repeating job and not a job per chat: the decision lives in scheduler.timing (a pure function of the clock,
the chat's schedule and the last week posted), so a restart, a changed schedule or a month of downtime needs no
job bookkeeping — the next run simply finds what is due. Exactly once comes from the database: a run first claims
(chat, week) with INSERT … ON CONFLICT DO NOTHING and posts only if it won the claim, so overlapping runs, a second
bot process or a restart never post twice. A claim is given back only for errors worth retrying (network); a chat
that removed the bot is marked left and skipped from then on.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from telegram import Bot
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TelegramError
from telegram.ext import Application, ContextTypes

from bot.i18n import normalise_language
from bot.reports import weekly_picture
from bot.services import Services
from handlers.common import SERVICES_KEY
from scheduler.timing import PostSchedule, due_week
from storage.models import WeeklyPostStatus
from storage.schedule import ChatPlan

log = logging.getLogger(__name__)
JOB_NAME = "weekly-posts"


@dataclass(frozen=True)
class PostResult:
    chat_id: int
    week: date
    status: WeeklyPostStatus | None  # None: the claim was given back (to retry)


def schedule_of(plan: ChatPlan) -> PostSchedule:
    return PostSchedule(plan.timezone, plan.weekday, plan.hour, plan.minute, plan.since)


async def run_due_posts(svc: Services, bot: Bot) -> list[PostResult]:
    """Post every weekly post that is due now (by `svc.clock`). Safe to run any number of times, concurrently."""
    now = svc.clock()
    results = []
    for plan in await svc.schedules.active_plans():
        week = due_week(now, schedule_of(plan), plan.last_week)
        if week is None or not await svc.schedules.claim(plan.chat_id, week, now):
            continue
        results.append(await _post(svc, bot, plan.chat_id, week))
    return results


async def _post(svc: Services, bot: Bot, chat_id: int, week: date) -> PostResult:
    language = normalise_language(
        await svc.albums.language(user_id=chat_id if chat_id > 0 else None, chat_id=chat_id),
        svc.settings.default_language,
    )
    try:
        picture = await weekly_picture(svc, chat_id, week, language)
        if picture is None:
            await svc.schedules.finish(chat_id, week, WeeklyPostStatus.empty)
            return PostResult(chat_id, week, WeeklyPostStatus.empty)
        message = await bot.send_photo(chat_id, picture.png, caption=picture.caption)
    except Forbidden as error:
        return await _chat_gone(svc, chat_id, week, error)
    except BadRequest as error:
        if "chat not found" in error.message.lower():
            return await _chat_gone(svc, chat_id, week, error)
        log.error("Weekly post for chat %s refused: %s", chat_id, error)
        await svc.schedules.finish(chat_id, week, WeeklyPostStatus.failed)
        return PostResult(chat_id, week, WeeklyPostStatus.failed)
    except (NetworkError, RetryAfter) as error:
        log.warning("Weekly post for chat %s will be retried: %s", chat_id, error)
        await svc.schedules.release(chat_id, week)
        return PostResult(chat_id, week, None)
    except TelegramError:
        log.exception("Weekly post for chat %s failed", chat_id)
        await svc.schedules.finish(chat_id, week, WeeklyPostStatus.failed)
        return PostResult(chat_id, week, WeeklyPostStatus.failed)
    except Exception:
        await svc.schedules.release(chat_id, week)
        raise
    await svc.schedules.finish(chat_id, week, WeeklyPostStatus.posted, message.message_id)
    return PostResult(chat_id, week, WeeklyPostStatus.posted)


async def _chat_gone(svc: Services, chat_id: int, week: date, error: TelegramError) -> PostResult:
    log.info("Chat %s removed the bot (%s): marked left, no more weekly posts", chat_id, error)
    await svc.schedules.mark_left(chat_id, svc.clock())
    await svc.schedules.finish(chat_id, week, WeeklyPostStatus.chat_gone)
    return PostResult(chat_id, week, WeeklyPostStatus.chat_gone)


async def weekly_posts_job(context: ContextTypes.DEFAULT_TYPE) -> None:
    svc: Services | None = context.bot_data.get(SERVICES_KEY)
    if svc is not None:
        await run_due_posts(svc, context.bot)


def start_weekly_posts(app: Application) -> None:
    """Run the check every `weekly_post_check_s`, first at the start of the next minute (0 turns it off)."""
    svc: Services = app.bot_data[SERVICES_KEY]
    interval = svc.settings.weekly_post_check_s
    if interval <= 0 or app.job_queue is None:
        return
    now = datetime.now(UTC)
    first = (now.replace(second=0, microsecond=0) + timedelta(minutes=1, seconds=1)) - now
    app.job_queue.run_repeating(
        weekly_posts_job,
        interval=interval,
        first=first,
        name=JOB_NAME,
        job_kwargs={"id": JOB_NAME, "replace_existing": True, "max_instances": 1, "coalesce": True},
    )
