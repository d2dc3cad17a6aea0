"""Per-user (per-address for sign-in) request budgets: a token bucket per key, refilled continuously."""

from __future__ import annotations

import time
from collections.abc import Callable, Hashable


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
