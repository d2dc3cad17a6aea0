"""Empty rankings, bad /donate and /settings input, admin refusals, the weekly job and the command menu."""

from __future__ import annotations

import asyncio

import pytest

from scheduler.weekly import JOB_NAME
from storage.models import Chat
from tests.e2e.harness import Harness, text_of


async def test_rank_in_an_empty_chat_is_a_friendly_picture(harness: Harness) -> None:
    user = harness.emu.create_user("Sam", language_code="ko")
    chat = harness.emu.create_chat("private", user=user)
    await harness.emu.send_text(chat["id"], user["id"], "/rank")
    shown = await harness.reply(chat["id"])
    assert shown.photo and "이번 주에는 아직 웃음이 없어요" in text_of(shown)
    assert "사진 0장 · 웃음 점수 모두 0점" in text_of(shown)


@pytest.mark.parametrize(
    ("command", "expected"),
    [
        ("/donate rule", "Please write: /donate rule"),
        ("/donate rule ten", "Please write: /donate rule"),
        ("/donate rule 0", "Please write: /donate rule"),
        ("/donate rule 10 lots", "Please write: /donate rule"),
        ("/donate rule 999999999", "Please write: /donate rule"),
        ("/donate add not-a-link Food bank", "Please write: /donate add"),
        ("/donate add https://food.example.org", "Please write: /donate add"),
        ("/donate add https://food.example.org " + "x" * 65, "Please write: /donate add"),
        ("/donate refund", "/donate csv — export the ledger"),
        ("/settings tz Mars/Olympus", "I do not know that timezone"),
        ("/settings time 25:00", "Please write: /settings"),
        ("/settings day someday", "Please write: /settings"),
        ("/donate csv", "The ledger has no pledges yet."),
        ("/donate done", "No week has pledges left to donate."),
    ],
)
async def test_bad_input_gets_a_clear_reply_and_changes_nothing(harness: Harness, command: str, expected: str) -> None:
    user = harness.emu.create_user("Sam", language_code="en")
    chat = harness.emu.create_chat("private", user=user)
    await harness.emu.send_text(chat["id"], user["id"], command)
    assert expected in text_of(await harness.reply(chat["id"]))
    assert await harness.services.ledger.rule_row(chat["id"]) is None
    plan = await harness.services.schedules.plan(chat["id"])
    assert (plan.weekday, plan.hour, plan.minute, plan.timezone) == (6, 20, 0, "Asia/Seoul")


async def test_korean_bad_input_is_answered_in_korean(harness: Harness) -> None:
    user = harness.emu.create_user("민지", language_code="ko")
    chat = harness.emu.create_chat("private", user=user)
    await harness.emu.send_text(chat["id"], user["id"], "/donate rule 많이")
    assert "이렇게 써 주세요: /donate rule" in text_of(await harness.reply(chat["id"]))
    await harness.emu.send_text(chat["id"], user["id"], "/settings tz 서울")
    assert "모르는 시간대예요" in text_of(await harness.reply(chat["id"]))


async def test_settings_admin_changes_with_buttons_and_members_are_refused(harness: Harness) -> None:
    emu = harness.emu
    admin, member = emu.create_user("Ada", language_code="en"), emu.create_user("Mo", language_code="en")
    group = emu.create_chat("group", title="G", user=admin)
    emu.add_member(group["id"], member["id"])
    await emu.send_text(group["id"], member["id"], "/settings time 09:00")
    assert "only group admins can change the settings" in text_of(await harness.reply(group["id"]))
    await emu.send_text(group["id"], member["id"], "/settings")
    shown = await harness.reply(group["id"])
    assert "Every Sunday at 20:00 (Asia/Seoul)" in text_of(shown) and not shown.button_callback_data()

    await emu.send_text(group["id"], admin["id"], "/settings")
    panel = await harness.reply(group["id"])
    assert "set:d:4" in panel.button_callback_data() and "set:tz:UTC" in panel.button_callback_data()
    await emu.press_button(group["id"], member["id"], panel.message_id, "set:d:4")
    await emu.wait_for(lambda: any(a.get("show_alert") for a in emu.callback_answers))
    for data, check in (("set:d:4", "Every Friday at 20:00"), ("set:h:21", "Friday at 21:00"), ("set:tz:UTC", "(UTC)")):
        await emu.press_button(group["id"], admin["id"], panel.message_id, data)
        await emu.wait_for(lambda c=check: c in text_of(emu.message(group["id"], panel.message_id)) or None)
    plan = await harness.services.schedules.plan(group["id"])
    assert (plan.weekday, plan.hour, plan.timezone) == (4, 21, "UTC")
    await emu.press_button(group["id"], admin["id"], panel.message_id, "set:off")
    await emu.wait_for(lambda: "is off" in text_of(emu.message(group["id"], panel.message_id)) or None)
    assert await harness.services.schedules.active_plans() == []


async def test_the_weekly_job_is_scheduled_once_and_the_menu_lists_the_new_commands(harness: Harness) -> None:
    jobs = harness.app.job_queue.get_jobs_by_name(JOB_NAME)
    assert len(jobs) == 1 and jobs[0].job.id == JOB_NAME
    commands = {c["command"] for c in harness.emu.state.commands[("default", "")]}
    assert {"rank", "donate", "settings"} <= commands


async def test_a_chat_that_removes_the_bot_is_marked_left_and_back_when_it_returns(harness: Harness) -> None:
    emu = harness.emu
    owner = emu.create_user("Ada", language_code="en")
    group = emu.create_chat("group", title="G", user=owner)
    await emu.send_text(group["id"], owner["id"], "/settings")
    await harness.reply(group["id"])
    assert [p.chat_id for p in await harness.services.schedules.active_plans()] == [group["id"]]

    async def left_at() -> object:
        async with harness.services.db.session() as session:
            return (await session.get(Chat, group["id"])).left_at

    emu.remove_bot_from_chat(group["id"], owner["id"])
    for _ in range(100):
        if await left_at() is not None:
            break
        await asyncio.sleep(0.05)
    assert await left_at() is not None
    assert await harness.services.schedules.active_plans() == []
    emu.add_bot_to_chat(group["id"], owner["id"])
    for _ in range(100):
        if await left_at() is None:
            break
        await asyncio.sleep(0.05)
    assert [p.chat_id for p in await harness.services.schedules.active_plans()] == [group["id"]]
