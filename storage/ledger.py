"""The pledge ledger: which photo pledged how many smile points in which week, and which weeks were donated.

Pledges only: the bot never takes or moves money. Rules that keep the numbers honest:
- one ledger row per (chat, photo): re-scanning or re-sending a photo updates or finds that row, never adds one;
- a photo deleted while its week is open voids its row (kept for the record, counted as ₩0);
- amounts of open weeks follow the chat's current rule (₩ per point, weekly cap filled in photo order);
- closing a week (an admin marks it donated) freezes its rows; nothing changes a closed week afterwards;
- /forget keeps weeks, points and amounts but drops every link to photos and people;
- a row's week is fixed when it is made (changing the chat's timezone later does not move old pledges).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from ranking.charities import Charity, chat_charity, custom_id
from ranking.ledger_csv import LedgerRow
from ranking.pledges import OpenPledge, Rule, allocate
from ranking.points import as_utc, photo_points, week_start
from storage.albums import insert_ignoring_conflicts
from storage.db import Database
from storage.models import (
    CustomCharity,
    DonationRule,
    DonationWeek,
    Face,
    MediaKind,
    Photo,
    Pledge,
    PledgeStatus,
    User,
    saved_id,
    utcnow,
)
from storage.schedule import chat_timezone, insert_claiming

CharityNamer = Callable[[Charity], str]  # the caller words a charity's name (the handlers' catalogue)


@dataclass(frozen=True)
class Contributor:
    user_id: int | None  # None: the member was forgotten (/forget)
    name: str | None
    points: int
    won: int


@dataclass(frozen=True)
class WeekTally:
    week: date
    pledges: int
    points: int
    gross_won: int  # before the weekly cap
    won: int
    closed: DonationWeek | None
    contributors: tuple[Contributor, ...]


@dataclass(frozen=True)
class ChatDonations:
    charity: Charity | None
    rule: Rule | None
    weeks: tuple[WeekTally, ...]  # every week with pledges, oldest first
    since: datetime | None = None  # when a rate was first set: only photos filed from then on pledge (UTC)

    def week(self, monday: date) -> WeekTally:
        for tally in self.weeks:
            if tally.week == monday:
                return tally
        return WeekTally(monday, 0, 0, 0, 0, None, ())

    @property
    def open_weeks(self) -> tuple[WeekTally, ...]:
        return tuple(w for w in self.weeks if w.closed is None and w.pledges)

    @property
    def open_won(self) -> int:
        return sum(w.won for w in self.open_weeks)

    @property
    def donated_won(self) -> int:
        return sum(w.closed.total_won for w in self.weeks if w.closed is not None)

    def contributors(self) -> tuple[Contributor, ...]:
        """All weeks together, most ₩ first."""
        return _merge_contributors(c for w in self.weeks for c in w.contributors)


class CloseOutcome(StrEnum):
    closed = "closed"
    already_closed = "already_closed"
    nothing_pledged = "nothing_pledged"
    no_rule = "no_rule"


@dataclass(frozen=True)
class Closing:
    outcome: CloseOutcome
    week: DonationWeek | None = None


def _merge_contributors(items: Iterable[Contributor]) -> tuple[Contributor, ...]:
    merged: dict[int | None, Contributor] = {}
    for c in items:
        old = merged.get(c.user_id)
        merged[c.user_id] = c if old is None else Contributor(c.user_id, c.name, old.points + c.points, old.won + c.won)
    return tuple(sorted(merged.values(), key=lambda c: (-c.won, -c.points, (c.name or "").casefold(), c.user_id or 0)))


class LedgerStore:
    def __init__(self, db: Database, charities: Sequence[Charity], default_timezone: str) -> None:
        self.db = db
        self.shipped = tuple(charities)
        self.default_timezone = default_timezone

    # ----- nonprofits and the rule -------------------------------------------------------------------------
    async def charities(self, chat_id: int) -> list[Charity]:
        async with self.db.session() as session:
            custom = (
                await session.exec(
                    select(CustomCharity).where(col(CustomCharity.chat_id) == chat_id).order_by(col(CustomCharity.id))
                )
            ).all()
        return [*self.shipped, *(chat_charity(saved_id(c.id), c.name, c.url) for c in custom)]

    async def charity(self, chat_id: int, key: str | None) -> Charity | None:
        if key is None:
            return None
        for charity in self.shipped:
            if charity.key == key:
                return charity
        charity_id = custom_id(key)
        if charity_id is None:
            return None
        async with self.db.session() as session:
            row = await session.get(CustomCharity, charity_id)
        if row is None or row.chat_id != chat_id:
            return None
        return chat_charity(saved_id(row.id), row.name, row.url)

    async def add_charity(self, chat_id: int, name: str, url: str, added_by: int | None) -> Charity:
        """Add a chat's own nonprofit (the same link twice gives the existing entry)."""
        async with self.db.session() as session:
            await insert_ignoring_conflicts(
                session, CustomCharity, {"chat_id": chat_id, "name": name, "url": url, "added_by": added_by}
            )
            row = (
                await session.exec(
                    select(CustomCharity).where(col(CustomCharity.chat_id) == chat_id, col(CustomCharity.url) == url)
                )
            ).one()
        return chat_charity(saved_id(row.id), row.name, row.url)

    async def rule_row(self, chat_id: int) -> DonationRule | None:
        async with self.db.session() as session:
            return await session.get(DonationRule, chat_id)

    async def set_charity(self, chat_id: int, key: str, by: int | None) -> None:
        await self._update_rule(chat_id, by, charity_key=key)

    async def set_rule(
        self, chat_id: int, won_per_point: int, weekly_cap_won: int | None, by: int | None, now: datetime | None = None
    ) -> Rule:
        rule = Rule(won_per_point, weekly_cap_won)  # validates
        now = now or utcnow()
        await self._update_rule(chat_id, by, won_per_point=won_per_point, weekly_cap_won=weekly_cap_won)
        async with self.db.session() as session:
            # Pledging starts when a rate is first set: photos filed before that never pledge.
            await session.exec(
                update(DonationRule)
                .where(col(DonationRule.chat_id) == chat_id, col(DonationRule.since).is_(None))
                .values(since=now)
            )
        return rule

    async def _update_rule(self, chat_id: int, by: int | None, **values: object) -> None:
        async with self.db.session() as session:
            await insert_ignoring_conflicts(session, DonationRule, {"chat_id": chat_id})
            await session.exec(
                update(DonationRule)
                .where(col(DonationRule.chat_id) == chat_id)
                .values(**values, updated_by=by, updated_at=utcnow())
            )

    # ----- pledges -------------------------------------------------------------------------------------------
    async def pledge_for_photo(self, photo_id: int) -> int | None:
        """Record (or refresh) the pledge of one analysed photo; call it after the photo's faces are stored.
        Safe to call any number of times. Returns the ledger row id, or None when the photo pledges nothing."""
        async with self.db.session() as session:
            photo = await session.get(Photo, photo_id)
            if photo is None:
                return None
            rule = await session.get(DonationRule, photo.chat_id)
            return await self._pledge(session, photo, rule)

    async def reconcile(self, chat_id: int, now: datetime | None = None) -> None:
        """Make the ledger agree with the album, whether or not pledge_for_photo was called: void rows of deleted
        photos in open weeks, pledge analysed photos that have no row, refresh points of re-scanned photos."""
        now = now or utcnow()
        async with self.db.session() as session:
            await session.exec(
                update(Pledge)
                .where(
                    col(Pledge.chat_id) == chat_id,
                    col(Pledge.photo_id).is_(None),
                    col(Pledge.anonymised).is_(False),
                    col(Pledge.status) == PledgeStatus.active,
                    col(Pledge.amount_won).is_(None),
                )
                .values(status=PledgeStatus.void, voided_at=now)
            )
            rule = await session.get(DonationRule, chat_id)
            if rule is None or rule.since is None or rule.won_per_point is None:
                return
            # A handful of queries whatever the album's size: the photos, their faces, the rows and closed weeks.
            candidates = (
                col(Photo.chat_id) == chat_id,
                col(Photo.kind) == MediaKind.photo,
                col(Photo.analysed_at).is_not(None),
                col(Photo.created_at) >= as_utc(rule.since),
            )
            photos = (await session.exec(select(Photo.id, Photo.sender_id, Photo.created_at).where(*candidates))).all()
            smiles = (
                await session.exec(
                    select(Face.photo_id, Face.smile).join(Photo, col(Photo.id) == Face.photo_id).where(*candidates)
                )
            ).all()
            existing = {
                row.photo_id: row
                for row in (
                    await session.exec(
                        select(Pledge).where(col(Pledge.chat_id) == chat_id, col(Pledge.photo_id).is_not(None))
                    )
                ).all()
            }
            closed = set(
                (
                    await session.exec(select(col(DonationWeek.week_start)).where(col(DonationWeek.chat_id) == chat_id))
                ).all()
            )
            tz = await chat_timezone(session, chat_id, self.default_timezone)
            by_photo: dict[int, list[float]] = {}
            for photo_id, smile in smiles:
                by_photo.setdefault(photo_id, []).append(smile)
            for row_id, sender_id, created_at in photos:
                photo_id = saved_id(row_id)
                points = photo_points(by_photo.get(photo_id, ()))
                row = existing.get(photo_id)
                if row is not None:
                    if row.amount_won is None and row.points != points:  # open week: a re-scan refreshes points
                        row.points = points
                        session.add(row)
                    continue
                week = week_start(created_at, tz)
                if points and week not in closed:
                    await self._insert(session, chat_id, week, photo_id, sender_id, created_at, points)

    @staticmethod
    async def _insert(
        session: AsyncSession,
        chat_id: int,
        week: date,
        photo_id: int,
        sender_id: int | None,
        created_at: datetime,
        points: int,
    ) -> None:
        await insert_ignoring_conflicts(
            session,
            Pledge,
            {
                "chat_id": chat_id,
                "week_start": week,
                "photo_id": photo_id,
                "sender_id": sender_id,
                "photo_taken_at": as_utc(created_at),
                "points": points,
                "status": PledgeStatus.active,
                "anonymised": False,
                "created_at": utcnow(),
            },
        )

    async def _pledge(self, session: AsyncSession, photo: Photo, rule: DonationRule | None) -> int | None:
        if rule is None or rule.since is None or rule.won_per_point is None:
            return None
        if photo.kind != MediaKind.photo or photo.analysed_at is None or as_utc(photo.created_at) < as_utc(rule.since):
            return None
        existing = (
            await session.exec(
                select(Pledge).where(col(Pledge.chat_id) == photo.chat_id, col(Pledge.photo_id) == photo.id)
            )
        ).first()
        smiles = (await session.exec(select(Face.smile).where(col(Face.photo_id) == photo.id))).all()
        points = photo_points(smiles)
        if existing is not None:
            if existing.amount_won is None and existing.points != points:  # open week: a re-scan refreshes points
                existing.points = points
                session.add(existing)
            return existing.id
        tz = await chat_timezone(session, photo.chat_id, self.default_timezone)
        week = week_start(photo.created_at, tz)
        if points == 0 or await session.get(DonationWeek, (photo.chat_id, week)) is not None:
            return None
        await self._insert(session, photo.chat_id, week, saved_id(photo.id), photo.sender_id, photo.created_at, points)
        row = (
            await session.exec(
                select(Pledge.id).where(col(Pledge.chat_id) == photo.chat_id, col(Pledge.photo_id) == photo.id)
            )
        ).first()
        return row

    # ----- reading ---------------------------------------------------------------------------------------------
    async def donations(self, chat_id: int, reconcile: bool = True) -> ChatDonations:
        if reconcile:
            await self.reconcile(chat_id)
        rule_row, pledges, closed, names = await self._ledger_of(chat_id)
        rule = _rule(rule_row)
        charity = await self.charity(chat_id, rule_row.charity_key if rule_row else None)
        weeks = sorted({p.week_start for p in pledges} | set(closed))
        tallies = []
        for monday in weeks:
            in_week = [p for p in pledges if p.week_start == monday]
            amounts = _amounts(in_week, rule, closed.get(monday) is not None)
            counted = [p for p in in_week if saved_id(p.id) in amounts]
            contributors = _merge_contributors(
                Contributor(
                    p.sender_id, names.get(p.sender_id) if p.sender_id else None, p.points, amounts[saved_id(p.id)]
                )
                for p in counted
            )
            tallies.append(
                WeekTally(
                    week=monday,
                    pledges=len(counted),
                    points=sum(p.points for p in counted),
                    gross_won=sum(p.points * (p.won_per_point or (rule.won_per_point if rule else 0)) for p in counted),
                    won=sum(amounts.values()),
                    closed=closed.get(monday),
                    contributors=contributors,
                )
            )
        since = as_utc(rule_row.since) if rule_row is not None and rule_row.since is not None else None
        return ChatDonations(charity=charity, rule=rule, weeks=tuple(tallies), since=since)

    async def _ledger_of(
        self, chat_id: int
    ) -> tuple[DonationRule | None, list[Pledge], dict[date, DonationWeek], dict[int, str]]:
        """The chat's rule, pledges (oldest week, then filing order), closed weeks and contributors' names."""
        async with self.db.session() as session:
            rule_row = await session.get(DonationRule, chat_id)
            pledges = (
                await session.exec(
                    select(Pledge)
                    .where(col(Pledge.chat_id) == chat_id)
                    .order_by(col(Pledge.week_start), col(Pledge.photo_taken_at), col(Pledge.id))
                )
            ).all()
            closed = {
                w.week_start: w
                for w in (await session.exec(select(DonationWeek).where(col(DonationWeek.chat_id) == chat_id))).all()
            }
            names = await self._names(session, {p.sender_id for p in pledges if p.sender_id is not None})
        return rule_row, list(pledges), closed, names

    @staticmethod
    async def _names(session: AsyncSession, user_ids: set[int]) -> dict[int, str]:
        if not user_ids:
            return {}
        return dict((await session.exec(select(User.id, User.first_name).where(col(User.id).in_(user_ids)))).all())

    async def ledger_rows(self, chat_id: int, charity_name: CharityNamer) -> list[LedgerRow]:
        """Every ledger row, oldest week first, as the CSV export shows them (open weeks name the current charity)."""
        await self.reconcile(chat_id)
        rule_row, pledges, closed, names = await self._ledger_of(chat_id)
        rule = _rule(rule_row)
        charity = await self.charity(chat_id, rule_row.charity_key if rule_row else None)
        amounts: dict[int, int] = {}
        for monday in {p.week_start for p in pledges}:
            amounts |= _amounts([p for p in pledges if p.week_start == monday], rule, monday in closed)
        rows = []
        for p in pledges:
            week = closed.get(p.week_start)
            rows.append(
                LedgerRow(
                    pledge_id=saved_id(p.id),
                    week_start=p.week_start,
                    photo_id=p.photo_id,
                    member=names.get(p.sender_id, "") if p.sender_id else "",
                    points=p.points,
                    won_per_point=week.won_per_point if week else (rule.won_per_point if rule else 0),
                    amount_won=amounts.get(saved_id(p.id), 0),
                    status=p.status if p.id in amounts or p.status == PledgeStatus.void else "late",
                    week_closed=week is not None,
                    charity=week.charity_name if week else (charity_name(charity) if charity else ""),
                    photo_taken_at=as_utc(p.photo_taken_at),
                )
            )
        return rows

    # ----- closing a week ---------------------------------------------------------------------------------------
    async def close_week(self, chat_id: int, monday: date, by: int | None, charity_name: CharityNamer) -> Closing:
        """Mark the week donated: freeze its amounts under the current rule and charity (its name as worded now).
        Once only."""
        await self.reconcile(chat_id)
        async with self.db.session() as session:
            rule_row = await session.get(DonationRule, chat_id)
            rule = _rule(rule_row)
            charity = await self.charity(chat_id, rule_row.charity_key if rule_row else None)
            if rule is None or charity is None:
                return Closing(CloseOutcome.no_rule)
            if await session.get(DonationWeek, (chat_id, monday)) is not None:
                return Closing(CloseOutcome.already_closed)
            pledges = (
                await session.exec(
                    select(Pledge).where(col(Pledge.chat_id) == chat_id, col(Pledge.week_start) == monday)
                )
            ).all()
            amounts = _amounts(pledges, rule, closed=False)
            if not amounts:
                return Closing(CloseOutcome.nothing_pledged)
            week = DonationWeek(
                chat_id=chat_id,
                week_start=monday,
                total_won=sum(amounts.values()),
                pledges=len(amounts),
                points=sum(p.points for p in pledges if p.id in amounts),
                won_per_point=rule.won_per_point,
                weekly_cap_won=rule.weekly_cap_won,
                charity_name=charity_name(charity)[:64],
                charity_url=charity.url,
                closed_by=by,
                closed_at=utcnow(),
            )
            if not await insert_claiming(session, DonationWeek, week.model_dump()):
                return Closing(CloseOutcome.already_closed)
            for pledge in pledges:
                pledge.won_per_point = rule.won_per_point
                pledge.amount_won = amounts.get(saved_id(pledge.id), 0)
                session.add(pledge)
        return Closing(CloseOutcome.closed, week)

    async def set_receipt_prompt(self, chat_id: int, monday: date, message_id: int) -> None:
        async with self.db.session() as session:
            await session.exec(
                update(DonationWeek)
                .where(col(DonationWeek.chat_id) == chat_id, col(DonationWeek.week_start) == monday)
                .values(receipt_prompt_message_id=message_id)
            )

    async def attach_receipt(self, chat_id: int, prompt_message_id: int, file_id: str) -> DonationWeek | None:
        """Keep the receipt photo (its Telegram file id) of the week whose closing message was replied to."""
        async with self.db.session() as session:
            week = (
                await session.exec(
                    select(DonationWeek).where(
                        col(DonationWeek.chat_id) == chat_id,
                        col(DonationWeek.receipt_prompt_message_id) == prompt_message_id,
                    )
                )
            ).first()
            if week is None:
                return None
            week.receipt_file_id = file_id
            session.add(week)
            return week

    async def is_receipt_prompt(self, chat_id: int, message_id: int) -> bool:
        async with self.db.session() as session:
            found = (
                await session.exec(
                    select(col(DonationWeek.week_start)).where(
                        col(DonationWeek.chat_id) == chat_id, col(DonationWeek.receipt_prompt_message_id) == message_id
                    )
                )
            ).first()
        return found is not None


def _rule(row: DonationRule | None) -> Rule | None:
    if row is None or row.won_per_point is None:
        return None
    return Rule(row.won_per_point, row.weekly_cap_won)


def _amounts(pledges: Sequence[Pledge], rule: Rule | None, closed: bool) -> dict[int, int]:
    """Pledge id → ₩ for the rows that count: frozen amounts in a closed week, the current rule in an open one."""
    if closed:
        return {
            saved_id(p.id): p.amount_won
            for p in pledges
            if p.amount_won is not None and p.status == PledgeStatus.active
        }
    active = [p for p in pledges if p.status == PledgeStatus.active]
    if rule is None:
        return dict.fromkeys((saved_id(p.id) for p in active), 0)
    return allocate([OpenPledge(saved_id(p.id), as_utc(p.photo_taken_at), p.points) for p in active], rule)
