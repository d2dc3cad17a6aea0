"""When is a chat's weekly post due? A pure function of the clock, the schedule and the last week posted.

The rule: each week has one slot, the chat's weekday and time in its timezone (default Sunday 20:00 Asia/Seoul).
Once the clock has passed a slot, that slot's week is due unless it was already posted (or claimed). Only the most
recent passed slot is ever due, so a bot that was down for a month posts once, for the latest week, not four
times. Slots before `since` (when the schedule was created or last changed) are never due. A post reports the
week (Monday 00:00 – Sunday 24:00) its slot falls in, with the photos filed up to the moment it is made.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from ranking.points import as_utc, week_start

SUNDAY = 6


@dataclass(frozen=True)
class PostSchedule:
    timezone: str
    weekday: int = SUNDAY  # 0 = Monday … 6 = Sunday
    hour: int = 20
    minute: int = 0
    since: datetime = datetime(1970, 1, 1, tzinfo=UTC)

    def __post_init__(self) -> None:
        if not (0 <= self.weekday <= 6 and 0 <= self.hour <= 23 and 0 <= self.minute <= 59):
            raise ValueError("weekday 0-6, hour 0-23, minute 0-59")

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)


def slot_in_week(monday: date, schedule: PostSchedule) -> datetime:
    """The slot of the week starting `monday`, in UTC."""
    local = datetime.combine(monday + timedelta(days=schedule.weekday), time(schedule.hour, schedule.minute))
    return local.replace(tzinfo=schedule.tz).astimezone(UTC)


def latest_slot(now: datetime, schedule: PostSchedule) -> datetime:
    """The most recent slot at or before `now`."""
    monday = week_start(now, schedule.tz)
    slot = slot_in_week(monday, schedule)
    return slot if slot <= as_utc(now) else slot_in_week(monday - timedelta(days=7), schedule)


def due_week(now: datetime, schedule: PostSchedule, last_posted_week: date | None) -> date | None:
    """The week (its Monday) whose post should be made now, or None."""
    slot = latest_slot(now, schedule)
    if slot < as_utc(schedule.since):
        return None
    week = week_start(slot, schedule.tz)
    if last_posted_week is not None and last_posted_week >= week:
        return None
    return week


def next_slot(now: datetime, schedule: PostSchedule) -> datetime:
    return slot_in_week(week_start(latest_slot(now, schedule), schedule.tz) + timedelta(days=7), schedule)
