"""Sliding-window rate limits: at most `limit` events per `window_s` seconds for each key (a chat, a user).

`WindowLimit` counts in this process (the default); with REDIS_URL every replica counts in Redis
(storage.redis_state.RedisWindowLimit), so a member's limit is the same whichever replica their updates reach."""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable, Hashable
from dataclasses import dataclass, field, fields
from typing import Protocol

from redis.asyncio import Redis

from storage.redis_state import RedisWindowLimit


class RateLimit(Protocol):
    async def wait_seconds(self, *keys: Hashable, count: bool = True) -> int:
        """0 when every key has room (and, with `count`, the event is counted for each), else the seconds until all
        have room."""
        ...


class WindowLimit:
    """Keys whose window has emptied are forgotten, so the table holds only the keys active in the last window."""

    def __init__(self, limit: int, window_s: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.limit, self.window_s, self._clock = limit, window_s, clock
        self._events: dict[Hashable, deque[float]] = {}

    async def wait_seconds(self, *keys: Hashable, count: bool = True) -> int:
        now = self._clock()
        for stale in [key for key, events in self._events.items() if now - events[-1] >= self.window_s]:
            del self._events[stale]
        waits = []
        for key in keys:
            events = self._events.get(key, deque())
            while events and now - events[0] >= self.window_s:
                events.popleft()
            if len(events) >= self.limit:
                waits.append(max(1, round(self.window_s - (now - events[0]))))
        if waits or not count:
            return max(waits, default=0)
        for key in keys:
            self._events.setdefault(key, deque()).append(now)
        return 0


# (limit, window in seconds) of each limit below
UPLOADS, CHAT_UPLOADS, PICTURES, CHAT_PICTURES = (40, 60.0), (120, 60.0), (20, 60.0), (40, 60.0)
BOOTH_LINKS = (8, 60.0)  # booth downloads per chat and per member: QR pages must never be crawled through us


@dataclass
class Limits:
    """Events per minute: a member, and a whole chat (busy groups get more room than one member)."""

    uploads: RateLimit = field(default_factory=lambda: WindowLimit(*UPLOADS))
    chat_uploads: RateLimit = field(default_factory=lambda: WindowLimit(*CHAT_UPLOADS))
    pictures: RateLimit = field(default_factory=lambda: WindowLimit(*PICTURES))
    chat_pictures: RateLimit = field(default_factory=lambda: WindowLimit(*CHAT_PICTURES))

    @classmethod
    def in_redis(cls, redis: Redis, prefix: str) -> Limits:
        sizes = {"uploads": UPLOADS, "chat_uploads": CHAT_UPLOADS, "pictures": PICTURES, "chat_pictures": CHAT_PICTURES}
        return cls(**{f.name: RedisWindowLimit(redis, f.name, *sizes[f.name], prefix=prefix) for f in fields(cls)})


def booth_link_limit(redis: Redis | None = None, prefix: str = "choosecheese") -> RateLimit:
    if redis is None:
        return WindowLimit(*BOOTH_LINKS)
    return RedisWindowLimit(redis, "booth_links", *BOOTH_LINKS, prefix=prefix)
