"""Weekly-post schedules and the claims that make each chat's weekly post happen once."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, delete, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import SQLModel, col, func, select
from sqlmodel.ext.asyncio.session import AsyncSession

from ranking.post_slots import PostSchedule
from storage.albums import insert_ignoring_conflicts
from storage.db import Database
from storage.models import Chat, ChatSchedule, WeeklyPost, WeeklyPostStatus, utcnow


@dataclass(frozen=True)
class ChatPlan:
    """What the scheduler needs to decide about one chat."""

    chat_id: int
    timezone: str
    weekday: int
    hour: int
    minute: int
    enabled: bool
    since: datetime
    last_week: date | None

    @property
    def schedule(self) -> PostSchedule:
        return PostSchedule(self.timezone, self.weekday, self.hour, self.minute, self.since)


@dataclass(frozen=True)
class WeeklyClaim:
    chat_id: int
    week: date
    attempt: int  # the claim's holder: a fresh claim is 1, each takeover adds one


def _held_by(chat_id: int, week: date, attempt: int) -> tuple[ColumnElement[bool], ...]:
    """The weekly-post row of (chat, week) while `attempt` holds its claim."""
    return (
        col(WeeklyPost.chat_id) == chat_id,
        col(WeeklyPost.week_start) == week,
        col(WeeklyPost.attempt) == attempt,
    )


async def chat_timezone(session: AsyncSession, chat_id: int, default: str) -> ZoneInfo:
    chat = await session.get(Chat, chat_id)
    return ZoneInfo(chat.timezone if chat is not None and chat.timezone else default)


async def insert_claiming(session: AsyncSession, table: type[SQLModel], values: dict[str, object]) -> bool:
    """INSERT … ON CONFLICT DO NOTHING; True when this call inserted the row (it owns the claim)."""
    dialect = session.bind.dialect.name if session.bind else "sqlite"
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    result = await session.exec(insert(table).values(**values).on_conflict_do_nothing())
    return result.rowcount == 1


class ScheduleStore:
    def __init__(self, db: Database, default_timezone: str) -> None:
        self.db = db
        self.default_timezone = default_timezone

    async def plan(self, chat_id: int) -> ChatPlan:
        """The chat's schedule (defaults until someone changes it)."""
        async with self.db.session() as session:
            chat = await session.get(Chat, chat_id)
            row = await session.get(ChatSchedule, chat_id) or ChatSchedule(chat_id=chat_id)
            last = await self._last_week(session, chat_id)
        return self._plan(row, chat, last)

    def _plan(self, row: ChatSchedule, chat: Chat | None, last: date | None) -> ChatPlan:
        return ChatPlan(
            chat_id=row.chat_id,
            timezone=(chat.timezone if chat is not None and chat.timezone else self.default_timezone),
            weekday=row.weekday,
            hour=row.hour,
            minute=row.minute,
            enabled=row.enabled,
            since=row.since,
            last_week=last,
        )

    @staticmethod
    async def _last_week(session: AsyncSession, chat_id: int) -> date | None:
        result = await session.exec(select(func.max(WeeklyPost.week_start)).where(col(WeeklyPost.chat_id) == chat_id))
        return result.one()

    async def active_plans(self) -> list[ChatPlan]:
        """Every chat the bot is still in with its weekly post on. A chat seen for the first time gets the default
        schedule counting from when the chat was first seen, so it never gets posts for weeks before that."""
        async with self.db.session() as session:
            missing = (
                await session.exec(
                    select(Chat.id, Chat.created_at).where(
                        col(Chat.id).not_in(select(ChatSchedule.chat_id)), col(Chat.left_at).is_(None)
                    )
                )
            ).all()
            for chat_id, created_at in missing:
                await insert_ignoring_conflicts(session, ChatSchedule, {"chat_id": chat_id, "since": created_at})
        async with self.db.session() as session:
            rows = (
                await session.exec(
                    select(ChatSchedule, Chat)
                    .join(Chat, col(Chat.id) == ChatSchedule.chat_id)
                    .where(col(Chat.left_at).is_(None), col(ChatSchedule.enabled).is_(True))
                    .order_by(col(ChatSchedule.chat_id))
                )
            ).all()
            last_weeks = dict(
                (
                    await session.exec(
                        select(WeeklyPost.chat_id, func.max(WeeklyPost.week_start)).group_by(col(WeeklyPost.chat_id))
                    )
                ).all()
            )
        return [self._plan(row, chat, last_weeks.get(row.chat_id)) for row, chat in rows]

    async def set_schedule(
        self,
        chat_id: int,
        *,
        weekday: int | None = None,
        hour: int | None = None,
        minute: int | None = None,
        enabled: bool | None = None,
        now: datetime | None = None,
    ) -> ChatPlan:
        """Change the schedule; a changed time starts with its next slot (a slot already passed is not posted)."""
        now = now or utcnow()
        async with self.db.session() as session:
            await insert_ignoring_conflicts(session, ChatSchedule, {"chat_id": chat_id, "since": now})
            changes: dict[str, object] = {
                key: value
                for key, value in (("weekday", weekday), ("hour", hour), ("minute", minute), ("enabled", enabled))
                if value is not None
            }
            if changes:
                await session.exec(
                    update(ChatSchedule).where(col(ChatSchedule.chat_id) == chat_id).values(**changes, since=now)
                )
        return await self.plan(chat_id)

    async def set_timezone(self, chat_id: int, timezone: str, now: datetime | None = None) -> ChatPlan:
        ZoneInfo(timezone)  # raises for an unknown zone
        now = now or utcnow()
        async with self.db.session() as session:
            await session.exec(update(Chat).where(col(Chat.id) == chat_id).values(timezone=timezone))
            await insert_ignoring_conflicts(session, ChatSchedule, {"chat_id": chat_id, "since": now})
            await session.exec(update(ChatSchedule).where(col(ChatSchedule.chat_id) == chat_id).values(since=now))
        return await self.plan(chat_id)

    async def claim(self, chat_id: int, week: date, now: datetime | None = None) -> bool:
        """Claim the chat's post for `week`. Only one caller ever gets True, across processes and restarts."""
        async with self.db.session() as session:
            return await insert_claiming(
                session, WeeklyPost, {"chat_id": chat_id, "week_start": week, "claimed_at": now or utcnow()}
            )

    async def take_over_lapsed(self, now: datetime, lease_s: float) -> list[WeeklyClaim]:
        """Claims whose holder died before it began sending (claimed longer than `lease_s` ago, never marked
        sending): each taken over by exactly one caller, with a new attempt number. A claim that began sending stays
        as it is: whether Telegram got that post is unknown, and a week is never posted twice."""
        lapsed = (
            col(WeeklyPost.status) == WeeklyPostStatus.claimed,
            col(WeeklyPost.sending_at).is_(None),
            col(WeeklyPost.claimed_at) < now - timedelta(seconds=lease_s),
        )
        async with self.db.session() as session:
            rows = (await session.exec(select(WeeklyPost).where(*lapsed))).all()
        taken = []
        for chat_id, week, attempt in [(row.chat_id, row.week_start, row.attempt) for row in rows]:
            async with self.db.session() as session:
                result = await session.exec(
                    update(WeeklyPost)
                    .where(*_held_by(chat_id, week, attempt), *lapsed)
                    .values(attempt=attempt + 1, claimed_at=now)
                )
            if result.rowcount == 1:
                taken.append(WeeklyClaim(chat_id, week, attempt + 1))
        return taken

    async def mark_sending(self, chat_id: int, week: date, attempt: int) -> bool:
        """Just before sending: True while `attempt` still holds the claim (no one took it over), and from then on no
        one ever will. The holder may mark again (a post that followed its chat to a new id)."""
        async with self.db.session() as session:
            result = await session.exec(
                update(WeeklyPost)
                .where(*_held_by(chat_id, week, attempt), col(WeeklyPost.status) == WeeklyPostStatus.claimed)
                .values(sending_at=utcnow())
            )
            return result.rowcount == 1

    async def finish(self, chat_id: int, week: date, status: WeeklyPostStatus, message_id: int | None = None) -> None:
        async with self.db.session() as session:
            await session.exec(
                update(WeeklyPost)
                .where(col(WeeklyPost.chat_id) == chat_id, col(WeeklyPost.week_start) == week)
                .values(status=status, message_id=message_id, finished_at=utcnow())
            )

    async def release(self, chat_id: int, week: date) -> None:
        """Give a claim back after a failure worth retrying (network), so the next run can post."""
        async with self.db.session() as session:
            await session.exec(
                delete(WeeklyPost).where(
                    col(WeeklyPost.chat_id) == chat_id,
                    col(WeeklyPost.week_start) == week,
                    col(WeeklyPost.status) == WeeklyPostStatus.claimed,
                )
            )

    async def posts(self, chat_id: int) -> list[WeeklyPost]:
        async with self.db.session() as session:
            result = await session.exec(
                select(WeeklyPost).where(col(WeeklyPost.chat_id) == chat_id).order_by(col(WeeklyPost.week_start))
            )
            return list(result.all())

    async def mark_left(self, chat_id: int, when: datetime | None = None) -> None:
        async with self.db.session() as session:
            await session.exec(update(Chat).where(col(Chat.id) == chat_id).values(left_at=when or utcnow()))
