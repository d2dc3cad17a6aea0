"""Quiet chats' digests: one PTB JobQueue job looks every minute for quiet chats with new photos.

Exactly once: a digest covers the photos filed in [since, until), where `since` is where the chat's previous digest
ended (or, for its first, when the chat turned quiet / was first seen, at most a day back) and `until` the last
boundary of the chat's N-minute grid that lies at least SETTLE_S seconds in the past (so a photo committed just
before the boundary is already visible). A run first claims (chat, since) in the database with INSERT … ON CONFLICT
DO NOTHING and sends only if it won: overlapping runs, a second bot process or a restart compute the same `since`
and lose the claim, and the next digest starts exactly where the claimed one ends, so no photo is told twice or
skipped. A claim is given back only when Telegram certainly did not post it; a digest whose answer was lost is
finished `unconfirmed` and not sent again (handlers.delivery: at most once, so its photos may go untold). A window
with no photo claims nothing (the next one simply starts at the same `since`), and one whose photos are still being
analysed waits (up to ANALYSIS_GRACE) so the digest can tell their smiles.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from telegram import Bot
from telegram.ext import Application

from handlers.context import BotData, ChatContext
from handlers.digest import send_digest
from pipeline.services import Services
from pipeline.settings import Settings
from scheduler.jobs import run_every, with_services
from storage.answers import FIRST_DIGEST_LOOKBACK, AnswerPlan
from storage.models import DigestStatus

JOB_NAME = "quiet-digests"
SETTLE = timedelta(seconds=30)
ANALYSIS_GRACE = timedelta(minutes=5)
_EPOCH = datetime(2000, 1, 3, tzinfo=UTC)  # a Monday 00:00 UTC: windows line up with whole hours


def window_end(now: datetime, minutes: int) -> datetime:
    """The latest boundary of the `minutes` grid at least SETTLE before `now`."""
    step = timedelta(minutes=minutes)
    return _EPOCH + ((now - SETTLE - _EPOCH) // step) * step


async def due_window(svc: Services, plan: AnswerPlan, now: datetime) -> tuple[datetime, datetime] | None:
    until = window_end(now, plan.digest_minutes)
    last = await svc.answers.last_digest_until(plan.chat_id)
    since = max(last or until - FIRST_DIGEST_LOOKBACK, plan.since)
    return (since, until) if since < until else None


async def run_due_digests(svc: Services, bot: Bot) -> list[tuple[int, DigestStatus]]:
    """Send every digest that is due now (by `svc.clock`). Safe to run any number of times, concurrently."""
    now = svc.clock()
    sent = []
    for plan in await svc.answers.quiet_chats():
        window = await due_window(svc, plan, now)
        if window is None:
            continue
        since, until = window
        photos = await svc.answers.digest_photos(plan.chat_id, since, until)
        if not photos or any(not photo.analysed and now - photo.created_at < ANALYSIS_GRACE for photo in photos):
            continue
        if not await svc.answers.claim_digest(plan.chat_id, since, until):
            continue
        sent.append((plan.chat_id, await send_digest(svc, bot, plan.chat_id, since, photos)))
    return sent


async def _digests(svc: Services, context: ChatContext) -> None:
    await run_due_digests(svc, context.bot)


digests_job = with_services(_digests)


def start_digests(app: Application[Any, ChatContext, Any, Any, BotData, Any], settings: Settings) -> None:
    run_every(app, digests_job, settings.digest_check_s, first=settings.digest_check_s, name=JOB_NAME)
