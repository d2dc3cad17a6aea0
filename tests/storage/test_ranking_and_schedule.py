"""Ranking reads and weekly-post claims on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from ranking.board import RankBy, leaderboard, subject_labels
from storage.albums import AlbumStore
from storage.db import Database
from storage.faces import FaceStore, NewPerson
from storage.models import Chat, WeeklyPostStatus
from storage.ranking import RankingStore
from storage.schedule import ScheduleStore
from tests.storage.ledger_helpers import ALICE, BOB, CAROL, CHAT, add_members, dated_photo

WEEK = date(2026, 11, 23)  # Monday; in Seoul it starts at 2026-11-22 15:00 UTC


@dataclass
class World:
    db: Database
    albums: AlbumStore
    ranking: RankingStore
    schedules: ScheduleStore


@pytest.fixture
async def world(local_albums: AlbumStore) -> AsyncIterator[World]:
    albums = local_albums
    db = albums.db
    await add_members(albums)
    yield World(db, albums, RankingStore(db, "Asia/Seoul"), ScheduleStore(db, "Asia/Seoul"))


async def test_week_boundaries_follow_the_chats_timezone(world: World) -> None:
    just_before = datetime(2026, 11, 22, 14, 59, 59, tzinfo=UTC)  # Sunday 23:59:59 in Seoul: the week before
    at_midnight = datetime(2026, 11, 22, 15, 0, tzinfo=UTC)  # Monday 00:00 in Seoul
    last_second = datetime(2026, 11, 29, 14, 59, 59, tzinfo=UTC)  # Sunday 23:59:59: still this week
    next_week = datetime(2026, 11, 29, 15, 0, tzinfo=UTC)
    for seed, when in enumerate((just_before, at_midnight, last_second, next_week)):
        await dated_photo(world.db, world.albums, seed, ALICE, when, [10 * (seed + 1)])
    data = await world.ranking.ranking(CHAT, RankBy.member, WEEK)
    assert (data.photos, data.points) == (2, 20 + 30)
    assert [(s.label, s.points, s.photos) for s in leaderboard(data.contributions, data.names)] == [("Alice", 50, 2)]

    await world.schedules.set_timezone(CHAT, "UTC")  # the same photos, weeks counted in UTC
    assert (await world.ranking.ranking(CHAT, RankBy.member, WEEK)).points == 30 + 40
    assert (await world.ranking.ranking(CHAT, RankBy.member, None)).points == 100


async def test_ranking_by_person_and_by_member(world: World) -> None:
    when = datetime(2026, 11, 24, 3, tzinfo=UTC)
    p1 = await dated_photo(world.db, world.albums, 1, ALICE, when, [80.5, 20.4, 10])  # 81 + 20 + 10
    p2 = await dated_photo(world.db, world.albums, 2, BOB, when, [50, 60])
    await dated_photo(world.db, world.albums, 3, CAROL, when, [])  # no faces: 0 points, still Carol's photo
    faces = FaceStore(world.db)
    f1, f2, f3 = (f.id for f in await faces.faces_of_photo(p1))
    g1, g2 = (f.id for f in await faces.faces_of_photo(p2))
    jisoo, min_, hidden = NewPerson(), NewPerson(), NewPerson()
    stored = await faces.assign(CHAT, {f1: jisoo, g1: jisoo, f2: min_, g2: min_, f3: hidden})
    await faces.rename(stored[f1], "지수")
    await faces.set_hidden(stored[f3], True)

    people = await world.ranking.ranking(CHAT, RankBy.person, WEEK)
    board = leaderboard(people.contributions, subject_labels(people.names, lambda pid: f"Person {pid}"))
    assert [(s.place, s.points, s.photos) for s in board] == [(1, 131, 2), (2, 80, 2)]
    assert [s.label for s in board] == ["지수", f"Person {stored[f2]}"]
    assert stored[f3] not in {s.subject_id for s in board}, "hidden people stay out of the ranking"

    members = leaderboard(*_data(await world.ranking.ranking(CHAT, RankBy.member, WEEK)))
    assert [(s.place, s.label, s.points) for s in members] == [(1, "Alice", 111), (2, "Bob", 110), (3, "캐롤", 0)]


async def test_an_empty_week_has_an_empty_ranking(world: World) -> None:
    await dated_photo(world.db, world.albums, 1, ALICE, datetime(2026, 11, 10, tzinfo=UTC), [50])
    data = await world.ranking.ranking(CHAT, RankBy.person, WEEK)
    assert (data.contributions, data.photos, data.points) == ((), 0, 0)
    assert leaderboard(*_data(await world.ranking.ranking(CHAT, RankBy.member, WEEK))) == []


def _data(data: object) -> tuple[object, object]:
    return data.contributions, data.names  # type: ignore[attr-defined]


async def test_a_week_is_claimed_by_exactly_one_of_many_concurrent_runs(world: World) -> None:
    results = await asyncio.gather(*(world.schedules.claim(CHAT, WEEK) for _ in range(8)))
    assert sorted(results) == [False] * 7 + [True]
    await world.schedules.finish(CHAT, WEEK, WeeklyPostStatus.posted, 42)
    await world.schedules.release(CHAT, WEEK)  # only unfinished claims can be released
    assert [(p.week_start, p.status, p.message_id) for p in await world.schedules.posts(CHAT)] == [(WEEK, "posted", 42)]
    assert (await world.schedules.plan(CHAT)).last_week == WEEK


async def test_released_claim_can_be_claimed_again(world: World) -> None:
    assert await world.schedules.claim(CHAT, WEEK)
    await world.schedules.release(CHAT, WEEK)
    assert await world.schedules.claim(CHAT, WEEK)


async def test_a_claim_whose_holder_died_before_sending_is_taken_over_once_and_the_old_holder_may_not_send(
    world: World,
) -> None:
    claimed = datetime(2026, 11, 29, 11, 0, tzinfo=UTC)
    assert await world.schedules.claim(CHAT, WEEK, claimed)
    assert await world.schedules.take_over_lapsed(claimed + timedelta(seconds=299), lease_s=300) == []
    later = claimed + timedelta(seconds=301)
    takers = await asyncio.gather(*(world.schedules.take_over_lapsed(later, lease_s=300) for _ in range(6)))
    assert sorted(map(len, takers)) == [0] * 5 + [1]
    (claim,) = next(taken for taken in takers if taken)
    assert (claim.chat_id, claim.week, claim.attempt) == (CHAT, WEEK, 2)
    assert not await world.schedules.mark_sending(CHAT, WEEK, 1), "the holder that was thought dead may not send"
    assert await world.schedules.mark_sending(CHAT, WEEK, 2)
    much_later = later + timedelta(days=1)
    assert await world.schedules.take_over_lapsed(much_later, lease_s=300) == [], "a post that began sending stays"
    await world.schedules.finish(CHAT, WEEK, WeeklyPostStatus.posted, 7)
    assert await world.schedules.take_over_lapsed(much_later, lease_s=300) == []
    assert [(p.status, p.attempt) for p in await world.schedules.posts(CHAT)] == [("posted", 2)]


async def test_new_chats_get_the_default_schedule_from_when_they_were_seen_and_left_chats_are_skipped(
    world: World,
) -> None:
    (plan,) = await world.schedules.active_plans()
    assert (plan.weekday, plan.hour, plan.minute, plan.timezone, plan.enabled) == (6, 20, 0, "Asia/Seoul", True)
    async with world.db.session() as session:
        chat = await session.get(Chat, CHAT)
    assert plan.since == chat.created_at
    now = datetime(2026, 11, 25, tzinfo=UTC)
    later = await world.schedules.set_schedule(CHAT, weekday=4, hour=18, minute=30, now=now)
    assert (later.weekday, later.hour, later.minute) == (4, 18, 30)
    assert later.since.replace(tzinfo=UTC) == now, "a changed schedule starts counting at the change"
    await world.schedules.set_schedule(CHAT, enabled=False)
    assert await world.schedules.active_plans() == []
    await world.schedules.set_schedule(CHAT, enabled=True)
    await world.schedules.mark_left(CHAT)
    assert await world.schedules.active_plans() == []


async def test_the_migration_starts_existing_chats_schedules_at_upgrade_time(tmp_path: Path) -> None:
    """Chats from before 0003 get a schedule counting from the upgrade, so no surprise catch-up post."""
    from alembic import command
    from sqlalchemy import create_engine, text

    from storage.db import _alembic_config

    engine = create_engine(f"sqlite:///{tmp_path / 'old.sqlite3'}")
    with engine.begin() as connection:
        command.upgrade(_alembic_config(connection), "0002")
        connection.execute(
            text("INSERT INTO chat (id, type, created_at) VALUES (-5, 'group', '2020-01-01 00:00:00.000000')")
        )
        command.upgrade(_alembic_config(connection), "0003")
        row = connection.execute(text("SELECT weekday, hour, enabled, since FROM chatschedule")).one()
    assert tuple(row[:3]) == (6, 20, 1) and str(row[3]) > "2026"
