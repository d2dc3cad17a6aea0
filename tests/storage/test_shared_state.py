"""What replicas share (pipeline.shared): each backend against the real engine — SQLite and PostgreSQL for the
tables and the advisory lock, Redis for keys and rate limits — with two instances standing for two replicas, each on
its own connections."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import timedelta

import pytest
from redis.asyncio import Redis

from storage.chat_keys import ChatKeys, DbChatKeys, MemoryChatKeys
from storage.chat_locks import PgChatLocks
from storage.db import Database
from storage.job_claims import JobClaims
from storage.media_groups import DbMediaGroups, GroupHeader, GroupItem, MediaGroupStore, MemoryMediaGroups
from storage.redis_state import RedisChatKeys, RedisWindowLimit

HEADER = GroupHeader("ko", "지수", quiet=False)


@pytest.fixture
async def two_dbs(database_url: str) -> AsyncIterator[tuple[Database, Database]]:
    one, two = Database(database_url), Database(database_url)
    await one.migrate()
    yield one, two
    await two.dispose()
    await one.dispose()


@pytest.fixture
async def two_redis(redis_prefix: tuple[str, str]) -> AsyncIterator[tuple[Redis, Redis, str]]:
    url, prefix = redis_prefix
    one, two = Redis.from_url(url), Redis.from_url(url)
    yield one, two, prefix
    await one.aclose()
    await two.aclose()


async def behaves_as_shared_chat_keys(one: ChatKeys, two: ChatKeys) -> None:
    await one.put(1, "name_prompt:10", [5, 9], 60)
    assert await two.get(1, "name_prompt:10") == [5, 9], "written on one replica, read on the other"
    assert await two.get(2, "name_prompt:10") is None, "keys are per chat"
    taken = await asyncio.gather(*(store.take(1, "name_prompt:10") for _ in range(5) for store in (one, two)))
    assert [value for value in taken if value is not None] == [[5, 9]], "taken exactly once"

    counts = await asyncio.gather(*(store.add(1, "n", 1, 60) for _ in range(10) for store in (one, two)))
    assert sorted(counts) == list(range(1, 21)), "concurrent adds count one after another"
    assert await one.add(1, "n", 5, 60) == 25 and await two.take(1, "n") == 25

    await one.put(1, "short", "x", 0.3)
    await one.add(1, "short_count", 3, 0.3)
    await asyncio.sleep(0.6)
    assert await two.get(1, "short") is None and await two.take(1, "short") is None, "expired"
    assert await two.add(1, "short_count", 1, 60) == 1, "an expired counter starts again"


async def test_chat_keys_in_memory() -> None:
    keys = MemoryChatKeys()
    await behaves_as_shared_chat_keys(keys, keys)


async def test_chat_keys_in_the_database_are_shared(two_dbs: tuple[Database, Database]) -> None:
    await behaves_as_shared_chat_keys(DbChatKeys(two_dbs[0]), DbChatKeys(two_dbs[1]))


async def test_chat_keys_in_redis_are_shared(two_redis: tuple[Redis, Redis, str]) -> None:
    one, two, prefix = two_redis
    await behaves_as_shared_chat_keys(RedisChatKeys(one, prefix), RedisChatKeys(two, prefix))


async def behaves_as_shared_media_groups(one: MediaGroupStore, two: MediaGroupStore) -> None:
    replicas = (one, two)
    for index in range(6):  # six photos of one album, joined on alternating replicas
        await replicas[index % 2].join(-100, "album", HEADER)
    early = await one.finish(-100, "album", 1, GroupItem(saved=True, photo_id=11))
    assert await two.take(-100, "album", early) is None, "items still pending"

    async def item(index: int) -> int:
        message_id = index + 2
        result = None if index == 4 else GroupItem(saved=True, photo_id=10 + message_id)  # one item failed
        return await replicas[index % 2].finish(-100, "album", message_id, result)

    seqs = await asyncio.gather(*(item(index) for index in range(5)))
    last = max(seqs)
    assert last == 5, "five items finished with a result"
    assert await one.take(-100, "album", early) is None, "items finished since: not quiet yet"
    taken = await asyncio.gather(*(store.take(-100, "album", last) for _ in range(3) for store in replicas))
    won = [group for group in taken if group is not None]
    assert len(won) == 1, "exactly one replica answers the album"
    assert won[0].header == HEADER and sorted(won[0].items) == [1, 2, 3, 4, 5]
    assert won[0].items[3] == GroupItem(saved=True, photo_id=13)
    assert await one.finish(-100, "album", 99, GroupItem()) == -1, "answered: a late item finds nothing"
    await two.join(-100, "album", HEADER)  # a late item starts a new album of its own
    seq = await one.finish(-100, "album", 100, GroupItem(duplicate=True))
    again = await two.take(-100, "album", seq)
    assert again is not None and again.items == {100: GroupItem(duplicate=True)}


async def test_media_groups_in_memory() -> None:
    groups = MemoryMediaGroups()
    await behaves_as_shared_media_groups(groups, groups)


async def test_media_groups_in_the_database_are_answered_once(two_dbs: tuple[Database, Database]) -> None:
    await behaves_as_shared_media_groups(DbMediaGroups(two_dbs[0]), DbMediaGroups(two_dbs[1]))


async def test_job_claims_run_once_and_pass_on_when_expired(two_dbs: tuple[Database, Database]) -> None:
    one, two = JobClaims(two_dbs[0], owner="one"), JobClaims(two_dbs[1], owner="two")
    hour = timedelta(hours=1)
    won = await asyncio.gather(
        *(claims.claim("recluster", "2026-12-05", hour) for _ in range(5) for claims in (one, two))
    )
    assert sum(won) == 1, "one run per slot across replicas"
    assert await two.claim("recluster", "2026-12-06", hour), "the next slot is free"
    await one.release("recluster", "2026-12-06")
    assert not await one.claim("recluster", "2026-12-06", hour), "only the owner gives a claim back"
    assert await one.claim("analyse", "7", timedelta(seconds=0.2))
    assert not await two.claim("analyse", "7", hour)
    await asyncio.sleep(0.4)
    taken = await asyncio.gather(two.claim("analyse", "7", hour), two.claim("analyse", "7", hour))
    assert sorted(taken) == [False, True], "an expired claim (its owner died) is taken over once"
    await one.release("analyse", "7")
    assert not await one.claim("analyse", "7", hour), "released by its new owner only"
    await two.release("analyse", "7")
    assert await one.claim("analyse", "7", hour)


async def test_a_renewed_claim_holds_past_its_first_lease_and_only_its_owner_renews(
    two_dbs: tuple[Database, Database],
) -> None:
    one, two = JobClaims(two_dbs[0], owner="one"), JobClaims(two_dbs[1], owner="two")
    lease = timedelta(seconds=0.3)
    assert await one.claim("analyse", "9", lease)
    for _ in range(3):
        await asyncio.sleep(0.15)
        assert await one.renew("analyse", "9", lease)
        assert not await two.claim("analyse", "9", lease), "renewed: still held"
    assert not await two.renew("analyse", "9", lease), "a claim is renewed by its owner only"
    await asyncio.sleep(0.4)
    assert await two.claim("analyse", "9", lease), "no longer renewed (its owner died): taken over"
    assert not await one.renew("analyse", "9", lease), "the old owner learns it lost the claim"


@pytest.mark.parametrize("database_url", ["postgres"], indirect=True)
async def test_the_chat_lock_holds_across_processes_on_postgresql(database_url: str) -> None:
    one, two = PgChatLocks(database_url), PgChatLocks(database_url)
    order: list[str] = []
    try:
        async with one.hold(-100):
            order.append("one in")
            waiting = asyncio.create_task(_hold(two, -100, order, "two in"))
            await asyncio.wait_for(_hold(two, -200, order, "other chat"), 5)
            await asyncio.sleep(0.3)
            assert not waiting.done(), "the other replica waits for the same chat"
            order.append("one out")
        await asyncio.wait_for(waiting, 5)
        assert order == ["one in", "other chat", "one out", "two in"]
    finally:
        await one.close()
        await two.close()


async def _hold(locks: PgChatLocks, chat_id: int, order: list[str], label: str) -> None:
    async with locks.hold(chat_id):
        order.append(label)


async def test_rate_limits_in_redis_count_for_every_replica(two_redis: tuple[Redis, Redis, str]) -> None:
    one_redis, two_redis_client, prefix = two_redis
    one = RedisWindowLimit(one_redis, "uploads", 2, 1.0, prefix=prefix)
    two = RedisWindowLimit(two_redis_client, "uploads", 2, 1.0, prefix=prefix)
    assert await one.wait_seconds(("chat", 1), ("user", 7)) == 0
    assert await two.wait_seconds(("chat", 1), ("user", 8)) == 0
    assert await one.wait_seconds(("chat", 1), count=False) == 1, "the chat is full on either replica"
    assert await two.wait_seconds(("chat", 1), ("user", 9)) == 1
    assert await two.wait_seconds(("chat", 2), ("user", 9)) == 0, "a refused event was not counted"
    assert await one.wait_seconds(("chat", 3), ("user", 7)) == 0
    assert await one.wait_seconds(("chat", 4), ("user", 7)) == 1, "user 7 is full, in any chat"
    other = RedisWindowLimit(one_redis, "pictures", 2, 1.0, prefix=prefix)
    assert await other.wait_seconds(("chat", 1)) == 0, "each limit counts on its own"
    await asyncio.sleep(1.1)
    assert await two.wait_seconds(("chat", 1), ("user", 7)) == 0, "the window moved on"


async def test_concurrent_events_never_exceed_a_redis_limit(two_redis: tuple[Redis, Redis, str]) -> None:
    one_redis, two_redis_client, prefix = two_redis
    limits = [RedisWindowLimit(client, "uploads", 5, 60, prefix=prefix) for client in (one_redis, two_redis_client)]
    waits = await asyncio.gather(*(limit.wait_seconds(("chat", 1)) for _ in range(10) for limit in limits))
    assert waits.count(0) == 5 and all(1 <= wait <= 60 for wait in waits if wait)
