"""Sliding-window rate limits: at most `limit` events per `window_s` seconds for each key (a chat, a user)."""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable, Hashable
from dataclasses import dataclass, field


class WindowLimit:
    """Keys whose window has emptied are forgotten, so the table holds only the keys active in the last window."""

    def __init__(self, limit: int, window_s: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.limit, self.window_s, self._clock = limit, window_s, clock
        self._events: dict[Hashable, deque[float]] = {}

    def wait_seconds(self, *keys: Hashable, count: bool = True) -> int:
        """0 when every key has room (and, with `count`, the event is counted for each), else the seconds until all
        have room."""
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


@dataclass
class Limits:
    """Events per minute: a member, and a whole chat (busy groups get more room than one member)."""

    uploads: WindowLimit = field(default_factory=lambda: WindowLimit(40, 60))
    chat_uploads: WindowLimit = field(default_factory=lambda: WindowLimit(120, 60))
    pictures: WindowLimit = field(default_factory=lambda: WindowLimit(20, 60))
    chat_pictures: WindowLimit = field(default_factory=lambda: WindowLimit(40, 60))
