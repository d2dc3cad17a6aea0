"""Update claims shared by webhook replicas: the first claim of (bot, update_id) wins on any replica, in the
database (SQLite, PostgreSQL) and in Redis."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import timedelta

import pytest
from sqlmodel import select

from storage.db import Database
from storage.models import SeenUpdate
from storage.redis_seen import RedisSeenUpdates
from storage.seen_updates import DbSeenUpdates, SeenUpdates


@pytest.fixture
async def db(database_url: str) -> AsyncIterator[Database]:
    database = Database(database_url)
    await database.migrate()
    yield database
    await database.dispose()


async def replicas(db: Database, claims_redis: tuple[str, str] | None) -> tuple[SeenUpdates, SeenUpdates]:
    """Two replicas' claim stores over the same backend (each with its own connections)."""
    if claims_redis is None:
        return DbSeenUpdates(db), DbSeenUpdates(Database(db.url))
    url, prefix = claims_redis
    return RedisSeenUpdates(url, prefix), RedisSeenUpdates(url, prefix)


async def test_the_first_claim_wins_on_either_replica(db: Database, claims_redis: tuple[str, str] | None) -> None:
    one, two = await replicas(db, claims_redis)
    try:
        assert await one.claim(42, 1000) is True
        assert await two.claim(42, 1000) is False
        assert await one.claim(42, 1000) is False
        assert await two.claim(42, 1001) is True
        assert await one.claim(7, 1000) is True  # another bot's update ids are its own
        await one.ping()
    finally:
        await one.close()
        await two.close()
        if isinstance(two, DbSeenUpdates):
            await two.db.dispose()


async def test_concurrent_claims_of_one_update_let_exactly_one_through(
    db: Database, claims_redis: tuple[str, str] | None
) -> None:
    one, two = await replicas(db, claims_redis)
    try:
        results = await asyncio.gather(*(store.claim(42, update) for update in range(50) for store in (one, two)))
        assert sum(results) == 50
        assert all(a != b for a, b in zip(results[::2], results[1::2], strict=True))
    finally:
        await one.close()
        await two.close()
        if isinstance(two, DbSeenUpdates):
            await two.db.dispose()


async def test_database_claims_older_than_a_day_are_pruned(db: Database) -> None:
    keep_nothing = DbSeenUpdates(db, keep=timedelta(0))
    assert await keep_nothing.claim(42, 1)
    await asyncio.sleep(0.01)
    keep_nothing._pruned_at = float("-inf")  # the next claim prunes (normally at most once a minute)
    assert await keep_nothing.claim(42, 2)
    async with db.session() as session:
        left = (await session.exec(select(SeenUpdate.update_id))).all()
    assert left == [2]


@pytest.mark.parametrize("claims_redis", ["redis"], indirect=True)
async def test_redis_claims_expire_after_a_day(claims_redis: tuple[str, str] | None) -> None:
    assert claims_redis is not None
    url, prefix = claims_redis
    store = RedisSeenUpdates(url, prefix)
    try:
        assert await store.claim(42, 5)
        ttl = await store.redis.ttl(store.key(42, 5))
        assert 86_000 < ttl <= 86_400
    finally:
        await store.close()
