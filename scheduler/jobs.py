"""The one way a job is put on PTB's JobQueue, and the claim that makes each run happen once across replicas.

Every replica runs the same local timers (APScheduler 3 cannot share a job store between processes); what runs once
is decided in the database: a job body either claims its own unit of work (the weekly post per chat and week, the
digest per chat and window) or the whole run claims its slot (`claim_run`: the nightly re-cluster per day, the
resume sweep per interval).
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from datetime import timedelta
from typing import Any

from telegram.ext import Application

from handlers.context import BotData, ChatContext
from pipeline.priority import bulk_work
from pipeline.services import Services

JobCallback = Callable[[ChatContext], Coroutine[Any, Any, None]]
App = Application[Any, ChatContext, Any, Any, BotData, Any]


def run_every(app: App, callback: JobCallback, interval: float, *, first: float | timedelta, name: str) -> None:
    """A repeating job that never overlaps itself in this process (a slow run makes the next one wait, and missed
    runs collapse into one); `interval` ≤ 0 or no JobQueue: not started."""
    if interval <= 0 or app.job_queue is None:
        return
    app.job_queue.run_repeating(
        callback,
        interval=interval,
        first=first,
        name=name,
        job_kwargs={"id": name, "replace_existing": True, "max_instances": 1, "coalesce": True},
    )


def with_services(body: Callable[[Services, ChatContext], Coroutine[Any, Any, object]]) -> JobCallback:
    """A job body that runs only once the services are up (a timer may fire during start or shutdown). Nobody waits
    for a job's requests and pictures this instant (weekly posts, digests, sweeps): they are bulk work, which the
    bot's Telegram budget and worker pools serve after people's requests (pipeline.priority)."""

    async def job(context: ChatContext) -> None:
        if context.bot_data.services is not None:
            with bulk_work():
                await body(context.services, context)

    return job


async def claim_run(svc: Services, name: str, slot: str, ttl: timedelta) -> bool:
    """True for the one process that runs job `name` for `slot`; the claim is left to expire after `ttl`."""
    return await svc.shared.claims.claim(name, slot, ttl)
