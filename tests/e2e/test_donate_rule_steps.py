"""/donate's pledge rule is chosen in two explicit steps (amount, then cap), and the overview says from when the
pledges count photos — which is why it can show 0 points while /rank shows many."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from handlers.i18n import format_moment
from ranking.points import as_utc
from tests.e2e.harness import Harness, photo_with_one_smiling_face, text_of


async def _photo_with_a_smile(harness: Harness, chat_id: int, user_id: int) -> None:
    await photo_with_one_smiling_face(harness, chat_id, user_id, 911, "저장")


async def test_rate_then_cap_are_two_steps_and_the_overview_says_from_when_pledges_count(harness: Harness) -> None:
    emu = harness.emu
    user = emu.create_user("민지", language_code="ko")
    chat = emu.create_chat("private", user=user)
    cid, uid = chat["id"], user["id"]
    await _photo_with_a_smile(harness, cid, uid)  # before any rule: /rank counts it, pledges never will

    async def tap(message_id: int, data: str, check: str) -> str:
        await emu.press_button(cid, uid, message_id, data)

        def shown() -> str | None:
            text = text_of(emu.message(cid, message_id))
            return text if check in text else None

        return await emu.wait_for(shown)

    await emu.send_text(cid, uid, "/donate")
    panel = await harness.reply(cid, lambda m: "웃음 기부" in text_of(m))
    await tap(panel.message_id, "don:rule", "1/2단계")
    await tap(panel.message_id, "don:rate:10", "2/2단계")
    assert await harness.services.ledger.rule_row(cid) is None, "choosing an amount alone saves nothing"
    buttons = emu.message(cid, panel.message_id).button_callback_data()
    assert "don:cap:10:none" in buttons and "don:cap:10:30000" in buttons
    text = await tap(panel.message_id, "don:cap:10:30000", "한 주 최대")
    rule = await harness.services.ledger.rule_row(cid)
    assert (rule.won_per_point, rule.weekly_cap_won) == (10, 30000)
    since = format_moment(as_utc(rule.since).astimezone(ZoneInfo("Asia/Seoul")), "ko")
    assert f"약정은 규칙을 정한 {since}부터 올라온 사진만 세요" in text
    assert "웃음 0점" in text, "the photo filed before the rule pledges nothing"

    text = await tap(panel.message_id, "don:rule", "1/2단계")
    assert "지금: 약정 규칙: 웃음 1점당 ₩10 · 한 주 최대 ₩30,000" in text
    await tap(panel.message_id, "don:rate:50", "2/2단계")
    keep = emu.message(cid, panel.message_id).button_callback_data()[0]
    assert keep == "don:cap:50:30000" and "그대로" in str(emu.message(cid, panel.message_id).reply_markup)
    await tap(panel.message_id, keep, "약정 규칙: 웃음 1점당 ₩50")
    rule = await harness.services.ledger.rule_row(cid)
    assert (rule.won_per_point, rule.weekly_cap_won) == (50, 30000), "the cap was kept, as the button said"
