"""Album storage on SQLite and PostgreSQL: the same tests, both engines."""

from __future__ import annotations

import asyncio
import io
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from PIL import Image
from sqlalchemy import delete, event, inspect, update
from sqlmodel import col

from storage.albums import AlbumStore, NewMedia
from storage.blobs import LocalBlobStore, sha256_of
from storage.db import Database
from storage.models import Chat, Member, PhotoSource, User, utcnow
from tests.conftest import BlobStoreFactory


def jpeg(color: str, size: tuple[int, int] = (64, 48)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, color).save(out, "JPEG")
    return out.getvalue()


@pytest.fixture
async def store(database_url: str, blob_stores: BlobStoreFactory) -> AsyncIterator[AlbumStore]:
    """Every album test runs on each database engine and each blob backend (local disk, S3 on loopback)."""
    db = Database(database_url)
    await db.migrate()
    yield AlbumStore(db, blob_stores("blobs"))
    await db.dispose()


async def _chat(store: AlbumStore, chat_id: int = -100, user_id: int = 7, chat_type: str = "group") -> None:
    await store.remember(
        chat_id=chat_id,
        chat_type=chat_type,
        chat_title="Friends",
        user_id=user_id,
        first_name="Min",
        language_code="ko",
    )


async def test_migrations_create_the_schema_and_are_idempotent(store: AlbumStore) -> None:
    await store.db.migrate()
    async with store.db.engine.connect() as connection:
        tables = await connection.run_sync(lambda c: set(inspect(c).get_table_names()))
    assert {"chat", "tg_user", "member", "photo", "alembic_version"} <= tables


async def test_saving_the_same_bytes_twice_stores_one_row_and_one_file(store: AlbumStore) -> None:
    await _chat(store)
    data = jpeg("red")
    first = await store.save(-100, NewMedia(data=data, mime="image/jpeg", width=64, height=48, sender_id=7))
    second = await store.save(-100, NewMedia(data=data, mime="image/jpeg", width=64, height=48, sender_id=7))
    assert first.created and not second.created
    assert second.photo.id == first.photo.id
    assert await store.count(-100) == 1
    assert store.blobs.path(sha256_of(data)).read_bytes() == data
    assert list(store.blobs.digests()) == [sha256_of(data)]


async def test_two_chats_keep_separate_albums_but_share_the_file(store: AlbumStore) -> None:
    await _chat(store, chat_id=-1)
    await _chat(store, chat_id=-2)
    data = jpeg("blue")
    a = await store.save(-1, NewMedia(data=data, mime="image/jpeg"))
    b = await store.save(-2, NewMedia(data=data, mime="image/jpeg"))
    assert a.created and b.created and a.photo.id != b.photo.id
    assert len(list(store.blobs.digests())) == 1
    assert await store.delete_photo(a.photo.id)
    assert store.blobs.exists(sha256_of(data)), "still used by the other chat"
    assert await store.delete_photo(b.photo.id)
    assert not store.blobs.exists(sha256_of(data))


async def test_concurrent_saves_of_one_file_make_one_row(store: AlbumStore) -> None:
    await _chat(store)
    data = jpeg("green")
    results = await asyncio.gather(*(store.save(-100, NewMedia(data=data, mime="image/jpeg")) for _ in range(5)))
    assert sum(r.created for r in results) == 1
    assert len({r.photo.id for r in results}) == 1
    assert await store.count(-100) == 1


async def test_concurrent_remember_of_the_same_user_does_not_fail(store: AlbumStore) -> None:
    await asyncio.gather(*(_chat(store) for _ in range(8)))
    assert await store.language(user_id=7, chat_id=-100) == "ko"


async def test_remembering_what_is_stored_already_writes_nothing(store: AlbumStore) -> None:
    """Every update calls `remember`; only a change (a new name, a chat the bot had left, a missing membership) is
    written, so the updates of a burst do not queue for the database's write lock."""
    writes: list[str] = []

    def note(_conn: object, _cursor: object, statement: str, *_args: object) -> None:
        if statement.lstrip().split(None, 1)[0].upper() in ("INSERT", "UPDATE", "DELETE"):
            writes.append(statement)

    await _chat(store)
    event.listen(store.db.engine.sync_engine, "before_cursor_execute", note)
    try:
        await _chat(store)
        await store.remember(chat_id=-100, chat_type="group", chat_title="Friends")
        assert writes == []

        await store.remember(
            chat_id=-100, chat_type="group", chat_title="Friends", user_id=7, first_name="Minji", language_code="ko"
        )
        assert writes, "a new name is written"
        assert await _user_names(store, 7) == ("Minji", None, "ko")
        writes.clear()

        async with store.db.session() as session:
            await session.exec(update(Chat).where(col(Chat.id) == -100).values(left_at=utcnow()))
            await session.exec(delete(Member).where(col(Member.user_id) == 7))
        await _chat(store)
        async with store.db.session() as session:
            chat = await session.get(Chat, -100)
            member = await session.get(Member, (-100, 7))
        assert chat is not None and chat.left_at is None, "an update from a chat the bot had left clears left_at"
        assert member is not None, "and the membership is written again"
    finally:
        event.remove(store.db.engine.sync_engine, "before_cursor_execute", note)


async def _user_names(store: AlbumStore, user_id: int) -> tuple[str, str | None, str | None]:
    async with store.db.session() as session:
        user = await session.get(User, user_id)
    assert user is not None
    return user.first_name, user.username, user.language_code


async def test_pages_are_newest_first(store: AlbumStore) -> None:
    await _chat(store)
    ids = []
    for color in ("red", "green", "blue", "white", "black"):
        ids.append((await store.save(-100, NewMedia(data=jpeg(color), mime="image/jpeg"))).photo.id)
    first = await store.page(-100, 0, 2)
    rest = await store.page(-100, 2, 10)
    assert [p.id for p in first + rest] == list(reversed(ids))


async def test_a_failed_insert_leaves_no_file_behind(store: AlbumStore) -> None:
    data = jpeg("purple")
    with pytest.raises(Exception):  # noqa: B017 - the chat does not exist: a foreign key violation
        await store.save(-999, NewMedia(data=data, mime="image/jpeg"))
    assert not store.blobs.exists(sha256_of(data))
    assert await store.count(-999) == 0


async def test_language_choice_per_user_and_per_group(store: AlbumStore) -> None:
    await _chat(store, chat_id=7, user_id=7, chat_type="private")
    await _chat(store, chat_id=-5, user_id=7, chat_type="group")
    assert await store.language(user_id=7, chat_id=7) == "ko"
    await store.set_language(chat_id=7, chat_type="private", user_id=7, language="en")
    assert await store.language(user_id=7, chat_id=7) == "en"
    assert await store.language(user_id=7, chat_id=-5) == "en", "no group choice yet: the user's"
    await store.set_language(chat_id=-5, chat_type="group", user_id=7, language="ko")
    assert await store.language(user_id=7, chat_id=-5) == "ko"
    assert await store.language(user_id=7, chat_id=7) == "en"


async def test_sweep_removes_orphan_blobs_and_temp_files(store: AlbumStore) -> None:
    await _chat(store)
    kept = (await store.save(-100, NewMedia(data=jpeg("red"), mime="image/jpeg"))).photo
    orphan = store.blobs.put(b"left by a crash")
    temp = store.blobs.path(orphan).parent / ".tmp-crash"
    temp.write_bytes(b"half")
    assert await store.sweep_orphan_blobs() == 1
    assert store.blobs.exists(kept.sha256)
    assert not store.blobs.exists(orphan)
    assert not temp.exists()


async def test_source_url_lookup(store: AlbumStore) -> None:
    await _chat(store)
    url = "https://qr.seobuk.kr/s/abc"
    saved = await store.save(-100, NewMedia(data=jpeg("red"), mime="image/jpeg", source=PhotoSource.qr, source_url=url))
    found = await store.find_by_source_url(-100, url)
    assert found is not None and found.id == saved.photo.id
    assert await store.find_by_source_url(-100, "https://other") is None


async def test_reads_on_sqlite_do_not_wait_for_connections_writers_hold(tmp_path: Path) -> None:
    """Every pooled connection held by a writer (a burst of photos' analyses waiting for SQLite's one write lock):
    the reads each update makes (`remember`'s check, the user's language) still get a connection at once."""
    db = Database(f"sqlite+aiosqlite:///{tmp_path / 'bot.sqlite3'}")
    await db.migrate()
    albums = AlbumStore(db, LocalBlobStore(tmp_path / "blobs"))
    await _chat(albums)
    pool = db.engine.pool
    held = []
    try:
        async with asyncio.timeout(10):
            while pool.checkedout() < pool.size() + pool._max_overflow:  # type: ignore[attr-defined]
                connection = await db.engine.connect()
                await connection.begin()
                held.append(connection)
        async with asyncio.timeout(10):
            await _chat(albums)
            assert await albums.language(user_id=7, chat_id=-100) == "ko"
    finally:
        for connection in held:
            await connection.close()
        await db.dispose()
