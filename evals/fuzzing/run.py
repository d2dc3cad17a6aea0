"""The runner: one target, n seeded cases, every outcome sorted; the table of targets."""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any


class Outcome(StrEnum):
    result = "result"
    refused = "refused"


@dataclass
class FuzzResult:
    target: str
    cases: int = 0
    outcomes: dict[Outcome, int] = field(default_factory=lambda: dict.fromkeys(Outcome, 0))
    crashes: list[str] = field(default_factory=list)  # "input → what went wrong", shortened
    failing: list[Any] = field(default_factory=list)  # the crashing inputs themselves, to replay
    slowest_s: float = 0.0


@dataclass(frozen=True)
class Target:
    """`cases(rng, n)` yields n inputs; `check(case)` returns the outcome, or raises: an exception of a type in
    `refusals` is a refusal too, anything else a crash (AssertionError: a broken promise about the result)."""

    name: str
    cases: Callable[[random.Random, int], Iterator[Any]]
    check: Callable[[Any], Outcome]
    refusals: tuple[type[BaseException], ...]
    budget_s: float = 5.0  # one case slower than this is a hang


def _short(value: object, limit: int = 160) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def run_target(target: Target, n: int, seed: int = 0) -> FuzzResult:
    result = FuzzResult(target.name)
    rng = random.Random(f"{target.name}:{seed}")
    for case in target.cases(rng, n):
        result.cases += 1
        started = time.perf_counter()
        try:
            outcome = target.check(case)
        except target.refusals:
            outcome = Outcome.refused
        except Exception as exc:  # the point of a fuzzer: every other exception is a finding
            result.crashes.append(f"{_short(case)} → {type(exc).__name__}: {_short(str(exc), 200)}")
            result.failing.append(case)
            continue
        elapsed = time.perf_counter() - started
        result.slowest_s = max(result.slowest_s, elapsed)
        if elapsed > target.budget_s:
            result.crashes.append(f"{_short(case)} → took {elapsed:.1f}s (budget {target.budget_s}s)")
            result.failing.append(case)
            continue
        result.outcomes[outcome] += 1
    return result
