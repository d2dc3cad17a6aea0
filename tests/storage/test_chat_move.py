"""A group upgraded to a supergroup: storage.chat_move moves everything to the new id, once, on both databases."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, date, datetime

import pytest
from sqlalchemy import func, select

from ranking.board import RankBy
from ranking.charities import load_charities
from storage.albums import AlbumStore, NewMedia
from storage.chat_move import chat_tables, move_chat
from storage.db import Database
from storage.faces import FaceStore, NewPerson
from storage.ledger import CloseOutcome, LedgerStore
from storage.models import Chat, WeeklyPostStatus
from storage.ranking import RankingStore
from storage.schedule import ScheduleStore
from tests.storage.ledger_helpers import ALICE, BOB, CHAT, add_members, dated_photo, face, png

OLD = CHAT
NEW = -1_000_000_000_100
WEEK = date(2026, 11, 16)


@dataclass
class World:
    db: Database
    albums: AlbumStore
    faces: FaceStore
    ledger: LedgerStore
    schedules: ScheduleStore
    ranking: RankingStore


@pytest.fixture
async def world(local_albums: AlbumStore) -> AsyncIterator[World]:
    albums = local_albums
    db = albums.db
    await add_members(albums)
    yield World(
        db,
        albums,
        FaceStore(db),
        LedgerStore(db, load_charities(), "Asia/Seoul"),
        ScheduleStore(db, "Asia/Seoul"),
        RankingStore(db, "Asia/Seoul"),
    )


async def rows_per_table(db: Database, chat_id: int) -> dict[str, int]:
    async with db.session() as session:
        return {
            table.name: int(
                (await session.exec(select(func.count()).select_from(table).where(table.c.chat_id == chat_id))).one()[0]
            )
            for table in chat_tables()
        }


async def fill_old_chat(world: World) -> list[int]:
    """An old group with every kind of data: album, faces in a named person, ledger, a closed week, schedule."""
    await world.ledger.set_charity(OLD, "childfund", ALICE)
    await world.ledger.set_rule(OLD, 10, None, ALICE, now=datetime(2026, 11, 1, tzinfo=UTC))
    await world.ledger.add_charity(OLD, "Cheese Fund", "https://cheese.example", ALICE)
    photos = [
        await dated_photo(
            world.db, world.albums, seed, ALICE if seed % 2 else BOB, datetime(2026, 11, 17, tzinfo=UTC), [80]
        )
        for seed in range(3)
    ]
    faces = [face.id for face in await world.faces.chat_faces(OLD)]
    await world.faces.assign(OLD, dict.fromkeys(faces, NewPerson()))
    person = (await world.faces.people(OLD))[0]
    await world.faces.rename(person.id, "Minji")
    await world.ledger.reconcile(OLD)
    assert (await world.ledger.close_week(OLD, WEEK, ALICE, lambda c: c.key)).outcome is CloseOutcome.closed
    await world.schedules.set_schedule(OLD, weekday=4, hour=18)
    await world.schedules.set_timezone(OLD, "Europe/Berlin")
    await world.albums.set_language(chat_id=OLD, chat_type="group", user_id=None, language="en")
    assert await world.schedules.claim(OLD, WEEK)
    await world.schedules.finish(OLD, WEEK, WeeklyPostStatus.posted, 77)
    return photos


async def test_everything_moves_to_the_new_id_and_the_old_id_is_forgotten(world: World) -> None:
    await fill_old_chat(world)
    before = await rows_per_table(world.db, OLD)
    assert all(before[name] > 0 for name in ("member", "photo", "person", "face", "pledge", "donationweek"))
    ranking_before = await world.ranking.ranking(OLD, RankBy.member, None)

    move = await move_chat(world.db, OLD, NEW)

    assert move.happened and move.moved == before
    assert await rows_per_table(world.db, NEW) == before
    assert set((await rows_per_table(world.db, OLD)).values()) == {0}
    async with world.db.session() as session:
        assert await session.get(Chat, OLD) is None
        new_chat = await session.get(Chat, NEW)
    assert new_chat is not None and (new_chat.language, new_chat.timezone) == ("en", "Europe/Berlin")
    assert [p.name for p in await world.faces.people(NEW)] == ["Minji"]
    assert await world.albums.count(NEW) == 3
    plan = await world.schedules.plan(NEW)
    assert (plan.weekday, plan.hour, plan.last_week) == (4, 18, WEEK)
    donations = await world.ledger.donations(NEW)
    assert donations.week(WEEK).closed is not None and donations.week(WEEK).pledges == 3
    assert donations.charity is not None and donations.charity.key == "childfund"
    ranking_after = await world.ranking.ranking(NEW, RankBy.member, None)
    assert (ranking_after.photos, ranking_after.points) == (ranking_before.photos, ranking_before.points)


async def test_moving_twice_or_in_both_orders_changes_nothing_more(world: World) -> None:
    await fill_old_chat(world)
    first = await move_chat(world.db, OLD, NEW)
    after_first = await rows_per_table(world.db, NEW)
    # The old chat's own service message arrives later: remember_update records the old chat and its member again.
    await world.albums.remember(chat_id=OLD, chat_type="group", chat_title="G", user_id=ALICE, first_name="Alice")
    second = await move_chat(world.db, OLD, NEW)
    third = await move_chat(world.db, OLD, NEW)
    assert first.happened and not third.happened
    assert second.moved.get("photo") == 0
    assert await rows_per_table(world.db, NEW) == after_first, "the member was already there: nothing doubled"
    assert set((await rows_per_table(world.db, OLD)).values()) == {0}


async def test_concurrent_moves_move_once(world: World) -> None:
    await fill_old_chat(world)
    before = await rows_per_table(world.db, OLD)
    moves = await asyncio.gather(*(move_chat(world.db, OLD, NEW) for _ in range(3)))
    assert sum(move.happened for move in moves) == 1
    assert await rows_per_table(world.db, NEW) == before


async def test_rows_the_new_id_got_first_give_way_to_the_old_chats(world: World) -> None:
    photos = await fill_old_chat(world)
    old_photo = await world.albums.get(photos[0])
    assert old_photo is not None
    # Before the move is handled: the supergroup is seen, gets its default schedule, and someone sends the same
    # photo again plus a new one.
    await world.albums.remember(chat_id=NEW, chat_type="supergroup", chat_title="G", user_id=BOB, first_name="Bob")
    await world.schedules.active_plans()
    duplicate = await world.albums.save(NEW, NewMedia(data=png(0), mime="image/png", sender_id=BOB))
    fresh = await world.albums.save(NEW, NewMedia(data=png(99), mime="image/png", sender_id=BOB))
    assert duplicate.created and duplicate.photo.sha256 == old_photo.sha256

    gap_faces = await world.faces.record_analysis(fresh.photo.id, [face(40, 7), face(45, 8)])
    await world.faces.assign(NEW, {gap_faces[0]: NewPerson(), gap_faces[1]: NewPerson()})
    old_numbers = [p.number for p in await world.faces.people(OLD)]

    move = await move_chat(world.db, OLD, NEW)

    numbers = sorted(p.number for p in await world.faces.people(NEW))
    assert numbers == sorted([*old_numbers, max(old_numbers) + 1, max(old_numbers) + 2]), "both chats' people kept"
    async with world.db.session() as session:
        new_chat = await session.get(Chat, NEW)
    assert new_chat is not None and new_chat.last_person_number == max(numbers), "numbers are never given twice"
    assert move.dropped_duplicates == 1
    assert await world.albums.get(duplicate.photo.id) is None, "the duplicate goes; the old photo keeps its history"
    assert await world.albums.get(photos[0]) is not None and await world.albums.get(fresh.photo.id) is not None
    assert await world.albums.count(NEW) == 4
    plan = await world.schedules.plan(NEW)
    assert (plan.weekday, plan.hour) == (4, 18), "the old chat's chosen schedule wins over the new default"


async def test_a_move_to_the_same_id_is_refused(world: World) -> None:
    with pytest.raises(ValueError):
        await move_chat(world.db, OLD, OLD)
