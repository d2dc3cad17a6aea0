"""Which work nobody is waiting for this instant ("bulk"): everything a photo's or file's handling does (its chat
actions, status edits, answers and answer pictures, also in the tasks it starts, which copy this context), a booth
link's fetching and status messages, and the scheduled jobs (weekly posts, digests, sweeps).

Two shared resources serve the rest first: the bot's overall Telegram budget (bot.rate_limit.OverallBudget), so a
/help asked during a burst of photos is not queued behind hundreds of "analysing…" edits, and the worker pools
(pipeline.workers.CpuPool), so the chart of a /rank is drawn before the burst's annotated answers waiting there."""

from __future__ import annotations

from contextlib import AbstractContextManager
from contextvars import ContextVar

from runtime.scoped import scoped

_BULK: ContextVar[bool] = ContextVar("bulk_work", default=False)


def bulk_work() -> AbstractContextManager[None]:
    return scoped(_BULK, True)


def doing_bulk() -> bool:
    return _BULK.get()
