"""A group that became a supergroup: everything filed under the old chat id moves to the new one, in one transaction.

Telegram gives the supergroup a new id and announces it twice (`migrate_to_chat_id` in the old chat,
`migrate_from_chat_id` in the new one, in either order), and a weekly post to the old id learns it from a
`ChatMigrated` error. Any of them may come first and each may come twice: once moved, nothing is left under the old
id, so running it again changes nothing.

Every table with a `chat_id` column moves (a table added later moves too). Where the new id already holds a row with
the same key — written in the seconds before the move (a photo sent to the supergroup at once, the default weekly
schedule made for a newly seen chat) — the old chat's row wins: it is the history the members made. A photo filed
under both ids keeps its old row; the new duplicate goes, with its faces and its pledge.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import Table, UniqueConstraint, and_, delete, exists, update
from sqlmodel import SQLModel, col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.albums import insert_ignoring_conflicts
from storage.db import Database
from storage.models import Chat, ChatType, Person, Photo, Pledge

CHAT_ID = "chat_id"


@dataclass(frozen=True)
class ChatMove:
    old_chat_id: int
    new_chat_id: int
    moved: dict[str, int] = field(default_factory=dict)  # table name → rows moved to the new id
    dropped_duplicates: int = 0  # the new id's photos that were already filed under the old id

    @property
    def happened(self) -> bool:
        """False when the old id was unknown (already moved, or never seen)."""
        return bool(self.moved)


def chat_tables() -> list[Table]:
    """Every table keyed by chat (the `chat` table itself apart), in dependency order."""
    return [table for table in SQLModel.metadata.sorted_tables if CHAT_ID in table.c]


async def move_chat(db: Database, old_chat_id: int, new_chat_id: int) -> ChatMove:
    """Move the album, people, faces, ledger, ranking data, settings and schedule of `old_chat_id` to `new_chat_id`
    and forget the old id. Idempotent; concurrent calls move once (see `_lock_old_chat`)."""
    if old_chat_id == new_chat_id:
        raise ValueError("a chat cannot move to its own id")
    async with db.session() as session:
        if not await _lock_old_chat(session, old_chat_id):
            return ChatMove(old_chat_id, new_chat_id)
        old = await session.get(Chat, old_chat_id)
        if old is None:  # locked above
            raise RuntimeError(f"chat {old_chat_id} vanished while it was moved")
        await _merge_chat_row(session, old, new_chat_id)
        await _number_new_people_after_the_old(session, old, new_chat_id)
        dropped = await _drop_new_duplicate_photos(session, old_chat_id, new_chat_id)
        moved: dict[str, int] = {}
        for table in chat_tables():
            await _drop_rows_the_old_chat_overrides(session, table, old_chat_id, new_chat_id)
            result = await session.exec(
                update(table).where(table.c.chat_id == old_chat_id).values({CHAT_ID: new_chat_id})
            )
            moved[table.name] = int(result.rowcount or 0)
        await session.exec(delete(Chat).where(col(Chat.id) == old_chat_id))
    return ChatMove(old_chat_id, new_chat_id, moved, dropped)


async def _lock_old_chat(session: AsyncSession, old_chat_id: int) -> bool:
    """Write to the old chat's row before reading anything: PostgreSQL locks the row, SQLite takes its write lock,
    so a concurrent move waits here and then finds the row gone. False: nothing to move."""
    result = await session.exec(update(Chat).where(col(Chat.id) == old_chat_id).values(title=col(Chat.title)))
    return bool(result.rowcount)


async def _merge_chat_row(session: AsyncSession, old: Chat, new_chat_id: int) -> None:
    """The new chat keeps its own title; the old chat's choices (language, timezone) and age carry over."""
    await insert_ignoring_conflicts(
        session,
        Chat,
        {"id": new_chat_id, "type": ChatType.supergroup, "title": old.title, "created_at": old.created_at},
    )
    new = await session.get(Chat, new_chat_id)
    if new is None:  # just inserted above
        raise RuntimeError(f"chat {new_chat_id} vanished while moving chat {old.id} to it")
    new.language = old.language or new.language
    new.timezone = old.timezone or new.timezone
    new.created_at = min(new.created_at, old.created_at)
    session.add(new)
    await session.flush()


async def _number_new_people_after_the_old(session: AsyncSession, old: Chat, new_chat_id: int) -> None:
    """People numbers are unique per chat and never reused: the few people the new id made before the move are
    numbered after the old chat's, so both keep their people (merged later by the re-cluster if they are the same)."""
    if not old.last_person_number:
        return
    # Through negative numbers: the unique key is checked row by row (PostgreSQL), so n → n + k in place could
    # meet a row not yet moved.
    people = update(Person).where(col(Person.chat_id) == new_chat_id)
    await session.exec(people.values(number=-col(Person.number)))
    await session.exec(people.values(number=-col(Person.number) + old.last_person_number))
    await session.exec(
        update(Chat)
        .where(col(Chat.id) == new_chat_id)
        .values(last_person_number=col(Chat.last_person_number) + old.last_person_number)
    )


async def _drop_new_duplicate_photos(session: AsyncSession, old_chat_id: int, new_chat_id: int) -> int:
    """Photos filed under the new id that the old id already holds (same file): their pledges go first, so no
    pledge is left without its photo; their faces and videos go with them (foreign keys cascade)."""
    older = Photo.__table__.alias("older")  # type: ignore[attr-defined]
    found = await session.exec(
        select(Photo.id).where(
            col(Photo.chat_id) == new_chat_id,
            exists().where(older.c.chat_id == old_chat_id, older.c.sha256 == col(Photo.sha256)),
        )
    )
    duplicates = [photo_id for photo_id in found.all() if photo_id is not None]
    if duplicates:
        await session.exec(delete(Pledge).where(col(Pledge.photo_id).in_(duplicates)))
        await session.exec(delete(Photo).where(col(Photo.id).in_(duplicates)))
    return len(duplicates)


def _unique_keys(table: Table) -> list[list[str]]:
    """The table's primary key and unique constraints that include the chat id."""
    keys = [[column.name for column in table.primary_key.columns]]
    keys += [
        [column.name for column in constraint.columns]
        for constraint in table.constraints
        if isinstance(constraint, UniqueConstraint)
    ]
    return [key for key in keys if CHAT_ID in key]


async def _drop_rows_the_old_chat_overrides(
    session: AsyncSession, table: Table, old_chat_id: int, new_chat_id: int
) -> None:
    for key in _unique_keys(table):
        older = table.alias("older")
        others = (older.c[name] == table.c[name] for name in key if name != CHAT_ID)
        same_key = and_(older.c.chat_id == old_chat_id, *others)
        await session.exec(delete(table).where(table.c.chat_id == new_chat_id, exists().where(same_key)))
