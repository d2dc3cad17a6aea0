"""A group that becomes a supergroup keeps everything: Telegram's two service messages (in either order, twice)
move the album, people, ledger, settings and schedule to the new id; a weekly post that meets the old id follows it."""

from __future__ import annotations

import asyncio
import copy
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import update

from scheduler.digest import run_due_digests
from scheduler.weekly import run_due_posts
from storage.models import DigestStatus, Photo, WeeklyPostStatus
from tests.e2e.harness import Harness, noisy_jpeg, photo_with_one_smiling_face, text_of

MONDAY = datetime(2026, 11, 16, 1, 0, tzinfo=UTC)  # Monday 10:00 in Seoul
POST_TIME = datetime(2026, 11, 22, 11, 0, 30, tzinfo=UTC)  # Sunday 20:00:30 in Seoul

weekly_job_off = pytest.mark.parametrize("harness", [{"weekly_post_check_s": 0}], indirect=True)


class Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


async def group_with_history(harness: Harness) -> tuple[dict, dict, int]:
    """A basic group with its language, weekly time, pledge rule and one photo (one face, smile 80) this week."""
    emu = harness.emu
    harness.services.clock = Clock(MONDAY)
    owner = emu.create_user("Alice", language_code="en")
    group = emu.create_chat("group", "Cheese friends", owner)
    gid = group["id"]
    for command in ("/settings time 20:00", "/donate rule 10", "/lang ko"):
        await emu.send_text(gid, owner["id"], command)
        await harness.reply(gid)
    photo_id = await photo_with_one_smiling_face(harness, gid, owner["id"], seed=41, saved="저장")
    async with harness.services.db.session() as session:
        await session.exec(update(Photo).where(Photo.id == photo_id).values(created_at=MONDAY))
    await harness.services.ledger.pledge_for_photo(photo_id)
    return owner, group, photo_id


async def settled(harness: Harness, old_id: int, new_id: int) -> None:
    for _ in range(200):
        if await harness.album_count(new_id) == 1 and await harness.album_count(old_id) == 0:
            return
        await asyncio.sleep(0.05)
    raise TimeoutError("the album did not move to the supergroup")


@weekly_job_off
@pytest.mark.parametrize("new_chat_first", [False, True], ids=["old-chat-first", "new-chat-first"])
async def test_the_upgraded_group_keeps_its_album_settings_and_ledger(harness: Harness, new_chat_first: bool) -> None:
    emu, svc = harness.emu, harness.services
    owner, group, photo_id = await group_with_history(harness)
    old_plan = await svc.schedules.plan(group["id"])

    new = emu.upgrade_to_supergroup(group["id"], owner["id"], new_chat_first=new_chat_first)
    await settled(harness, group["id"], new["id"])
    # Telegram may deliver a service message again: moving what is left under the old id changes nothing.
    again = next(m for m in emu.chat_messages(new["id"]) if m.message.get("migrate_from_chat_id"))
    emu.state.enqueue_update("message", copy.deepcopy(again.message))
    await asyncio.sleep(0.5)

    assert await harness.album_count(new["id"]) == 1 and await harness.album_count(group["id"]) == 0
    photo = await svc.albums.get(photo_id)
    assert photo is not None and photo.chat_id == new["id"]
    assert await svc.albums.language(user_id=None, chat_id=new["id"]) == "ko"
    plan = await svc.schedules.plan(new["id"])
    assert (plan.weekday, plan.hour, plan.minute, plan.since) == (
        old_plan.weekday,
        old_plan.hour,
        old_plan.minute,
        old_plan.since,
    )
    rule = await svc.ledger.rule_row(new["id"])
    assert rule is not None and rule.won_per_point == 10
    assert (await svc.ledger.donations(new["id"])).week(MONDAY.date()).pledges == 1
    assert group["id"] not in {p.chat_id for p in await svc.schedules.active_plans()}, "no weekly post to a dead id"

    await emu.send_text(new["id"], owner["id"], "/album")
    answer = await harness.reply(new["id"], lambda m: m.photo is not None or "1" in text_of(m))
    assert answer.chat_id == new["id"]


@weekly_job_off
async def test_the_weekly_post_follows_a_group_whose_upgrade_it_missed(harness: Harness) -> None:
    emu, svc = harness.emu, harness.services
    owner, group, photo_id = await group_with_history(harness)
    new = emu.upgrade_to_supergroup(group["id"], owner["id"])
    emu.state.updates.clear()  # the bot was down for over a day: Telegram dropped both service messages
    svc.clock = Clock(POST_TIME)

    (result,) = await run_due_posts(svc, harness.app.bot)

    assert (result.chat_id, result.status) == (new["id"], WeeklyPostStatus.posted)
    post = await harness.reply(new["id"], lambda m: m.photo is not None)
    assert "80" in text_of(post)
    assert [(p.week_start, p.status) for p in await svc.schedules.posts(new["id"])] == [
        (MONDAY.date(), WeeklyPostStatus.posted)
    ]
    assert await svc.schedules.posts(group["id"]) == [], "nothing is left to fail under the old id"
    assert group["id"] not in {plan.chat_id for plan in await svc.schedules.active_plans()}
    assert (await svc.albums.get(photo_id)).chat_id == new["id"]  # type: ignore[union-attr]
    assert await run_due_posts(svc, harness.app.bot) == [], "posted once"


@pytest.mark.parametrize("harness", [{"group_answers": "quiet", "digest_check_s": 0}], indirect=True)
async def test_a_quiet_groups_digest_follows_a_group_whose_upgrade_it_missed(harness: Harness) -> None:
    emu, svc = harness.emu, harness.services
    owner = emu.create_user("Alice", language_code="en")
    group = emu.create_chat("group", "Cheese friends", owner)
    sent = await emu.send_photo(group["id"], owner["id"], noisy_jpeg(43, size=(160, 120)))
    await emu.wait_for(lambda: emu.bot_reaction(group["id"], sent["message_id"]) or None, timeout=60)
    new = emu.upgrade_to_supergroup(group["id"], owner["id"])
    emu.state.updates.clear()  # the service messages never reached the bot
    later = datetime.now(UTC) + timedelta(minutes=11)
    svc.clock = lambda: later

    assert await run_due_digests(svc, harness.app.bot) == [(group["id"], DigestStatus.posted)], "due under the old id"
    digest = await harness.reply(new["id"])
    assert "Alice" in text_of(digest)
    assert await harness.album_count(new["id"]) == 1 and await harness.album_count(group["id"]) == 0
    assert await run_due_digests(svc, harness.app.bot) == [], "sent once"
