"""Which work nobody is waiting for this instant ("bulk"): everything a photo's or file's handling does (its chat
actions, status edits, answers and answer pictures, also in the tasks it starts, which copy this context), a booth
link's fetching and status messages, and the scheduled jobs (weekly posts, digests, sweeps).

Two shared resources serve the rest first: the bot's overall Telegram budget (bot.rate_limit.OverallBudget), so a
/help asked during a burst of photos is not queued behind hundreds of "analysing…" edits, and the worker pools
(pipeline.workers.CpuPool), so the chart of a /rank is drawn before the burst's annotated answers waiting there.

Bulk work also remembers when it began (`bulk_since`), and the pools run the oldest first: a photo's later steps
(its people's clustering after its analysis) go before the analyses of photos sent after it. In first-come order
they queued behind every photo of a burst, and all of a burst's answers came at its end (the load benchmark: the
median photo waited 158 of the burst's 170 s, then 120 answers went out in 10 s)."""

from __future__ import annotations

import time
from contextlib import AbstractContextManager
from contextvars import ContextVar

from runtime.scoped import scoped

_BULK_SINCE: ContextVar[float | None] = ContextVar("bulk_since", default=None)


def bulk_work() -> AbstractContextManager[None]:
    """Bulk work from here on; nested, it keeps the outer work's start."""
    return scoped(_BULK_SINCE, _BULK_SINCE.get() or time.monotonic())


def doing_bulk() -> bool:
    return _BULK_SINCE.get() is not None


def bulk_since() -> float | None:
    """When the bulk work being done began (time.monotonic); None: not bulk work."""
    return _BULK_SINCE.get()
