"""The weekly post: one PTB JobQueue (APScheduler) job looks every minute for chats whose slot has passed.

Why one repeating job and not a job per chat: the decision lives in ranking.post_slots (a pure function of the clock,
the chat's schedule and the last week posted), so a restart, a changed schedule or a month of downtime needs no
job bookkeeping — the next run simply finds what is due. Exactly once comes from the database: a run first claims
(chat, week) with INSERT … ON CONFLICT DO NOTHING and posts only if it won the claim, so overlapping runs, a second
bot process or a restart never post twice. A claim is given back only when Telegram certainly did not post (a 429,
a 5xx answer, a connection that could not be opened); a send whose answer was lost (timed out, connection cut) may
have posted and ends `unconfirmed`, never sent again (handlers.delivery); a chat that removed the bot is marked left
and skipped from then on; a group that became a supergroup (ChatMigrated) moves, claim included, to its new id,
which gets the post (handlers.weekly.post_week), so it is never marked failed.
A process killed while it drew the post leaves a claim that no one sends: after `weekly_post_lease_s` a run takes it
over (a new attempt number) and posts. The holder marks the claim "sending" just before it sends, and a marked
claim is never taken over — a post cut off mid-send is not made again (whether Telegram got it is unknown).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from telegram import Bot
from telegram.ext import Application

from handlers.context import BotData, ChatContext
from handlers.weekly import PostResult, post_week
from pipeline.services import Services
from pipeline.settings import Settings
from ranking.post_slots import due_week
from scheduler.jobs import run_every, with_services

JOB_NAME = "weekly-posts"


async def run_due_posts(svc: Services, bot: Bot) -> list[PostResult]:
    """Post every weekly post that is due now (by `svc.clock`). Safe to run any number of times, concurrently."""
    now = svc.clock()
    results = [
        await post_week(svc, bot, claim.chat_id, claim.week, attempt=claim.attempt)
        for claim in await svc.schedules.take_over_lapsed(now, svc.settings.weekly_post_lease_s)
    ]
    for plan in await svc.schedules.active_plans():
        week = due_week(now, plan.schedule, plan.last_week)
        if week is None or not await svc.schedules.claim(plan.chat_id, week, now):
            continue
        results.append(await post_week(svc, bot, plan.chat_id, week))
    return results


async def _weekly_posts(svc: Services, context: ChatContext) -> None:
    await run_due_posts(svc, context.bot)


weekly_posts_job = with_services(_weekly_posts)


def start_weekly_posts(app: Application[Any, ChatContext, Any, Any, BotData, Any], settings: Settings) -> None:
    """Run the check every `weekly_post_check_s`, first at the start of the next minute (0 turns it off)."""
    now = datetime.now(UTC)
    first = (now.replace(second=0, microsecond=0) + timedelta(minutes=1, seconds=1)) - now
    run_every(app, weekly_posts_job, settings.weekly_post_check_s, first=first, name=JOB_NAME)
