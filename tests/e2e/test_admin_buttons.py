"""A member who is not an admin taps every admin-only button of /donate, /settings and /forget: each tap gets one
polite alert (the query is answered exactly once), the message stays as it was, and nothing else is said."""

from __future__ import annotations

import asyncio

from tests.e2e.harness import Harness, photo_with_one_smiling_face, text_of

ADMIN_ONLY_PREFIXES = ("don:pick:", "don:rule", "don:rate:", "don:cap:", "don:close", "set:", "forget:")
ERROR_WORDS = ("Telegram is busy", "something went wrong")


def _admin_only(data: str) -> bool:
    return data.startswith(ADMIN_ONLY_PREFIXES)


async def _member_taps_every_admin_only_button(harness: Harness, chat_id: int, message_id: int, user_id: int) -> int:
    emu = harness.emu
    before = emu.message(chat_id, message_id)
    text_before, buttons = text_of(before), before.button_callback_data()
    tapped = 0
    for data in buttons:
        if not _admin_only(data):
            continue
        query_id = await emu.press_button(chat_id, user_id, message_id, data)
        answer = await emu.wait_for(
            lambda q=query_id: next((a for a in emu.callback_answers if a["callback_query_id"] == q), None)
        )
        assert answer["show_alert"] and "only group admins" in answer["text"].lower(), data
        tapped += 1
    await asyncio.sleep(0.3)  # a second answer would follow the first within the same handler run
    calls = [c["callback_query_id"] for c in emu.calls_to("answerCallbackQuery")]
    repeated = {q for q in calls if calls.count(q) > 1}
    assert not repeated, f"queries answered more than once: {repeated}"
    assert text_of(emu.message(chat_id, message_id)) == text_before, "a refused tap changes nothing"
    return tapped


async def _pledge_one_photo(harness: Harness, chat_id: int, admin_id: int) -> None:
    """One photo with a smiling face filed after the rule: a week with pledges to mark donated."""
    photo_id = await photo_with_one_smiling_face(harness, chat_id, admin_id, 901, "Saved")
    assert await harness.services.ledger.pledge_for_photo(photo_id)


async def test_a_member_tapping_admin_only_buttons_gets_one_alert_each(harness: Harness) -> None:
    emu = harness.emu
    admin, member = emu.create_user("Ada", language_code="en"), emu.create_user("Mo", language_code="en")
    group = emu.create_chat("group", title="G", user=admin)
    gid = group["id"]
    emu.add_member(gid, member["id"])
    await emu.send_text(gid, admin["id"], "/donate rule 10")
    await harness.reply(gid, lambda m: "per smile point" in text_of(m))
    await _pledge_one_photo(harness, gid, admin["id"])

    async def admin_opens(panel_id: int, data: str, check: str) -> None:
        await emu.press_button(gid, admin["id"], panel_id, data)
        await emu.wait_for(lambda: check in text_of(emu.message(gid, panel_id)) or None, timeout=10)

    tapped = 0
    await emu.send_text(gid, admin["id"], "/donate")
    panel = (await harness.reply(gid, lambda m: "Smile donations" in text_of(m))).message_id
    tapped += await _member_taps_every_admin_only_button(harness, gid, panel, member["id"])
    await admin_opens(panel, "don:ch:0", "Choose a nonprofit")
    tapped += await _member_taps_every_admin_only_button(harness, gid, panel, member["id"])
    await admin_opens(panel, "don:back", "Smile donations")
    await admin_opens(panel, "don:rule", "Step 1 of 2")
    tapped += await _member_taps_every_admin_only_button(harness, gid, panel, member["id"])
    await admin_opens(panel, "don:rate:50", "Step 2 of 2")
    tapped += await _member_taps_every_admin_only_button(harness, gid, panel, member["id"])
    await admin_opens(panel, "don:back", "Smile donations")
    await admin_opens(panel, "don:close", "Which week did you donate")
    assert any(d.startswith("don:close:") for d in emu.message(gid, panel).button_callback_data())
    tapped += await _member_taps_every_admin_only_button(harness, gid, panel, member["id"])

    await emu.send_text(gid, admin["id"], "/settings")
    panel = (await harness.reply(gid, lambda m: "Weekly post" in text_of(m))).message_id
    tapped += await _member_taps_every_admin_only_button(harness, gid, panel, member["id"])

    await emu.send_text(gid, admin["id"], "/forget")
    panel = (await harness.reply(gid, lambda m: "Really erase" in text_of(m))).message_id
    tapped += await _member_taps_every_admin_only_button(harness, gid, panel, member["id"])

    assert tapped >= 25, "every admin-only button of the three panels was tried"
    said = [text_of(m) for m in harness.bot_messages(gid)]
    assert not [s for s in said if any(word in s for word in ERROR_WORDS)], "no error in public"
    assert (await harness.services.ledger.rule_row(gid)).won_per_point == 10
    assert await harness.album_count(gid) == 1
