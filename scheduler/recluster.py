"""The nightly re-cluster: every chat's faces clustered afresh once a day (the incremental filing of new faces is
greedy; a full pass fixes its order effects).

Once across replicas: every replica's timer fires at 04:30, and the run first claims the day (storage.job_claims);
the others find it taken. It would be harmless twice — a re-cluster of unchanged faces gives the same people, manual
corrections are never moved (FaceStore.assign) and it runs under the chat's lock — but it costs minutes of CPU.
"""

from __future__ import annotations

from datetime import time, timedelta
from typing import Any

from telegram.ext import Application

from handlers.context import BotData, ChatContext
from pipeline.services import Services
from pipeline.settings import Settings
from scheduler.jobs import claim_run, with_services

JOB_NAME = "people:recluster"
RECLUSTER_AT = time(4, 30)  # local time: the quietest hour of Korean group chats
CLAIM_TTL = timedelta(hours=20)  # past any run's length, short of the next night


async def run_recluster(svc: Services) -> bool:
    """Re-cluster every chat unless another process already did today; True when this call ran it."""
    today = svc.clock().astimezone(svc.settings.tz).date().isoformat()
    if not await claim_run(svc, JOB_NAME, today, CLAIM_TTL):
        return False
    await svc.analyser.recluster_all()
    return True


async def _recluster(svc: Services, _context: ChatContext) -> None:
    await run_recluster(svc)


recluster_job = with_services(_recluster)


def start_nightly_recluster(app: Application[Any, ChatContext, Any, Any, BotData, Any], settings: Settings) -> None:
    if app.job_queue is not None:
        app.job_queue.run_daily(recluster_job, time=RECLUSTER_AT.replace(tzinfo=settings.tz), name=JOB_NAME)
