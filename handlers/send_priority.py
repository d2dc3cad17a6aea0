"""Which of the bot's requests nobody is waiting for this instant (pipeline.priority: a photo's or file's handling,
booth links, scheduled jobs). The bot's overall budget of requests a second (bot.rate_limit) serves the others
first, so a /help asked during a burst of photos is not queued behind hundreds of "analysing…" edits."""

from __future__ import annotations

from pipeline.priority import bulk_work as bulk_requests
from pipeline.priority import doing_bulk as sending_bulk

__all__ = ["bulk_requests", "sending_bulk"]
