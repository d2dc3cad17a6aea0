"""The resume: photos that were stored but not analysed (analysed_at still NULL: a restart or a dead replica
interrupted them) are analysed in the background — as the bot starts, and every RESUME_EVERY after, so a replica
that died for good is made up for by the others.

Once across replicas: each sweep claims its slot of time (storage.job_claims); inside it each photo is claimed on
its own (PhotoAnalyser: a photo another process is analysing is waited for, not analysed twice), and
`FaceStore.record_analysis` records a photo's faces only while its analysed_at is NULL.

A photo whose analysis keeps failing is given up after MAX_ANALYSIS_ATTEMPTS (pipeline.analysis, counted in its row:
storage.analysis_attempts) and no longer resumed; the sweep that finds it tells its chat once
(handlers.analysis_failures).
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from telegram import Bot
from telegram.ext import Application

from handlers.analysis_failures import tell_given_up
from handlers.context import BotData, ChatContext
from pipeline.services import Services
from scheduler.jobs import claim_run, run_every, with_services

JOB_NAME = "analysis:resume"
RESUME_EVERY = timedelta(minutes=10)


def slot_of(svc: Services) -> str:
    now = svc.clock()
    step = int(RESUME_EVERY.total_seconds())
    return str(int(now.timestamp()) // step * step)


async def run_resume(svc: Services, bot: Bot | None = None) -> int | None:
    """One sweep unless another process has this slot's; how many photos it tried (None: not this process's). With
    `bot`, the chats of photos given up are then told."""
    if not await claim_run(svc, JOB_NAME, slot_of(svc), RESUME_EVERY):
        return None
    tried = await svc.analyser.resume()
    if bot is not None:
        await tell_given_up(svc, bot)
    return tried


async def _resume(svc: Services, context: ChatContext) -> None:
    await run_resume(svc, context.bot)


def start_resume(app: Application[Any, ChatContext, Any, Any, BotData, Any], services: Services) -> None:
    """The start-up sweep at once (PhotoAnalyser.resumed() waits for it), then one every RESUME_EVERY."""
    services.analyser.start_resume()
    interval = RESUME_EVERY.total_seconds()
    run_every(app, with_services(_resume), interval, first=interval, name=JOB_NAME)
