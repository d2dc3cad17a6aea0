"""Update claims shared by webhook replicas, in the database (SQLite, PostgreSQL): the first claim of (bot,
update_id) wins on any replica; a claim keeps the update with its owner's lease until it was handled, and an update
whose owner stopped renewing is taken over by exactly one other replica."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import pytest
from sqlmodel import select

from storage.db import Database
from storage.models import SeenUpdate
from storage.seen_updates import MAX_TAKEOVERS, SeenUpdates

SHORT = timedelta(seconds=0.3)


@pytest.fixture
async def db(database_url: str) -> AsyncIterator[Database]:
    database = Database(database_url)
    await database.migrate()
    yield database
    await database.dispose()


@pytest.fixture
async def other_db(db: Database) -> AsyncIterator[Database]:
    """The same database through another engine: another replica's connections."""
    database = Database(db.url)
    yield database
    await database.dispose()


def update(update_id: int) -> dict[str, Any]:
    return {"update_id": update_id, "message": {"message_id": 1, "date": 0, "chat": {"id": 5, "type": "private"}}}


async def row(db: Database, update_id: int) -> SeenUpdate:
    async with db.session() as session:
        return (await session.exec(select(SeenUpdate).where(SeenUpdate.update_id == update_id))).one()


async def test_the_first_claim_wins_on_either_replica(db: Database, other_db: Database) -> None:
    one, two = SeenUpdates(db), SeenUpdates(other_db)
    assert await one.claim(42, 1000, update(1000)) is True
    assert await two.claim(42, 1000, update(1000)) is False
    assert await one.claim(42, 1000) is False
    assert await two.claim(42, 1001) is True
    assert await one.claim(7, 1000) is True  # another bot's update ids are its own
    await one.ping()


async def test_concurrent_claims_of_one_update_let_exactly_one_through(db: Database, other_db: Database) -> None:
    one, two = SeenUpdates(db), SeenUpdates(other_db)
    results = await asyncio.gather(
        *(store.claim(42, number, update(number)) for number in range(50) for store in (one, two))
    )
    assert sum(results) == 50
    assert all(a != b for a, b in zip(results[::2], results[1::2], strict=True))


async def test_a_claim_holds_the_update_until_it_was_handled(db: Database) -> None:
    store = SeenUpdates(db, owner="replica-a", lease=SHORT)
    assert await store.claim(42, 1, update(1))
    held = await row(db, 1)
    assert held.owner == "replica-a" and held.lease_until is not None and held.payload is not None
    await store.done(42, 1)
    handled = await row(db, 1)
    assert handled.payload is None and handled.lease_until is None
    await asyncio.sleep(SHORT.total_seconds() * 2)
    assert await SeenUpdates(db, owner="replica-b").take_lapsed(42) == []  # handled: nothing to take over


async def test_a_dead_replicas_update_is_taken_over_by_exactly_one_other(db: Database, other_db: Database) -> None:
    dead = SeenUpdates(db, owner="dead", lease=SHORT)
    for number in (1, 2, 3):
        assert await dead.claim(42, number, update(number))
    await dead.done(42, 2)  # handled before it died
    assert await SeenUpdates(db, owner="early").take_lapsed(42) == []  # the lease still runs
    await asyncio.sleep(SHORT.total_seconds() * 2)
    sweepers = [SeenUpdates(db if n % 2 else other_db, owner=f"sweeper{n}", lease=timedelta(60)) for n in range(6)]
    taken = await asyncio.gather(*(sweeper.take_lapsed(42) for sweeper in sweepers))
    assert sorted(payload["update_id"] for payloads in taken for payload in payloads) == [1, 3]
    winners = {sweeper.owner for sweeper, payloads in zip(sweepers, taken, strict=True) for _ in payloads}
    assert (await row(db, 1)).owner in winners and (await row(db, 3)).owner in winners
    assert (await row(db, 1)).takeovers == 1
    await dead.done(42, 1)  # the old owner, woken up, does not clear a claim it no longer holds
    assert (await row(db, 1)).payload is not None


async def test_renewing_keeps_a_live_replicas_updates(db: Database) -> None:
    live = SeenUpdates(db, owner="live", lease=SHORT)
    assert await live.claim(42, 1, update(1))
    assert await live.claim(42, 2, update(2))
    await live.done(42, 2)
    other = SeenUpdates(db, owner="other")
    for _ in range(4):
        await asyncio.sleep(SHORT.total_seconds() / 3)
        assert await live.renew() == 1  # only the one still being handled
        assert await other.take_lapsed(42) == []


async def test_a_replica_late_to_renew_does_not_take_its_own_updates_again(db: Database) -> None:
    """Its event loop was too busy to renew in time: it is still handling them, and a second handling in the same
    process would answer twice. Another replica may take them."""
    busy = SeenUpdates(db, owner="busy", lease=SHORT)
    assert await busy.claim(42, 1, update(1))
    await asyncio.sleep(SHORT.total_seconds() * 2)
    assert await busy.take_lapsed(42) == []
    assert [payload["update_id"] for payload in await SeenUpdates(db, owner="other").take_lapsed(42)] == [1]


async def test_an_update_that_kills_every_taker_is_dropped(db: Database) -> None:
    store = SeenUpdates(db, owner="first", lease=timedelta(0))
    assert await store.claim(42, 1, update(1))
    for attempt in range(MAX_TAKEOVERS):
        taker = SeenUpdates(db, owner=f"taker{attempt}", lease=timedelta(0))
        assert [payload["update_id"] for payload in await taker.take_lapsed(42)] == [1]
    assert await SeenUpdates(db, owner="last", lease=timedelta(0)).take_lapsed(42) == []
    assert (await row(db, 1)).payload is None


async def test_claims_older_than_a_day_are_pruned_unless_still_held(db: Database) -> None:
    keep_nothing = SeenUpdates(db, keep=timedelta(0))
    assert await keep_nothing.claim(42, 1)
    assert await keep_nothing.claim(42, 2, update(2))
    keep_nothing._pruning.reset()
    await asyncio.sleep(0.01)
    assert await keep_nothing.claim(42, 3)  # prunes first (normally at most once a minute)
    async with db.session() as session:
        left = (await session.exec(select(SeenUpdate.update_id).order_by(SeenUpdate.update_id))).all()
    assert left == [2, 3]
