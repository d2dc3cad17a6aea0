"""When the weekly post is due: a pure function of the clock, the chat's schedule and the last week posted."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from ranking.post_slots import PostSchedule, due_week, latest_slot, next_slot

SEOUL = PostSchedule("Asia/Seoul", since=datetime(2026, 1, 1, tzinfo=UTC))  # Sunday 20:00 KST = 11:00 UTC
WEEK = date(2026, 11, 23)  # Monday of the week whose Sunday is 2026-11-29
SLOT = datetime(2026, 11, 29, 11, 0, tzinfo=UTC)


def at(offset: timedelta) -> datetime:
    return SLOT + offset


class Bot:
    """A bot process: it 'posts' whatever due_week says and remembers the last posted week, like the database."""

    def __init__(self, schedule: PostSchedule = SEOUL, last: date | None = None) -> None:
        self.schedule, self.last, self.posts = schedule, last, []

    def tick(self, now: datetime) -> None:
        week = due_week(now, self.schedule, self.last)
        if week is not None:
            self.posts.append((now, week))
            self.last = week


def test_not_due_a_second_before_the_scheduled_minute_and_due_at_it() -> None:
    assert due_week(at(-timedelta(seconds=1)), SEOUL, date(2026, 11, 16)) is None
    assert due_week(at(timedelta(0)), SEOUL, date(2026, 11, 16)) == WEEK
    assert due_week(at(timedelta(seconds=59)), SEOUL, date(2026, 11, 16)) == WEEK
    assert due_week(at(timedelta(minutes=1)), SEOUL, WEEK) is None, "posted already"


def test_the_sunday_post_covers_the_week_it_is_in_until_midnight_in_the_chats_timezone() -> None:
    just_before_midnight = datetime(2026, 11, 29, 14, 59, tzinfo=UTC)  # Sunday 23:59 KST
    after_midnight = datetime(2026, 11, 29, 15, 0, tzinfo=UTC)  # Monday 00:00 KST (still Sunday in UTC)
    assert due_week(just_before_midnight, SEOUL, None) == WEEK
    assert due_week(after_midnight, SEOUL, None) == WEEK, "Monday before the slot: last week's post is still due"
    assert due_week(after_midnight, SEOUL, WEEK) is None
    assert latest_slot(after_midnight, SEOUL) == SLOT
    assert next_slot(after_midnight, SEOUL) == SLOT + timedelta(days=7)


def test_timezones_move_the_slot() -> None:
    berlin = PostSchedule("Europe/Berlin", weekday=6, hour=20, since=SEOUL.since)  # CET in November: UTC+1
    assert due_week(datetime(2026, 11, 29, 18, 59, tzinfo=UTC), berlin, date(2026, 11, 16)) is None
    assert due_week(datetime(2026, 11, 29, 19, 0, tzinfo=UTC), berlin, date(2026, 11, 16)) == WEEK
    monday_morning = PostSchedule("Asia/Seoul", weekday=0, hour=9, since=SEOUL.since)
    assert due_week(datetime(2026, 11, 30, 0, 0, tzinfo=UTC), monday_morning, WEEK) == date(2026, 11, 30)


def test_restart_across_the_scheduled_minute_fires_exactly_once() -> None:
    before = Bot(last=date(2026, 11, 16))
    for minutes_before in (3, 2, 1):  # the old process ticks at 19:57, 19:58, 19:59 and is stopped
        before.tick(at(-timedelta(minutes=minutes_before)))
    assert before.posts == []
    after = Bot(last=before.last)  # the new process starts at 20:01:10 and ticks every minute
    for minute in range(10):
        after.tick(at(timedelta(minutes=1 + minute, seconds=10)))
    assert after.posts == [(at(timedelta(minutes=1, seconds=10)), WEEK)]


def test_long_downtime_catches_up_once_not_once_per_missed_week() -> None:
    bot = Bot(last=date(2026, 10, 26))  # posted five weeks ago, then the server was off
    for minute in range(0, 60 * 24 * 3, 7):  # back on Wednesday, ticking for three days
        bot.tick(datetime(2026, 12, 2, 3, 0, tzinfo=UTC) + timedelta(minutes=minute))
    assert [week for _, week in bot.posts] == [WEEK], "one post, for the latest missed week"


def test_a_new_schedule_never_posts_for_slots_before_it() -> None:
    fresh = PostSchedule("Asia/Seoul", since=datetime(2026, 11, 25, tzinfo=UTC))  # chat joined on Wednesday
    assert due_week(datetime(2026, 11, 26, tzinfo=UTC), fresh, None) is None
    assert due_week(SLOT, fresh, None) == WEEK
    changed_late = PostSchedule("Asia/Seoul", hour=18, since=at(-timedelta(minutes=30)))  # 19:30: moved to 18:00
    assert due_week(at(timedelta(hours=1)), changed_late, None) is None


def test_bad_schedules_are_refused() -> None:
    with pytest.raises(ValueError):
        PostSchedule("Asia/Seoul", weekday=7)
    with pytest.raises(ValueError):
        PostSchedule("Asia/Seoul", hour=24)
