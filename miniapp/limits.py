"""Per-user (per-address for sign-in) request budgets: a token bucket per key, refilled continuously, in this
process; with REDIS_URL the same two numbers as a window shared by every replica (storage.redis_state
.RedisRequestLimit), so N replicas do not allow N times the budget."""

from __future__ import annotations

import time
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from typing import Protocol


# The Mini App's budgets: its JSON API per member, its pictures per member, sign-ins per Telegram user.
@dataclass(frozen=True)
class Budget:
    per_second: float
    burst: int


API_LIMIT, MEDIA_LIMIT, SIGNIN_LIMIT = Budget(20, 60), Budget(60, 240), Budget(0.5, 10)


class RequestLimit(Protocol):
    async def wait_s(self, key: Hashable) -> float: ...


class RateLimit:
    def __init__(
        self, per_second: float, burst: int, *, clock: Callable[[], float] = time.monotonic, max_keys: int = 50_000
    ) -> None:
        self.per_second = per_second
        self.burst = burst
        self.clock = clock
        self.max_keys = max_keys
        self._buckets: dict[Hashable, tuple[float, float]] = {}  # key → (tokens, when)

    def retry_after(self, key: Hashable) -> float:
        """0 when the request may go ahead (and it is counted); else seconds until it may."""
        now = self.clock()
        tokens, when = self._buckets.get(key, (float(self.burst), now))
        tokens = min(float(self.burst), tokens + (now - when) * self.per_second)
        if tokens < 1:
            self._buckets[key] = (tokens, now)
            return (1 - tokens) / self.per_second
        if len(self._buckets) >= self.max_keys and key not in self._buckets:
            self._buckets.clear()  # a flood of distinct keys: forget everyone rather than grow without bound
        self._buckets[key] = (tokens - 1, now)
        return 0.0

    async def wait_s(self, key: Hashable) -> float:
        return self.retry_after(key)
