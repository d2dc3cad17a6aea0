"""Replies the bot owes after an analysis, each a row that goes claimed → sent → finished (storage.models.Reply).

The process that stores a photo opens its reply (claimed by itself, with a lease it renews while it works), sends
it, records Telegram's message id (`sent`) and closes it (`finished`). A process that dies before `sent` leaves a
claim that lapses; `take_lapsed` hands each such reply to exactly one other process (a conditional UPDATE), which
produces it again from the row. A reply marked `sent` is never sent again. The one window left is between Telegram
accepting the message and `sent` being written: the owner renews its claim just before sending, so only a process
that dies inside that send can cause a second copy (a Telegram send and a database write cannot be one transaction).
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import ColumnElement, and_, delete, update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from runtime.tasks import cancel_and_wait
from storage.db import Database
from storage.job_claims import process_owner
from storage.models import Reply, ReplyState, utcnow
from storage.schedule import insert_claiming
from storage.throttle import Every

KEEP_FINISHED = timedelta(days=2)
PRUNE_EVERY_S = 3600.0
TAKE_AT_ONCE = 20


@dataclass(frozen=True)
class OwedReply:
    """What a reply is made from: whose it is, what it answers and in which words."""

    kind: str
    subject: int  # e.g. the photo's id
    chat_id: int
    reply_to: int  # the member's message
    language: str
    header: str = ""
    payload: str = ""  # JSON: what else the answer is made from (a booth link, an album's items)
    status_id: int | None = None  # the status message its first owner showed (as read when it was taken over)

    @classmethod
    def of(cls, row: Reply) -> OwedReply:
        return cls(
            row.kind, row.subject, row.chat_id, row.reply_to, row.language, row.header, row.payload, row.status_id
        )


class ReplyStore:
    def __init__(self, db: Database, owner: str | None = None, lease: timedelta = timedelta(seconds=60)) -> None:
        self.db, self.lease = db, lease
        self.owner = owner or process_owner()
        self._pruning = Every(PRUNE_EVERY_S)

    async def open(self, reply: OwedReply, session: AsyncSession | None = None) -> bool:
        """Owe `reply`, claimed by this process; False when it is owed already (by anyone). In `session` when given
        (the transaction that stores what it answers, storage.albums.Along), else in its own."""
        now = utcnow()
        values = {
            "kind": reply.kind,
            "subject": reply.subject,
            "chat_id": reply.chat_id,
            "reply_to": reply.reply_to,
            "language": reply.language,
            "header": reply.header,
            "payload": reply.payload,
            "status_id": reply.status_id,
            "state": ReplyState.claimed,
            "owner": self.owner,
            "lease_until": now + self.lease,
            "created_at": now,
        }
        async with self._in(session) as writing:
            return await insert_claiming(writing, Reply, values)

    async def renew(self, reply: OwedReply) -> bool:
        """Extend this process's claim; False when it no longer holds it (lapsed and taken over, or sent)."""
        return await self._move(reply, ReplyState.claimed, lease_until=utcnow() + self.lease)

    async def take_over(self, reply: OwedReply) -> OwedReply | None:
        """Claim a reply another process holds but has not sent, whatever its lease: for the process asked to handle
        the same message again, which only happens once its first handler is gone (an update taken over after its
        lease lapsed, an upload inbox replayed at start). The row as it is now (its status message), or None when
        it was sent already. A first handler that was only slow finds its claim gone and sends nothing."""
        async with self.db.session() as session:
            result = await session.exec(
                update(Reply)
                .where(_is(reply), col(Reply.state) == ReplyState.claimed)
                .values(owner=self.owner, lease_until=utcnow() + self.lease)
            )
            if result.rowcount != 1:
                return None
            row = await session.get(Reply, (reply.kind, reply.subject))
            return None if row is None else OwedReply.of(row)

    async def note_status(self, reply: OwedReply, message_id: int) -> bool:
        """The status message this process shows while it works on the reply (whoever takes it over finds it)."""
        return await self._move(reply, ReplyState.claimed, status_id=message_id)

    async def note_payload(self, reply: OwedReply, payload: str, session: AsyncSession | None = None) -> bool:
        """What this process learnt the reply is made from while it worked (whoever takes it over finds it); in
        `session` when given, as `open`."""
        return await self._move(reply, ReplyState.claimed, session, payload=payload)

    async def sending(self, reply: OwedReply) -> bool:
        """Mark a reply sent before its send, for one whose second copy is worse than its loss (a booth video): a
        process dying inside the send leaves it sent, so it is never sent again. False when this process no longer
        holds it."""
        return await self._move(reply, ReplyState.sent)

    async def sent(self, reply: OwedReply, message_id: int) -> bool:
        return await self._move(reply, ReplyState.sent, message_id=message_id)

    async def finish(self, reply: OwedReply) -> None:
        async with self.db.session() as session:
            await session.exec(
                update(Reply)
                .where(_is(reply), col(Reply.state) == ReplyState.sent)
                .values(state=ReplyState.finished, lease_until=utcnow())
            )

    async def give_up(self, reply: OwedReply) -> None:
        """Close a reply this process holds without sending it (Telegram refuses it for good)."""
        await self._move(reply, ReplyState.finished, lease_until=utcnow())

    async def state(self, reply: OwedReply) -> tuple[ReplyState, int | None] | None:
        async with self.db.session() as session:
            row = await session.get(Reply, (reply.kind, reply.subject))
            return None if row is None else (ReplyState(row.state), row.message_id)

    async def find(self, kind: str, subject: int) -> OwedReply | None:
        """The reply owed for `subject`, whatever its state; None when none is owed."""
        async with self.db.session() as session:
            row = await session.get(Reply, (kind, subject))
            return None if row is None else OwedReply.of(row)

    async def unsent(self, kind: str, chat_id: int, reply_to: int) -> list[OwedReply]:
        """The replies of `kind` to a member's message still claimed, not sent (whoever holds them), in the order
        they were owed: for the process handling that message again (take_over)."""
        async with self.db.session() as session:
            rows = await session.exec(
                select(Reply)
                .where(
                    col(Reply.state) == ReplyState.claimed,  # ix_reply_state_lease: only the open replies are read
                    col(Reply.kind) == kind,
                    col(Reply.chat_id) == chat_id,
                    col(Reply.reply_to) == reply_to,
                )
                .order_by(col(Reply.created_at), col(Reply.subject))
            )
            return [OwedReply.of(row) for row in rows.all()]

    async def take_lapsed(self) -> list[OwedReply]:
        """Replies whose owner stopped renewing before sending: each now claimed by this process, and by no other.
        Replies sent but not finished by a process that died are finished (never sent again)."""
        await self._prune()
        now = utcnow()
        async with self.db.session() as session:
            await session.exec(
                update(Reply)
                .where(col(Reply.state) == ReplyState.sent, col(Reply.lease_until) <= now)
                .values(state=ReplyState.finished)
            )
            rows = (
                await session.exec(
                    select(Reply)
                    .where(col(Reply.state) == ReplyState.claimed, col(Reply.lease_until) <= now)
                    .order_by(col(Reply.created_at))
                    .limit(TAKE_AT_ONCE)
                )
            ).all()
        taken = []
        for row in rows:
            async with self.db.session() as session:
                result = await session.exec(
                    update(Reply)
                    .where(
                        _is(OwedReply.of(row)),
                        col(Reply.state) == ReplyState.claimed,
                        col(Reply.owner) == row.owner,
                        col(Reply.lease_until) <= now,
                    )
                    .values(owner=self.owner, lease_until=utcnow() + self.lease)
                )
            if result.rowcount == 1:
                taken.append(OwedReply.of(row))
        return taken

    @contextlib.asynccontextmanager
    async def holding(self, reply: OwedReply) -> AsyncIterator[None]:
        """Renew the claim every third of the lease while the body works (an analysis may take longer than one)."""

        async def renew_forever() -> None:
            while True:
                await asyncio.sleep(self.lease.total_seconds() / 3)
                if not await self.renew(reply):
                    return

        renewing = asyncio.create_task(renew_forever())
        try:
            yield
        finally:
            await cancel_and_wait(renewing)

    @contextlib.asynccontextmanager
    async def _in(self, session: AsyncSession | None) -> AsyncIterator[AsyncSession]:
        """`session` (someone else's transaction), or one of this store's own."""
        if session is not None:
            yield session
            return
        async with self.db.session() as own:
            yield own

    async def _move(
        self, reply: OwedReply, state: ReplyState, session: AsyncSession | None = None, **values: object
    ) -> bool:
        async with self._in(session) as writing:
            result = await writing.exec(
                update(Reply)
                .where(_is(reply), col(Reply.state) == ReplyState.claimed, col(Reply.owner) == self.owner)
                .values(state=state, **values)
            )
            return result.rowcount == 1

    async def _prune(self) -> None:
        if not self._pruning.due():
            return
        async with self.db.session() as session:
            await session.exec(
                delete(Reply).where(
                    col(Reply.state) == ReplyState.finished, col(Reply.created_at) < utcnow() - KEEP_FINISHED
                )
            )


def _is(reply: OwedReply) -> ColumnElement[bool]:
    return and_(col(Reply.kind) == reply.kind, col(Reply.subject) == reply.subject)
