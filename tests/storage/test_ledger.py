"""The pledge ledger on SQLite and PostgreSQL: never double-counts, voids deleted photos, caps, freezes, forgets."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from sqlalchemy import delete, update

from ranking.charities import Charity, load_charities
from ranking.ledger_csv import from_csv, to_csv
from storage.albums import AlbumStore
from storage.blobs import LocalBlobStore
from storage.db import Database
from storage.faces import FaceStore
from storage.ledger import CloseOutcome, LedgerStore
from storage.models import Face, Photo
from storage.privacy import forget_chat
from tests.storage.ledger_helpers import ALICE, BOB, CAROL, CHAT, add_members, dated_photo, face

# Seoul is UTC+9: Monday 2026-11-23 00:00 KST is Sunday 2026-11-22 15:00 UTC.
WEEK1 = date(2026, 11, 16)
WEEK2 = date(2026, 11, 23)
RULE_SET = datetime(2026, 11, 16, 0, 0, tzinfo=UTC)


def named(charity: Charity) -> str:
    """How the handlers word a charity is not storage's business: it freezes whatever name it is given."""
    return f"name of {charity.key}"


def utc(day: int, hour: int, month: int = 11) -> datetime:
    return datetime(2026, month, day, hour, 0, tzinfo=UTC)


@dataclass
class World:
    db: Database
    albums: AlbumStore
    ledger: LedgerStore
    blobs: LocalBlobStore


@pytest.fixture
async def world(database_url: str, tmp_path: Path) -> AsyncIterator[World]:
    db = Database(database_url)
    await db.migrate()
    blobs = LocalBlobStore(tmp_path / "blobs")
    albums = AlbumStore(db, blobs)
    await add_members(albums)
    ledger = LedgerStore(db, load_charities(), "Asia/Seoul")
    await ledger.set_charity(CHAT, "childfund", ALICE)
    await ledger.set_rule(CHAT, 10, None, ALICE, now=RULE_SET)
    yield World(db, albums, ledger, blobs)
    await db.dispose()


async def test_pledge_is_recorded_once_however_often_it_is_asked(world: World) -> None:
    photo = await dated_photo(world.db, world.albums, 1, ALICE, utc(17, 3), [80.4, 60.5])  # 80 + 61 points
    first = await world.ledger.pledge_for_photo(photo)
    assert first is not None
    assert await world.ledger.pledge_for_photo(photo) == first
    await world.ledger.reconcile(CHAT)
    await world.ledger.reconcile(CHAT)
    donations = await world.ledger.donations(CHAT)
    week = donations.week(WEEK1)
    assert (week.pledges, week.points, week.won) == (1, 141, 1410)


async def test_the_same_photo_sent_again_is_the_same_ledger_row(world: World) -> None:
    photo = await dated_photo(world.db, world.albums, 1, ALICE, utc(17, 3), [50])
    again = await dated_photo(world.db, world.albums, 1, BOB, utc(18, 3), [50])
    assert again == photo, "the album stores the same bytes once"
    await world.ledger.pledge_for_photo(photo)
    await world.ledger.pledge_for_photo(again)
    rows = await world.ledger.ledger_rows(CHAT, named)
    assert [(r.photo_id, r.points, r.amount_won) for r in rows] == [(photo, 50, 500)]


async def test_tally_is_right_even_if_pledge_for_photo_was_never_called(world: World) -> None:
    await dated_photo(world.db, world.albums, 1, ALICE, utc(17, 3), [50])
    await dated_photo(world.db, world.albums, 2, BOB, utc(23, 3), [20, 30])
    donations = await world.ledger.donations(CHAT)
    assert [(w.week, w.points, w.won) for w in donations.weeks] == [(WEEK1, 50, 500), (WEEK2, 50, 500)]


async def test_photos_before_the_rule_was_set_pledge_nothing(world: World) -> None:
    before = await dated_photo(world.db, world.albums, 1, ALICE, utc(10, 3), [90])
    assert await world.ledger.pledge_for_photo(before) is None
    assert (await world.ledger.donations(CHAT)).weeks == ()


async def test_deleted_photo_voids_its_pledge_and_a_resend_counts_once(world: World) -> None:
    photo = await dated_photo(world.db, world.albums, 1, ALICE, utc(17, 3), [70])
    other = await dated_photo(world.db, world.albums, 2, BOB, utc(17, 4), [30])
    await world.ledger.pledge_for_photo(photo)
    await world.ledger.pledge_for_photo(other)
    assert await world.albums.delete_photo(photo)
    week = (await world.ledger.donations(CHAT)).week(WEEK1)
    assert (week.pledges, week.points, week.won) == (1, 30, 300)
    rows = await world.ledger.ledger_rows(CHAT, named)
    assert sorted((r.status, r.photo_id, r.amount_won) for r in rows) == [("active", other, 300), ("void", None, 0)]

    resent = await dated_photo(world.db, world.albums, 1, ALICE, utc(18, 3), [70])
    await world.ledger.pledge_for_photo(resent)
    week = (await world.ledger.donations(CHAT)).week(WEEK1)
    assert (week.pledges, week.points, week.won) == (2, 100, 1000), "the re-sent photo counts once, the void row not"


async def test_rescan_refreshes_points_of_an_open_week(world: World) -> None:
    photo = await dated_photo(world.db, world.albums, 1, ALICE, utc(17, 3), [40])
    await world.ledger.pledge_for_photo(photo)
    async with world.db.session() as session:  # what a re-analysis does: the old faces go, new ones come
        await session.exec(delete(Face).where(Face.photo_id == photo))
        await session.exec(update(Photo).where(Photo.id == photo).values(analysed_at=None))
    await FaceStore(world.db).record_analysis(photo, [face(90), face(10, 1)])
    await world.ledger.pledge_for_photo(photo)
    week = (await world.ledger.donations(CHAT)).week(WEEK1)
    assert (week.pledges, week.points, week.won) == (1, 100, 1000)


async def test_weekly_cap_fills_in_photo_order_and_follows_rule_changes(world: World) -> None:
    late = await dated_photo(world.db, world.albums, 1, ALICE, utc(19, 3), [60])
    early = await dated_photo(world.db, world.albums, 2, BOB, utc(17, 3), [50])
    await world.ledger.set_rule(CHAT, 10, 800, ALICE)
    donations = await world.ledger.donations(CHAT)
    week = donations.week(WEEK1)
    assert (week.gross_won, week.won) == (1100, 800)
    by_member = {c.user_id: c.won for c in week.contributors}
    assert by_member == {BOB: 500, ALICE: 300}, "the earlier photo is paid in full, the later one gets the rest"
    rows = {r.photo_id: r.amount_won for r in await world.ledger.ledger_rows(CHAT, named)}
    assert rows == {early: 500, late: 300}
    await world.ledger.set_rule(CHAT, 5, None, ALICE)
    assert (await world.ledger.donations(CHAT)).week(WEEK1).won == 550


async def test_closed_week_is_frozen(world: World) -> None:
    photo = await dated_photo(world.db, world.albums, 1, ALICE, utc(17, 3), [50])
    await dated_photo(world.db, world.albums, 2, BOB, utc(23, 3), [20])
    closing = await world.ledger.close_week(CHAT, WEEK1, ALICE, named)
    assert closing.outcome is CloseOutcome.closed and closing.week is not None
    assert (closing.week.total_won, closing.week.charity_name) == (500, "name of childfund")
    assert (await world.ledger.close_week(CHAT, WEEK1, ALICE, named)).outcome is CloseOutcome.already_closed

    await world.ledger.set_rule(CHAT, 100, 50, ALICE)
    late = await dated_photo(world.db, world.albums, 3, CAROL, utc(18, 3), [99])
    assert await world.ledger.pledge_for_photo(late) is None, "no new pledges in a donated week"
    await world.albums.delete_photo(photo)
    donations = await world.ledger.donations(CHAT)
    assert donations.week(WEEK1).won == 500 and donations.week(WEEK1).closed is not None
    assert donations.week(WEEK2).won == 50, "the open week follows the new rule and cap"
    assert donations.donated_won == 500 and donations.open_won == 50
    assert (await world.ledger.close_week(CHAT, date(2026, 11, 30), ALICE, "ko")).outcome is (
        CloseOutcome.nothing_pledged
    )


async def test_forget_anonymises_the_ledger_and_keeps_the_numbers(world: World) -> None:
    await dated_photo(world.db, world.albums, 1, ALICE, utc(17, 3), [50])
    await dated_photo(world.db, world.albums, 2, BOB, utc(23, 3), [30])
    await world.ledger.close_week(CHAT, WEEK1, ALICE, named)
    await world.ledger.set_receipt_prompt(CHAT, WEEK1, 77)
    await world.ledger.attach_receipt(CHAT, 77, "receipt-file")
    before = await world.ledger.donations(CHAT)

    done = await forget_chat(world.db, world.blobs, CHAT)
    assert done.pledges == 2 and done.photos == 2
    after = await world.ledger.donations(CHAT)
    assert [(w.week, w.points, w.won) for w in after.weeks] == [(w.week, w.points, w.won) for w in before.weeks]
    assert after.week(WEEK2).won == 300, "open pledges are not voided by the photos going away"
    assert {c.user_id for c in after.contributors()} == {None}
    rows = await world.ledger.ledger_rows(CHAT, named)
    assert all(r.photo_id is None and r.member == "" for r in rows)
    week = after.week(WEEK1).closed
    assert week is not None and week.closed_by is None and week.receipt_file_id is None


async def test_csv_export_round_trips(world: World) -> None:
    await world.albums.remember(chat_id=CHAT, chat_type="group", chat_title="G", user_id=BOB, first_name='=cmd, "B"')
    await dated_photo(world.db, world.albums, 1, ALICE, utc(17, 3), [50])
    await dated_photo(world.db, world.albums, 2, BOB, utc(17, 5), [30])
    await dated_photo(world.db, world.albums, 3, CAROL, utc(23, 3), [12.5])
    await world.ledger.close_week(CHAT, WEEK1, ALICE, named)
    rows = await world.ledger.ledger_rows(CHAT, named)
    data = to_csv(rows)
    assert data.startswith(b"\xef\xbb\xbf") and "캐롤".encode() in data
    assert b"'=cmd" in data, "a name that looks like a formula is defused"
    assert from_csv(data) == rows
    assert [(r.member, r.points, r.amount_won, r.week_closed) for r in rows] == [
        ("Alice", 50, 500, True),
        ('=cmd, "B"', 30, 300, True),
        ("캐롤", 13, 130, False),
    ]


async def test_custom_charity_belongs_to_its_chat(world: World) -> None:
    added = await world.ledger.add_charity(CHAT, "동네 푸드뱅크", "https://food.example.org", ALICE)
    assert await world.ledger.add_charity(CHAT, "again", "https://food.example.org", ALICE) == added
    assert added in await world.ledger.charities(CHAT)
    assert await world.ledger.charity(CHAT, added.key) == added
    assert await world.ledger.charity(-999, added.key) is None
