"""A throttle for housekeeping a store does as a side effect of its normal calls (pruning expired rows): due at most
once every `every_s` seconds per process, on the monotonic clock (or the store's own)."""

from __future__ import annotations

import time
from collections.abc import Callable


class Every:
    def __init__(self, every_s: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.every_s, self.clock = every_s, clock
        self._last = float("-inf")

    def due(self) -> bool:
        """True when `every_s` passed since it was last due (and then not again until `every_s` more pass)."""
        now = self.clock()
        if now - self._last < self.every_s:
            return False
        self._last = now
        return True

    def reset(self) -> None:
        """Due at the next call."""
        self._last = float("-inf")
