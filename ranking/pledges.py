"""The pledge rule: ₩ per smile point, with an optional weekly cap applied in a fixed order."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

MAX_WON_PER_POINT = 100_000
MAX_WEEKLY_CAP_WON = 100_000_000


@dataclass(frozen=True)
class Rule:
    won_per_point: int
    weekly_cap_won: int | None  # None = no cap

    def __post_init__(self) -> None:
        if not 1 <= self.won_per_point <= MAX_WON_PER_POINT:
            raise ValueError("won_per_point out of range")
        if self.weekly_cap_won is not None and not 0 <= self.weekly_cap_won <= MAX_WEEKLY_CAP_WON:
            raise ValueError("weekly_cap_won out of range")


@dataclass(frozen=True)
class OpenPledge:
    pledge_id: int
    photo_taken_at: datetime
    points: int


def allocation_order(pledges: Sequence[OpenPledge]) -> list[OpenPledge]:
    """Earlier photos first (ties by ledger id): the cap is filled in the order the smiles happened."""
    return sorted(pledges, key=lambda p: (p.photo_taken_at, p.pledge_id))


def allocate(pledges: Sequence[OpenPledge], rule: Rule) -> dict[int, int]:
    """Pledge id → ₩. Each photo pledges points × rate until the week's cap is reached; later ones get the rest."""
    remaining = rule.weekly_cap_won
    amounts: dict[int, int] = {}
    for pledge in allocation_order(pledges):
        gross = pledge.points * rule.won_per_point
        amount = gross if remaining is None else min(gross, remaining)
        if remaining is not None:
            remaining -= amount
        amounts[pledge.pledge_id] = amount
    return amounts
