"""Smile points and weeks, the two definitions every number the bot shows is built on.

- A face's smile points are its smile score (0–100) rounded to the nearest integer, halves up (72.5 → 73).
- A photo's smile points are the sum over its faces, each face counted once.
- A week runs from Monday 00:00 to the next Monday 00:00 in the chat's timezone; a photo belongs to the week of
  the moment it was filed in the album. A week is named by its Monday (a local date).
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from datetime import UTC, date, datetime, time, timedelta, tzinfo


def face_points(smile: float) -> int:
    if math.isnan(smile):
        return 0
    return min(100, max(0, math.floor(smile + 0.5)))


def photo_points(smiles: Iterable[float]) -> int:
    return sum(face_points(smile) for smile in smiles)


def week_start(moment: datetime, tz: tzinfo) -> date:
    """The Monday (local date) of the week `moment` falls in."""
    local = _aware(moment).astimezone(tz).date()
    return local - timedelta(days=local.weekday())


def week_bounds(monday: date, tz: tzinfo) -> tuple[datetime, datetime]:
    """[start, end) of the week in UTC: local Monday 00:00 to the next local Monday 00:00 (DST-safe)."""
    start = datetime.combine(monday, time(0, 0), tzinfo=tz)
    end = datetime.combine(monday + timedelta(days=7), time(0, 0), tzinfo=tz)
    return start.astimezone(UTC), end.astimezone(UTC)


def _aware(moment: datetime) -> datetime:
    # SQLite hands back naive datetimes for timezone-aware columns; they were stored in UTC.
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def as_utc(moment: datetime) -> datetime:
    return _aware(moment).astimezone(UTC)
