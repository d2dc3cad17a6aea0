"""The nightly re-cluster: every chat's faces clustered afresh once a day (the incremental filing of new faces is
greedy; a full pass fixes its order effects).

Idempotent, so no claim is needed: a re-cluster of unchanged faces gives the same people, manual corrections are
never moved (FaceStore.assign) and it runs under the chat's lock, like merges and removals. Running it twice, or in
two processes, costs time but changes nothing.
"""

from __future__ import annotations

from datetime import time
from typing import Any

from telegram.ext import Application

from handlers.context import BotData, ChatContext
from pipeline.settings import Settings

JOB_NAME = "people:recluster"
RECLUSTER_AT = time(4, 30)  # local time: the quietest hour of Korean group chats


async def recluster_job(context: ChatContext) -> None:
    await context.services.analyser.recluster_all()


def start_nightly_recluster(app: Application[Any, ChatContext, Any, Any, BotData, Any], settings: Settings) -> None:
    if app.job_queue is not None:
        app.job_queue.run_daily(recluster_job, time=RECLUSTER_AT.replace(tzinfo=settings.tz), name=JOB_NAME)
