"""Replies owed after an analysis (storage.replies), on SQLite and PostgreSQL, with several stores standing for
several processes: owed once, taken over once after the owner died, never sent twice once marked sent."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import pytest
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.albums import AlbumStore, Along, NewMedia
from storage.blobs import LocalBlobStore
from storage.db import Database
from storage.models import ReplyState
from storage.replies import OwedReply, ReplyStore

REPLY = OwedReply("photo", 41, chat_id=-100, reply_to=7, language="ko", header="앨범에 저장했어요")
SHORT = timedelta(seconds=0.3)


@pytest.fixture
async def dbs(database_url: str) -> AsyncIterator[list[Database]]:
    first = Database(database_url)
    await first.migrate()
    all_of_them = [first, Database(database_url), Database(database_url)]
    yield all_of_them
    for db in reversed(all_of_them):
        await db.dispose()


async def test_a_reply_is_owed_once_and_goes_claimed_sent_finished(dbs: list[Database]) -> None:
    stores = [ReplyStore(db, f"p{i}", SHORT) for i, db in enumerate(dbs)]
    opened = await asyncio.gather(*(store.open(REPLY) for store in stores for _ in range(3)))
    assert sum(opened) == 1, "one process owes it"
    owner = stores[next(i for i, ok in enumerate(opened) if ok) // 3]
    others = [store for store in stores if store is not owner]
    assert await owner.state(REPLY) == (ReplyState.claimed, None)
    assert not any(await asyncio.gather(*(store.renew(REPLY) for store in others))), "only the owner renews"
    assert not any(await asyncio.gather(*(store.sent(REPLY, 99) for store in others))), "only the owner sends"

    assert await owner.sent(REPLY, 1234)
    assert await owner.state(REPLY) == (ReplyState.sent, 1234)
    assert not await owner.renew(REPLY), "a sent reply cannot be claimed for sending again"
    await owner.finish(REPLY)
    assert await owner.state(REPLY) == (ReplyState.finished, 1234)
    await asyncio.sleep(0.4)
    assert await asyncio.gather(*(store.take_lapsed() for store in stores)) == [[], [], []]


async def test_a_dead_owners_reply_is_taken_over_by_exactly_one_process(dbs: list[Database]) -> None:
    dead = ReplyStore(dbs[0], "dead", SHORT)
    assert await dead.open(REPLY)
    alive = [ReplyStore(db, f"alive{i}", timedelta(seconds=30)) for i, db in enumerate(dbs)]
    assert await asyncio.gather(*(store.take_lapsed() for store in alive)) == [[], [], []], "not lapsed yet"
    await asyncio.sleep(0.4)
    taken = await asyncio.gather(*(store.take_lapsed() for store in alive for _ in range(2)))
    assert sorted(len(batch) for batch in taken) == [0, 0, 0, 0, 0, 1], "taken over once"
    (winner,) = [alive[i // 2] for i, batch in enumerate(taken) if batch]
    assert taken[next(i for i, batch in enumerate(taken) if batch)] == [REPLY], "everything needed to send it again"
    assert not await dead.renew(REPLY) and not await dead.sent(REPLY, 1), "the old owner, if it wakes, sends nothing"
    assert await winner.sent(REPLY, 55)
    await winner.finish(REPLY)
    assert await winner.state(REPLY) == (ReplyState.finished, 55)


async def test_a_reply_sent_by_a_process_that_died_before_finishing_is_never_sent_again(dbs: list[Database]) -> None:
    dead = ReplyStore(dbs[0], "dead", SHORT)
    assert await dead.open(REPLY)
    assert await dead.sent(REPLY, 77)
    await asyncio.sleep(0.4)
    other = ReplyStore(dbs[1], "other", SHORT)
    assert await other.take_lapsed() == []
    assert await other.state(REPLY) == (ReplyState.finished, 77)


async def test_holding_renews_the_claim_while_the_owner_works(dbs: list[Database]) -> None:
    owner = ReplyStore(dbs[0], "owner", SHORT)
    other = ReplyStore(dbs[1], "other", SHORT)
    assert await owner.open(REPLY)
    async with owner.holding(REPLY):
        for _ in range(4):  # four times the lease
            await asyncio.sleep(0.3)
            assert await other.take_lapsed() == [], "a live owner's claim never lapses"
    await asyncio.sleep(0.4)
    assert await other.take_lapsed() == [REPLY]


async def test_giving_up_closes_the_reply_without_a_message(dbs: list[Database]) -> None:
    owner = ReplyStore(dbs[0], "owner", SHORT)
    assert await owner.open(REPLY)
    await owner.give_up(REPLY)
    assert await owner.state(REPLY) == (ReplyState.finished, None)
    await asyncio.sleep(0.4)
    assert await ReplyStore(dbs[1], "other", SHORT).take_lapsed() == []


async def test_a_note_written_along_a_new_photo_is_in_its_transaction(dbs: list[Database], tmp_path: Path) -> None:
    """AlbumStore.save's `along`: the link's reply learns the kept photo in the transaction that stores it — both
    or neither (a failure after the note leaves no photo and no note), and nothing for a photo stored before."""
    albums = AlbumStore(dbs[0], LocalBlobStore(tmp_path / "blobs"))
    store = ReplyStore(dbs[0], "p0", SHORT)
    await albums.remember(chat_id=-100, chat_type="group", chat_title="G", user_id=7, first_name="Min")
    assert await store.open(REPLY)

    def noting(then_fail: bool) -> Along:
        async def note(session: AsyncSession, photo_id: int) -> None:
            assert await store.note_payload(REPLY, json.dumps({"kept": photo_id}), session)
            if then_fail:
                raise RuntimeError("the process dies inside the transaction")

        return note

    media = NewMedia(data=b"\xff\xd8" + b"picture" * 50, mime="image/jpeg")
    with pytest.raises(RuntimeError):
        await albums.save(-100, media, noting(then_fail=True))
    assert await albums.count(-100) == 0 and (await store.find(REPLY.kind, REPLY.subject) or REPLY).payload == ""
    saved = await albums.save(-100, media, noting(then_fail=False))
    found = await store.find(REPLY.kind, REPLY.subject)
    assert saved.created and found is not None and json.loads(found.payload) == {"kept": saved.photo.id}
    again = await albums.save(-100, media, noting(then_fail=True))  # stored before: `along` does not run
    assert not again.created
