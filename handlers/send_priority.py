"""Which of the bot's requests nobody is waiting for this instant: everything a photo's or file's handling sends
(its chat actions, status edits and answers, also from the tasks it starts, which copy this context). The bot's
overall budget of requests a second (bot.rate_limit) serves the others first, so a /help asked during a burst of
photos is not queued behind hundreds of "analysing…" edits."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

_BULK: ContextVar[bool] = ContextVar("bulk_requests", default=False)


@contextmanager
def bulk_requests() -> Iterator[None]:
    token = _BULK.set(True)
    try:
        yield
    finally:
        _BULK.reset(token)


def sending_bulk() -> bool:
    return _BULK.get()
