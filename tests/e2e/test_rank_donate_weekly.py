"""A group with three members and two weeks of photos: /rank, /donate and the weekly post, end to end.

Faces and smile scores are stored through FaceStore.record_analysis (the real storage code the vision pipeline
uses); the photos themselves go through the real upload handler. The bot's clock is a controllable one.
"""

from __future__ import annotations

import asyncio
import socket
from datetime import UTC, datetime, timedelta

import numpy as np
import pytest
from sqlalchemy import delete, update
from telegram.ext import ExtBot

from bot.rate_limit import PostingRateLimiter
from pipeline.services import Services
from ranking.ledger_csv import from_csv
from scheduler.weekly import run_due_posts, weekly_posts_job
from storage.albums import NewMedia
from storage.faces import FaceStore, NewFace, NewPerson
from storage.models import Chat, Face, Photo, WeeklyPostStatus
from tests.e2e.harness import Harness, noisy_jpeg, text_of

# Seoul is UTC+9. Week 1: Mon 2026-11-16 – Sun 11-22; week 2: Mon 11-23 – Sun 11-29 (post: Sun 20:00 = 11:00 UTC).
RULE_SET_AT = datetime(2026, 11, 16, 1, 0, tzinfo=UTC)  # Monday 10:00 KST
SUNDAY_EVENING = datetime(2026, 11, 29, 10, 0, tzinfo=UTC)  # Sunday 19:00 KST, before the post
POST_TIME = datetime(2026, 11, 29, 11, 0, 30, tzinfo=UTC)  # Sunday 20:00:30 KST
PHOTOS = {  # (member, filed at UTC, smile scores of its faces)
    "A1": ("alice", datetime(2026, 11, 17, 3, tzinfo=UTC), [80, 60.5]),  # 80 + 61 = 141
    "B1": ("bob", datetime(2026, 11, 18, 3, tzinfo=UTC), [90]),  # 90
    "C1": ("carol", datetime(2026, 11, 19, 3, tzinfo=UTC), [30.4, 20]),  # 30 + 20 = 50
    "A2": ("alice", datetime(2026, 11, 23, 3, tzinfo=UTC), [70]),  # 70
    "B2": ("bob", datetime(2026, 11, 24, 3, tzinfo=UTC), [55, 45]),  # 100
    "C2": ("carol", datetime(2026, 11, 25, 3, tzinfo=UTC), [100, 69.5]),  # 100 + 70 = 170
    "B3": ("bob", datetime(2026, 11, 28, 3, tzinfo=UTC), []),  # no faces: 0
}
# People: 지수 = A1[0], B2[0], C2[0]; Min = A1[1], B1[0], A2[0]; unnamed = C1[0], C2[1]; the rest nobody.
PEOPLE = {
    "지수": [("A1", 0), ("B2", 0), ("C2", 0)],
    "Min": [("A1", 1), ("B1", 0), ("A2", 0)],
    None: [("C1", 0), ("C2", 1)],
}


# The bot's own minute-by-minute job is off here: the tests run the weekly job themselves, at controlled times.
pytestmark = pytest.mark.parametrize("harness", [{"weekly_post_check_s": 0}], indirect=True)


class Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


async def _set_smiles(harness: Harness, photo_id: int, when: datetime, smiles: list[float]) -> list[int]:
    """What the vision pipeline will do for a real photo, with known scores; then file the photo on `when`."""
    db = harness.services.db
    async with db.session() as session:  # whatever analysis already ran on the noise picture is replaced
        await session.exec(delete(Face).where(Face.photo_id == photo_id))
        await session.exec(update(Photo).where(Photo.id == photo_id).values(analysed_at=None, created_at=when))
    vector = np.ones(128, np.float32)
    faces = [NewFace(0, (10 + 60 * i, 10, 50, 50), 0.9, smile, vector) for i, smile in enumerate(smiles)]
    return await FaceStore(db).record_analysis(photo_id, faces)


async def _pressed(harness: Harness, chat_id: int, message_id: int, check: str) -> str:
    """The text of a bot message once an edit made it contain `check`."""

    def edited() -> str | None:
        text = text_of(harness.emu.message(chat_id, message_id))
        return text if check in text else None

    return await harness.emu.wait_for(edited, timeout=10)


async def _settled_posts(harness: Harness, chat_id: int) -> list[tuple[str, int | None]]:
    """The chat's weekly-post rows once no run is still between claiming and finishing one."""
    for _ in range(200):
        posts = await harness.services.schedules.posts(chat_id)
        if all(p.status != WeeklyPostStatus.claimed for p in posts):
            return [(p.status, p.message_id) for p in posts]
        await asyncio.sleep(0.05)
    raise TimeoutError("a weekly post stayed claimed")


@pytest.fixture
async def group(harness: Harness) -> dict[str, object]:
    emu = harness.emu
    clock = Clock(RULE_SET_AT)
    harness.services.clock = clock
    users = {name: emu.create_user(name.title(), language_code="en") for name in ("alice", "bob", "carol")}
    chat = emu.create_chat("group", title="Cheese friends", user=users["alice"])  # Alice created it: an admin
    for name in ("bob", "carol"):
        emu.add_member(chat["id"], users[name]["id"])
    gid = chat["id"]

    await emu.send_text(gid, users["alice"]["id"], "/lang en")  # the group's language, used by the weekly post
    await harness.reply(gid, lambda m: "English" in text_of(m))
    await emu.send_text(gid, users["alice"]["id"], "/settings time 20:00")
    assert "Sunday at 20:00 (Asia/Seoul)" in text_of(await harness.reply(gid, lambda m: "Weekly post" in text_of(m)))
    await emu.send_text(gid, users["bob"]["id"], "/donate rule 5")
    assert "only group admins" in text_of(await harness.reply(gid))
    await emu.send_text(gid, users["alice"]["id"], "/donate rule 10 2000")
    assert "₩10 per smile point · at most ₩2,000 a week" in text_of(await harness.reply(gid))

    ids: dict[str, int] = {}
    faces: dict[str, list[int]] = {}
    for member in ("alice", "bob", "carol"):  # each member sends their photos as one album
        keys = [key for key, (who, _, _) in PHOTOS.items() if who == member]
        pictures = [noisy_jpeg(700 + list(PHOTOS).index(key), size=(160, 120)) for key in keys]
        sent = await emu.send_media_group(gid, users[member]["id"], pictures)
        await harness.reply(gid, lambda m: "Saved" in text_of(m))
        stored = {p.telegram_file_id: p.id for p in await harness.services.albums.page(gid, 0, 50)}
        for key, message in zip(keys, sent, strict=True):
            ids[key] = stored[message["photo"][-1]["file_id"]]
    for key, (_, when, smiles) in PHOTOS.items():
        faces[key] = await _set_smiles(harness, ids[key], when, smiles)
        if when < datetime(2026, 11, 22, 15, tzinfo=UTC):  # week 1: the pipeline's call; week 2 is left to /donate
            await harness.services.ledger.pledge_for_photo(ids[key])
    store = FaceStore(harness.services.db)
    tokens = {name: NewPerson() for name in PEOPLE}
    stored = await store.assign(gid, {faces[k][i]: tokens[name] for name, spots in PEOPLE.items() for k, i in spots})
    unnamed = None
    for name, spots in PEOPLE.items():
        person_id = stored[faces[spots[0][0]][spots[0][1]]]
        if name:
            await store.rename(person_id, name)
        else:
            person = await store.person(person_id)
            assert person is not None
            unnamed = person.number  # the chat's label for them: "Person <number>"
    clock.now = SUNDAY_EVENING
    return {"chat": gid, "users": users, "clock": clock, "ids": ids, "unnamed": unnamed}


async def test_rank_shows_the_weeks_and_all_time_numbers_and_switches_with_buttons(
    harness: Harness, group: dict[str, object]
) -> None:
    gid, users, unnamed = group["chat"], group["users"], group["unnamed"]
    await harness.emu.send_text(gid, users["bob"]["id"], "/rank")
    shown = await harness.reply(gid, lambda m: "Smile ranking" in text_of(m))
    assert shown.photo, "the ranking is a chart picture"
    caption = text_of(shown)
    assert "this week" in caption and "Nov 23 – Nov 29 · by person" in caption
    assert "🥇 지수 — 155 pts · 2 photos" in caption
    assert "🥈 Min — 70 pts" in caption and f"🥈 Person {unnamed} — 70 pts" in caption, "a tie shares second place"
    assert caption.index("Min") < caption.index(f"Person {unnamed}")
    assert "4 photos · 340 smile points" in caption
    assert "• This week" in str(shown.reply_markup) and "rank:v:all:person" in shown.button_callback_data()

    await harness.emu.press_button(gid, users["bob"]["id"], shown.message_id, "rank:v:all:person")
    caption = await _pressed(harness, gid, shown.message_id, "all time")
    assert "🥇 지수 — 235 pts" in caption and "🥈 Min — 221 pts" in caption and f"🥉 Person {unnamed} — 100" in caption
    assert "7 photos · 621 smile points" in caption

    await harness.emu.press_button(gid, users["carol"]["id"], shown.message_id, "rank:v:all:member")
    caption = await _pressed(harness, gid, shown.message_id, "by uploader")
    assert "🥇 Carol — 220 pts" in caption and "🥈 Alice — 211 pts" in caption and "🥉 Bob — 190 pts" in caption

    await harness.emu.press_button(gid, users["carol"]["id"], shown.message_id, "rank:v:week:member")
    caption = await _pressed(harness, gid, shown.message_id, "this week")
    assert "🥇 Carol — 170 pts" in caption and "🥈 Bob — 100 pts · 2 photos" in caption and "🥉 Alice — 70" in caption
    assert harness.emu.message(gid, shown.message_id).photo, "still a picture after the edits"


async def test_donate_charity_rule_tally_contributors_csv_and_closing_a_week(
    harness: Harness, group: dict[str, object]
) -> None:
    emu, gid, users = harness.emu, group["chat"], group["users"]
    alice, bob = users["alice"]["id"], users["bob"]["id"]
    await emu.send_text(gid, bob, "/donate")
    overview = await harness.reply(gid, lambda m: "Smile donations" in text_of(m))
    text = text_of(overview)
    assert "Pledges only: this bot never collects or sends money" in text
    assert "Nonprofit: not chosen yet" in text
    # Week 2: 340 points × ₩10 = ₩3,400, capped at ₩2,000 in photo order: A2 700, B2 1,000, C2 300.
    assert "This week (Nov 23 – Nov 29): 340 points → ₩2,000" in text
    assert "Pledged, not yet donated: ₩4,000 (2 weeks) · donated: ₩0" in text
    assert "1. Bob — ₩1,000 (100 pts)\n2. Alice — ₩700 (70 pts)\n3. Carol — ₩300 (170 pts)" in text

    await emu.press_button(gid, bob, overview.message_id, "don:ch:0")
    listing = await _pressed(harness, gid, overview.message_id, "Choose a nonprofit")
    assert (
        "초록우산" not in listing
        and "ChildFund Korea" in listing
        and "https://www.childfund.or.kr" in str(emu.message(gid, overview.message_id).message)
    )
    await emu.press_button(gid, bob, overview.message_id, "don:pick:childfund")
    await emu.wait_for(
        lambda: any(a.get("show_alert") and "only group admins" in a["text"] for a in emu.callback_answers)
    )
    await emu.press_button(gid, alice, overview.message_id, "don:pick:childfund")
    text = await _pressed(harness, gid, overview.message_id, "Nonprofit: ChildFund Korea")

    await emu.press_button(gid, bob, overview.message_id, "don:csv")
    document = await harness.reply(gid, lambda m: m.document is not None)
    assert document.document["file_name"].endswith(".csv")
    rows = from_csv(emu.file_bytes(document.file_id))
    assert len(rows) == 6, "six photos with smiles, one ledger row each (the faceless one pledges nothing)"
    by_week: dict[str, int] = {}
    for row in rows:
        by_week[row.week_start.isoformat()] = by_week.get(row.week_start.isoformat(), 0) + row.amount_won
    assert by_week == {"2026-11-16": 2000, "2026-11-23": 2000}
    assert [(r.member, r.points, r.amount_won) for r in rows if r.week_start.day == 16] == [
        ("Alice", 141, 1410),
        ("Bob", 90, 590),
        ("Carol", 50, 0),
    ]

    await emu.send_text(gid, alice, "/donate done")
    weeks = await harness.reply(gid, lambda m: "Which week did you donate" in text_of(m))
    assert weeks.button_callback_data()[:2] == ["don:close:20261123", "don:close:20261116"]
    await emu.press_button(gid, alice, weeks.message_id, "don:close:20261116")
    closed = await _pressed(harness, gid, weeks.message_id, "marked donated and closed")
    assert "₩2,000 → ChildFund Korea" in closed
    album_before = await harness.album_count(gid)
    receipt = {"photo": emu.state.files.add_photo(noisy_jpeg(999))}
    emu._actions.post(gid, alice, receipt, weeks.message_id)  # the emulator's send_photo has no reply_to yet
    assert "Receipt saved" in text_of(await harness.reply(gid, lambda m: "Receipt" in text_of(m)))
    assert await harness.album_count(gid) == album_before, "a receipt is not an album photo"

    await emu.send_text(gid, bob, "/donate")
    text = text_of(await harness.reply(gid, lambda m: "Smile donations" in text_of(m)))
    assert "Pledged, not yet donated: ₩2,000 (1 week) · donated: ₩2,000" in text


async def test_weekly_post_goes_out_once_and_a_chat_that_removed_the_bot_is_skipped(
    harness: Harness, group: dict[str, object]
) -> None:
    emu, gid, users, clock = harness.emu, group["chat"], group["users"], group["clock"]
    gone = emu.create_chat("group", title="Left us", user=users["carol"])
    await emu.send_text(gone["id"], users["carol"]["id"], "/settings time 20:00")
    await harness.reply(gone["id"])
    await emu.send_photo(gone["id"], users["carol"]["id"], noisy_jpeg(800, size=(160, 120)))
    await harness.reply(gone["id"], lambda m: "Saved" in text_of(m))
    (photo,) = await harness.services.albums.page(gone["id"], 0, 1)
    await _set_smiles(harness, photo.id, datetime(2026, 11, 24, tzinfo=UTC), [50])
    emu.remove_bot_from_chat(gone["id"], users["carol"]["id"])
    for _ in range(100):  # the my_chat_member update marks the chat left …
        if gone["id"] not in {p.chat_id for p in await harness.services.schedules.active_plans()}:
            break
        await asyncio.sleep(0.05)
    assert gone["id"] not in {p.chat_id for p in await harness.services.schedules.active_plans()}
    async with harness.services.db.session() as session:  # … but say that update was lost (bot down > 24 h)
        await session.exec(update(Chat).where(Chat.id == gone["id"]).values(left_at=None))

    # Sunday 19:00: last week's slot (Sunday 11-22 20:00) passed without a post since /settings: caught up, once.
    (caught_up,) = await run_due_posts(harness.services, harness.app.bot)
    assert (caught_up.chat_id, caught_up.week.isoformat(), caught_up.status) == (gid, "2026-11-16", "posted")
    late = await harness.reply(gid, lambda m: "This week's smiles" in text_of(m))
    assert "Nov 16 – Nov 22" in text_of(late) and "🥇 Min — 151 pts" in text_of(late)
    assert await run_due_posts(harness.services, harness.app.bot) == [], "19:00: this week's post is not due yet"

    clock.now = POST_TIME
    harness.app.job_queue.run_once(weekly_posts_job, 0)  # the job itself, as the JobQueue runs it
    post = await harness.reply(gid, lambda m: "This week's smiles" in text_of(m), timeout=15)
    assert post.photo
    caption = text_of(post)
    assert "Nov 23 – Nov 29" in caption and "🥇 지수 — 155 pts" in caption and "🥇 Carol — 170 pts" in caption
    assert "This week's smiles pledged ₩2,000 to (no nonprofit chosen yet)" in caption
    assert "(before the weekly cap: ₩3,400)" in caption
    assert "Pledges only" in caption and len(caption) <= 1024

    await _settled_posts(harness, gid)  # the job's run has finished …
    await _settled_posts(harness, gone["id"])
    again = await asyncio.gather(*(run_due_posts(harness.services, harness.app.bot) for _ in range(3)))
    assert again == [[], [], []], "overlapping runs after the post do nothing"
    clock.now = POST_TIME + timedelta(days=1)
    assert await run_due_posts(harness.services, harness.app.bot) == []
    posts = [m for m in harness.bot_messages(gid) if "This week's smiles" in text_of(m)]
    assert [m.message_id for m in posts] == [late.message_id, post.message_id]
    assert await _settled_posts(harness, gid) == [
        (WeeklyPostStatus.posted, late.message_id),
        (WeeklyPostStatus.posted, post.message_id),
    ]
    (gone_post,) = await harness.services.schedules.posts(gone["id"])
    assert gone_post.status == WeeklyPostStatus.chat_gone
    async with harness.services.db.session() as session:
        assert (await session.get(Chat, gone["id"])).left_at is not None
    assert gone["id"] not in {p.chat_id for p in await harness.services.schedules.active_plans()}


async def test_a_restart_across_the_scheduled_minute_posts_once(harness: Harness, group: dict[str, object]) -> None:
    """Two bot processes on one database: the old one stops at 19:59:30, the new one starts at 20:01:10, and the
    old one (still finishing) runs once more — one post for the week."""
    gid, clock = group["chat"], group["clock"]
    old = harness.services
    await run_due_posts(old, harness.app.bot)  # 19:00: last week's missed post, caught up
    clock.now = POST_TIME - timedelta(minutes=1)
    assert await run_due_posts(old, harness.app.bot) == []

    new = await Services.start(harness.settings, cpu=old.cpu, pictures=old.pictures)
    try:
        new.clock = lambda: POST_TIME + timedelta(minutes=1, seconds=10)
        (result,) = await run_due_posts(new, harness.app.bot)
        assert (result.week.isoformat(), result.status) == ("2026-11-23", "posted")
        clock.now = POST_TIME + timedelta(minutes=1, seconds=20)
        assert await run_due_posts(old, harness.app.bot) == []
        assert await run_due_posts(new, harness.app.bot) == []
    finally:
        await new.close()
    posts = [m for m in harness.bot_messages(gid) if "This week's smiles" in text_of(m)]
    assert [("Nov 16" in text_of(m), "Nov 23" in text_of(m)) for m in posts] == [(True, False), (False, True)]


async def test_a_failed_send_is_retried_next_run_and_an_unknown_chat_is_marked_gone(
    harness: Harness, group: dict[str, object]
) -> None:
    gid, clock, svc = group["chat"], group["clock"], harness.services
    ghost = -4242  # a chat Telegram no longer knows ("chat not found")
    await svc.albums.remember(chat_id=ghost, chat_type="group", chat_title="Ghost")
    await svc.schedules.set_schedule(ghost, hour=20, now=RULE_SET_AT)
    saved = await svc.albums.save(ghost, NewMedia(data=noisy_jpeg(901, size=(160, 120)), mime="image/jpeg"))
    await _set_smiles(harness, saved.photo.id, datetime(2026, 11, 24, tzinfo=UTC), [40])
    await run_due_posts(svc, harness.app.bot)  # 19:00: last week's catch-up for the group (the ghost has none)
    await harness.reply(gid, lambda m: "Nov 16 – Nov 22" in text_of(m))

    clock.now = POST_TIME
    # Outlasts the bot's resends (bot.rate_limit). A 500 is Telegram's answer that the call failed: nothing was
    # posted, so the claim is given back (handlers.delivery); a lost answer would not be (the tests above).
    harness.emu.inject_fault("sendPhoto", "500", count=5)
    results = {r.chat_id: r.status for r in await run_due_posts(svc, harness.app.bot)}
    assert results == {ghost: None, gid: WeeklyPostStatus.posted}, "a server error gives the ghost's claim back"
    clock.now = POST_TIME + timedelta(minutes=1)
    assert [(r.chat_id, r.status) for r in await run_due_posts(svc, harness.app.bot)] == [
        (ghost, WeeklyPostStatus.chat_gone)
    ]
    assert [r for r in await run_due_posts(svc, harness.app.bot)] == []
    async with svc.db.session() as session:
        assert (await session.get(Chat, ghost)).left_at is not None


async def _weekly_posts_in(harness: Harness, chat_id: int) -> list[tuple[bool, bool]]:
    """(last week's?, this week's?) for each weekly post in the chat, in order."""
    posts = [m for m in harness.bot_messages(chat_id) if "This week's smiles" in text_of(m)]
    return [("Nov 16" in text_of(m), "Nov 23" in text_of(m)) for m in posts]


@pytest.mark.parametrize("answer", ["cut", "late"])
async def test_a_weekly_post_telegram_made_but_whose_answer_was_lost_is_not_posted_again(
    harness: Harness, group: dict[str, object], monkeypatch: pytest.MonkeyPatch, answer: str
) -> None:
    """Telegram posts the picture, and then the connection is cut before its answer ("cut"), or the answer comes
    after the bot stopped waiting ("late": a timeout). The bot cannot tell whether it went: it is not sent again."""
    gid, clock, svc = group["chat"], group["clock"], harness.services
    await run_due_posts(svc, harness.app.bot)  # 19:00: last week's missed post, caught up
    await harness.reply(gid, lambda m: "Nov 16 – Nov 22" in text_of(m))
    monkeypatch.setattr(svc.settings, "weekly_post_send_timeout_s", 1.0)
    harness.emu.inject_fault("sendPhoto", "lost", delay=3.0 if answer == "late" else 0.0)

    clock.now = POST_TIME
    (result,) = await run_due_posts(svc, harness.app.bot)
    assert (result.chat_id, result.status) == (gid, WeeklyPostStatus.unconfirmed)
    for minutes in (1, 2, 60 * 24):
        clock.now = POST_TIME + timedelta(minutes=minutes)
        assert await run_due_posts(svc, harness.app.bot) == [], "a week whose post may be in the chat is not retried"
    assert harness.emu.triggered_faults == [("sendPhoto", "lost")], "nor sent again by the bot's resends"
    assert await _weekly_posts_in(harness, gid) == [(True, False), (False, True)], "this week's post is there once"
    assert [s for s, _ in await _settled_posts(harness, gid)] == [WeeklyPostStatus.posted, WeeklyPostStatus.unconfirmed]


async def test_a_weekly_post_telegram_did_not_make_is_retried_and_posted_once(
    harness: Harness, group: dict[str, object]
) -> None:
    """429s beyond the bot's own retries, and a connection that could not be opened: certainly not posted, so the
    claim is given back and a later run posts the week once."""
    gid, clock, svc = group["chat"], group["clock"], harness.services
    await run_due_posts(svc, harness.app.bot)  # 19:00: last week's missed post, caught up
    await harness.reply(gid, lambda m: "Nov 16 – Nov 22" in text_of(m))

    clock.now = POST_TIME
    with socket.socket() as closed:  # a port nothing listens on: the connection is refused
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
    unreachable = ExtBot(
        harness.emu.token,
        base_url=f"http://127.0.0.1:{port}/bot",
        rate_limiter=PostingRateLimiter(max_retries=0, transient_pauses=(0.0,)),
    )
    (refused,) = await run_due_posts(svc, unreachable)
    assert (refused.chat_id, refused.status) == (gid, None), "not sent: the claim is given back"
    assert await _weekly_posts_in(harness, gid) == [(True, False)]

    harness.emu.inject_fault("sendPhoto", "429", count=4, retry_after=1)  # one more than the bot's retries
    clock.now = POST_TIME + timedelta(minutes=1)
    (flooded,) = await run_due_posts(svc, harness.app.bot)
    assert (flooded.chat_id, flooded.status) == (gid, None)
    assert await _weekly_posts_in(harness, gid) == [(True, False)]

    harness.emu.inject_fault("sendPhoto", "429", count=1, retry_after=1)  # retried by the bot's rate limiter
    clock.now = POST_TIME + timedelta(minutes=2)
    (posted,) = await run_due_posts(svc, harness.app.bot)
    assert (posted.chat_id, posted.status) == (gid, WeeklyPostStatus.posted)
    clock.now = POST_TIME + timedelta(minutes=3)
    assert await run_due_posts(svc, harness.app.bot) == []
    assert [kind for _, kind in harness.emu.triggered_faults] == ["429"] * 5
    assert await _weekly_posts_in(harness, gid) == [(True, False), (False, True)]


async def test_a_post_whose_process_died_while_drawing_it_is_made_by_a_later_run_once(
    harness: Harness, group: dict[str, object]
) -> None:
    """The process that claimed this week's post was killed before it began sending (say, mid-drawing): its claim
    is taken over after the lease and posted once; a claim that began sending is never made again."""
    gid, clock, svc = group["chat"], group["clock"], harness.services
    await run_due_posts(svc, harness.app.bot)  # 19:00: last week's missed post, caught up
    await harness.reply(gid, lambda m: "Nov 16 – Nov 22" in text_of(m))
    week = (await svc.schedules.posts(gid))[-1].week_start + timedelta(days=7)
    assert await svc.schedules.claim(gid, week, POST_TIME)  # the process that then died
    lease = timedelta(seconds=svc.settings.weekly_post_lease_s)

    clock.now = POST_TIME + lease - timedelta(seconds=1)
    assert await run_due_posts(svc, harness.app.bot) == [], "its claim still holds"
    clock.now = POST_TIME + lease + timedelta(seconds=1)
    runs = await asyncio.gather(*(run_due_posts(svc, harness.app.bot) for _ in range(3)))
    assert sorted(len(results) for results in runs) == [0, 0, 1]
    ((result,),) = [results for results in runs if results]
    assert (result.week, result.status) == (week, WeeklyPostStatus.posted)
    clock.now = POST_TIME + 10 * lease
    assert await run_due_posts(svc, harness.app.bot) == []
    posts = [m for m in harness.bot_messages(gid) if "This week's smiles" in text_of(m)]
    assert [("Nov 16" in text_of(m), "Nov 23" in text_of(m)) for m in posts] == [(True, False), (False, True)]


async def test_a_post_cut_off_while_sending_is_not_made_again(harness: Harness, group: dict[str, object]) -> None:
    gid, clock, svc = group["chat"], group["clock"], harness.services
    await run_due_posts(svc, harness.app.bot)  # 19:00: last week's missed post, caught up
    await harness.reply(gid, lambda m: "Nov 16 – Nov 22" in text_of(m))
    week = (await svc.schedules.posts(gid))[-1].week_start + timedelta(days=7)
    assert await svc.schedules.claim(gid, week, POST_TIME)
    assert await svc.schedules.mark_sending(gid, week, 1)  # … and then the process was killed mid-send
    clock.now = POST_TIME + 10 * timedelta(seconds=svc.settings.weekly_post_lease_s)
    assert await run_due_posts(svc, harness.app.bot) == []
    assert [p.status for p in await svc.schedules.posts(gid)] == [WeeklyPostStatus.posted, WeeklyPostStatus.claimed]
