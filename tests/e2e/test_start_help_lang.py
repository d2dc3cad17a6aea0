"""/start, /help, /lang and the command menu, through the emulator."""

from __future__ import annotations

import json

from tests.e2e.harness import Harness, text_of


async def test_start_speaks_the_users_language(harness: Harness) -> None:
    emu = harness.emu
    min_ = emu.create_user("민지", language_code="ko")
    sam = emu.create_user("Sam", language_code="en-US")
    for user, expected in ((min_, "환영"), (sam, "Welcome")):
        chat = emu.create_chat("private", user=user)
        await emu.send_text(chat["id"], user["id"], "/start")
        reply = await harness.reply(chat["id"])
        assert expected in text_of(reply)


async def test_help_lists_the_commands(harness: Harness) -> None:
    emu = harness.emu
    user = emu.create_user("Sam", language_code="en")
    chat = emu.create_chat("private", user=user)
    await emu.send_text(chat["id"], user["id"], "/help")
    reply = await harness.reply(chat["id"])
    assert "/album" in text_of(reply) and "/lang" in text_of(reply)


async def test_command_menu_is_registered_in_korean_and_english(harness: Harness) -> None:
    calls = [params for method, params in harness.emu.calls if method == "setMyCommands"]
    languages = {params.get("language_code") for params in calls}
    assert {"ko", None} <= languages
    korean = next(params for params in calls if params.get("language_code") == "ko")
    commands = korean["commands"]
    commands = json.loads(commands) if isinstance(commands, str) else commands
    assert {c["command"] for c in commands} >= {"start", "help", "album", "lang"}
    assert any(c["description"] == "앨범 보기" for c in commands)


async def test_lang_button_switches_language_and_edits_the_prompt(harness: Harness) -> None:
    emu = harness.emu
    user = emu.create_user("민지", language_code="ko")
    chat = emu.create_chat("private", user=user)
    await emu.send_text(chat["id"], user["id"], "/lang")
    prompt = await harness.reply(chat["id"])
    assert prompt.button_callback_data() == ["lang:ko", "lang:en"]
    await emu.press_button(chat["id"], user["id"], prompt.message_id, "lang:en")
    await emu.wait_for(
        lambda: any(
            m.message_id == prompt.message_id and "English" in text_of(m) for m in emu.chat_messages(chat["id"])
        )
    )
    await emu.send_text(chat["id"], user["id"], "/help")
    reply = await harness.reply(chat["id"], predicate=lambda m: "How it works" in text_of(m))
    assert "/album" in text_of(reply)


async def test_lang_argument_and_group_language_needs_an_admin(harness: Harness) -> None:
    emu = harness.emu
    admin = emu.create_user("Admin", language_code="ko")
    member = emu.create_user("Member", language_code="ko")
    group = emu.create_chat("group", title="Friends")
    emu.add_member(group["id"], admin["id"], status="creator")
    emu.add_member(group["id"], member["id"], status="member")
    await emu.send_text(group["id"], member["id"], "/lang en")
    refused = await harness.reply(group["id"])
    assert "관리자" in text_of(refused)
    await emu.send_text(group["id"], admin["id"], "/lang en")
    await harness.reply(group["id"], predicate=lambda m: "English" in text_of(m))
    await emu.send_text(group["id"], member["id"], "/start")
    welcome = await harness.reply(group["id"], predicate=lambda m: "Welcome" in text_of(m) or "환영" in text_of(m))
    assert "Welcome" in text_of(welcome), "the group's language wins over the member's own"
