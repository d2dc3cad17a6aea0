"""A group upgraded to a supergroup, as Telegram does it: a new id, two service messages, the old id refusing writes."""

from __future__ import annotations

import pytest
from telegram import Bot
from telegram.error import ChatMigrated

from playground.emulator import BotApiEmulator
from playground.emulator.state import CHAT_UPGRADED
from tests.emulator.conftest import Api


@pytest.fixture
def group(emu: BotApiEmulator) -> tuple[dict, dict]:
    owner = emu.create_user("Owner")
    return owner, emu.create_chat("group", "Friends", owner)


async def test_upgrade_sends_both_service_messages_and_moves_members(
    emu: BotApiEmulator, api: Api, group: tuple[dict, dict]
) -> None:
    owner, old = group
    friend = emu.create_user("Friend")
    emu.add_member(old["id"], friend["id"])
    new = emu.upgrade_to_supergroup(old["id"], owner["id"])
    assert new["type"] == "supergroup" and new["id"] != old["id"] and new["title"] == "Friends"
    assert str(new["id"]).startswith("-100")
    _, body = await api("getUpdates")
    messages = [update["message"] for update in body["result"]]
    assert [(m["chat"]["id"], m.get("migrate_to_chat_id"), m.get("migrate_from_chat_id")) for m in messages] == [
        (old["id"], new["id"], None),
        (new["id"], None, old["id"]),
    ]
    _, member = await api("getChatMember", chat_id=new["id"], user_id=friend["id"])
    assert member["result"]["status"] == "member"
    with pytest.raises(ValueError, match="upgraded"):
        await emu.send_text(old["id"], friend["id"], "hello?")
    await emu.send_text(new["id"], friend["id"], "/start")


async def test_the_new_chat_message_can_come_first(emu: BotApiEmulator, api: Api, group: tuple[dict, dict]) -> None:
    owner, old = group
    new = emu.upgrade_to_supergroup(old["id"], owner["id"], new_chat_first=True)
    _, body = await api("getUpdates")
    assert [update["message"]["chat"]["id"] for update in body["result"]] == [new["id"], old["id"]]


async def test_writes_to_the_old_id_fail_with_telegrams_error_and_the_new_id(
    emu: BotApiEmulator, api: Api, group: tuple[dict, dict]
) -> None:
    owner, old = group
    status, sent = await api("sendMessage", chat_id=old["id"], text="before")
    assert status == 200
    new = emu.upgrade_to_supergroup(old["id"], owner["id"])
    for method, params in (
        ("sendMessage", {"text": "after"}),
        ("sendChatAction", {"action": "typing"}),
        ("editMessageText", {"message_id": sent["result"]["message_id"], "text": "edited"}),
        ("deleteMessage", {"message_id": sent["result"]["message_id"]}),
    ):
        status, body = await api(method, chat_id=old["id"], **params)
        assert status == 400, method
        assert body == {
            "ok": False,
            "error_code": 400,
            "description": CHAT_UPGRADED,
            "parameters": {"migrate_to_chat_id": new["id"]},
        }, method
    assert CHAT_UPGRADED == "Bad Request: group chat was upgraded to a supergroup chat"
    assert (await api("getChat", chat_id=old["id"]))[0] == 200, "reading the old group still works"
    assert (await api("sendMessage", chat_id=new["id"], text="here"))[0] == 200


async def test_python_telegram_bot_raises_chat_migrated(emu: BotApiEmulator, group: tuple[dict, dict]) -> None:
    owner, old = group
    new = emu.upgrade_to_supergroup(old["id"], owner["id"])
    async with Bot(emu.token, base_url=emu.base_url, base_file_url=emu.base_file_url) as bot:
        with pytest.raises(ChatMigrated) as caught:
            await bot.send_message(old["id"], "hello")
    assert caught.value.new_chat_id == new["id"]


async def test_only_a_basic_group_can_be_upgraded(emu: BotApiEmulator) -> None:
    owner = emu.create_user("Owner")
    chat = emu.create_chat("supergroup", "Big", owner)
    with pytest.raises(ValueError, match="basic group"):
        emu.upgrade_to_supergroup(chat["id"], owner["id"])
