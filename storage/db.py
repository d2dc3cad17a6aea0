"""The async engine, sessions and migrations (applied on start)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import event, insert, text
from sqlalchemy.engine import Connection
from sqlalchemy.engine.interfaces import DBAPIConnection
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker, create_async_engine
from sqlmodel import SQLModel
from sqlmodel.ext.asyncio.session import AsyncSession

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
# Two 32-bit keys: a key space apart from the per-chat locks' single 64-bit keys (storage.chat_locks).
MIGRATION_LOCK = (0x63636D69, 1)


def _enable_sqlite_foreign_keys(dbapi_connection: DBAPIConnection, _record: object) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.close()


class Database:
    """Owns the engine; hands out one session per unit of work."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.is_sqlite = url.startswith("sqlite")
        self.sqlite_file: Path | None = None
        if self.is_sqlite:
            path = url.split(":///", 1)[1]
            if path and path != ":memory:":
                self.sqlite_file = Path(path)
                self.sqlite_file.parent.mkdir(parents=True, exist_ok=True)
            self.engine: AsyncEngine = create_async_engine(url, connect_args={"timeout": 30})
            event.listen(self.engine.sync_engine, "connect", _enable_sqlite_foreign_keys)
            # Reads get connections of their own: SQLite has one write lock, and during a burst of photos every
            # pooled connection can be held by a writer waiting for it, so a read waited for a connection (a /help
            # waited up to 3 s in the load benchmark). In WAL mode a read never waits for the writer itself.
            self._read_engine = self.engine
            if self.sqlite_file is not None:  # an in-memory database is one per engine
                self._read_engine = create_async_engine(url, connect_args={"timeout": 30})
                event.listen(self._read_engine.sync_engine, "connect", _enable_sqlite_foreign_keys)
        else:
            self.engine = create_async_engine(url, pool_pre_ping=True)
            self._read_engine = self.engine
        self._sessions = async_sessionmaker(self.engine, class_=AsyncSession, expire_on_commit=False)
        self._read_sessions = async_sessionmaker(self._read_engine, class_=AsyncSession, expire_on_commit=False)

    @asynccontextmanager
    async def session(self) -> AsyncIterator[AsyncSession]:
        """A session whose work is committed when the block ends without error."""
        async with self._sessions() as session:
            try:
                yield session
                await session.commit()
            except BaseException:
                await session.rollback()
                raise

    @asynccontextmanager
    async def reading(self) -> AsyncIterator[AsyncSession]:
        """A session for reads only (nothing is committed; closing it ends the transaction and leaves what it
        loaded readable), on connections writers never hold (SQLite)."""
        async with self._read_sessions() as session:
            yield session

    async def ping(self) -> None:
        """Raise when the database cannot be reached (readiness checks)."""
        # Pooled SQLite connections keep working on a file deleted or unmounted under them, writing to nothing.
        if self.sqlite_file is not None and not await asyncio.to_thread(self.sqlite_file.is_file):
            raise FileNotFoundError(f"the SQLite database {self.sqlite_file} is gone")
        async with self.engine.connect() as connection:
            await connection.execute(text("SELECT 1"))

    async def migrate(self) -> None:
        async with self.engine.begin() as connection:
            if not self.is_sqlite:  # replicas starting together: one migrates, the others wait and find it done
                await connection.execute(
                    text("SELECT pg_advisory_xact_lock(:a, :b)"), {"a": MIGRATION_LOCK[0], "b": MIGRATION_LOCK[1]}
                )
            await connection.run_sync(_upgrade_to_head)

    async def dispose(self) -> None:
        await self.engine.dispose()
        if self._read_engine is not self.engine:
            await self._read_engine.dispose()


async def insert_rows(session: AsyncSession, rows: Sequence[SQLModel]) -> None:
    """New rows of one table whose ids nobody reads back, in one INSERT. Added to the session instead, SQLite got
    one INSERT each (the flush reads every new id back): a strip's 28 mood rows were a quarter of the bot's
    statements in the load benchmark."""
    if not rows:
        return
    await session.exec(insert(type(rows[0])).values([row.model_dump(exclude={"id"}) for row in rows]))


def _alembic_config(connection: Connection | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.attributes["connection"] = connection
    return config


def _upgrade_to_head(connection: Connection) -> None:
    command.upgrade(_alembic_config(connection), "head")
