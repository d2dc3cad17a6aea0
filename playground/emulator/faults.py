"""Injected failures: 429 flood waits, 500 and 502 errors, hung requests, dropped connections and slow responses —
counted ones (`add`) or random ones at a seeded rate (`randomly`). A failed call never runs its method, as when
Telegram's front end fails before the Bot API server sees the request — except `lost`: the method runs (a post is
in the chat) and then, after `delay` seconds, the connection is cut without an answer, as when the answer of a
request Telegram carried out is lost on the way back. A client sees it as it sees `drop` (delay 0) or `timeout`
(a delay past its read timeout), and cannot tell them apart. `slow` also runs the method, after the delay: past the
client's read timeout the post appears after the client gave up."""

from __future__ import annotations

import random
from dataclasses import dataclass

LOST = "lost"
# Every kind there is, and the random mix unless told (the load benchmark's).
FAULT_KINDS = ("429", "500", "502", "timeout", "drop", "slow", LOST)
DEFAULT_DELAYS = {"timeout": 30.0, "slow": 2.0}


@dataclass
class Fault:
    method: str  # lower-cased method name, or "*" for every method
    kind: str
    remaining: int
    retry_after: int = 1
    delay: float = 0.0


@dataclass(frozen=True)
class RandomFaults:
    """Each call of a method outside `spared` fails with probability `rate`, its kind drawn from `kinds`."""

    rate: float
    kinds: tuple[str, ...]
    rng: random.Random
    retry_after: int = 1
    delays: tuple[tuple[str, float], ...] = ()
    spared: frozenset[str] = frozenset()


class FaultPlan:
    def __init__(self) -> None:
        self.faults: list[Fault] = []
        self.random: RandomFaults | None = None
        self.triggered: list[tuple[str, str]] = []

    def add(self, method: str, kind: str, count: int, retry_after: int, delay: float | None) -> Fault:
        _check_kind(kind)
        if count < 1:
            raise ValueError("count must be at least 1")
        fault = Fault(
            method.lower(),
            kind,
            count,
            retry_after,
            DEFAULT_DELAYS.get(kind, 0.0) if delay is None else delay,
        )
        self.faults.append(fault)
        return fault

    def randomly(
        self,
        rate: float,
        kinds: tuple[str, ...],
        seed: int,
        *,
        retry_after: int = 1,
        delays: dict[str, float] | None = None,
        spared: tuple[str, ...] = (),
    ) -> None:
        """From now on fail calls at random (seeded: the same calls in the same order fail the same way)."""
        for kind in kinds:
            _check_kind(kind)
        if not 0.0 <= rate <= 1.0:
            raise ValueError("rate must be between 0 and 1")
        self.random = RandomFaults(
            rate,
            kinds,
            random.Random(seed),
            retry_after,
            tuple((delays or {}).items()),
            frozenset(name.lower() for name in spared),
        )

    def take(self, method: str) -> Fault | None:
        """The next fault for this call, consuming one of its repetitions."""
        for fault in self.faults:
            if fault.method in (method.lower(), "*"):
                fault.remaining -= 1
                if fault.remaining <= 0:
                    self.faults.remove(fault)
                self.triggered.append((method, fault.kind))
                return fault
        return self._random_fault(method)

    def _random_fault(self, method: str) -> Fault | None:
        chance = self.random
        if chance is None or method.lower() in chance.spared or chance.rng.random() >= chance.rate:
            return None
        kind = chance.rng.choice(chance.kinds)
        delay = dict(chance.delays).get(kind, DEFAULT_DELAYS.get(kind, 0.0))
        self.triggered.append((method, kind))
        return Fault(method.lower(), kind, 0, chance.retry_after, delay)

    def clear(self) -> None:
        self.faults.clear()
        self.random = None


def _check_kind(kind: str) -> None:
    if kind not in FAULT_KINDS:
        raise ValueError(f"fault kind must be one of {FAULT_KINDS}, not {kind!r}")
