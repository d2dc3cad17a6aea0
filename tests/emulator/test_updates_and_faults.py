from __future__ import annotations

import asyncio
import time

import aiohttp
import pytest
from telegram.error import RetryAfter, TimedOut
from telegram.ext import ExtBot
from telegram.request import HTTPXRequest

from playground.emulator import BotApiEmulator
from tests.emulator.conftest import Api


@pytest.fixture
def people(emu: BotApiEmulator) -> tuple[dict, dict]:
    user = emu.create_user("Yuna", username="yuna")
    return user, emu.create_chat("private", user=user)


async def test_get_updates_offset_limit_and_long_poll(emu: BotApiEmulator, api: Api, people: tuple[dict, dict]) -> None:
    user, chat = people
    for text in ("one", "two", "three"):
        await emu.send_text(chat["id"], user["id"], text)
    _, body = await api("getUpdates", limit=2)
    first, second = body["result"]
    assert [update["message"]["text"] for update in body["result"]] == ["one", "two"]
    assert second["update_id"] == first["update_id"] + 1
    _, body = await api("getUpdates", offset=second["update_id"] + 1)
    assert [update["message"]["text"] for update in body["result"]] == ["three"]
    _, body = await api("getUpdates", offset=body["result"][0]["update_id"] + 1, timeout=0)
    assert body["result"] == [] and emu.pending_updates == []

    started = time.monotonic()
    poll = asyncio.ensure_future(api("getUpdates", timeout=5))
    await asyncio.sleep(0.2)
    await emu.send_text(chat["id"], user["id"], "wake up")
    _, body = await poll
    assert body["result"][0]["message"]["text"] == "wake up" and time.monotonic() - started < 2


async def test_allowed_updates_and_conflicts(emu: BotApiEmulator, api: Api, people: tuple[dict, dict]) -> None:
    user, chat = people
    await emu.send_text(chat["id"], user["id"], "/start")
    _, body = await api("getUpdates", allowed_updates=["callback_query"])
    assert body["result"] == [] and emu.pending_updates == []  # undesired updates are dropped
    assert await api("setWebhook", url="http://insecure") == (
        400,
        {
            "ok": False,
            "error_code": 400,
            "description": "Bad Request: bad webhook: An HTTPS URL must be provided for webhook",
        },
    )
    await api("setWebhook", url="https://example.org/hook")
    status, body = await api("getUpdates")
    assert status == 409 and body["description"].startswith("Conflict: can't use getUpdates method while webhook")
    await api("deleteWebhook")
    first = asyncio.ensure_future(api("getUpdates", timeout=3))
    await asyncio.sleep(0.1)
    await api("getUpdates", timeout=0)
    status, body = await first
    assert status == 409 and "terminated by other getUpdates request" in body["description"]


async def test_429_and_500_faults(emu: BotApiEmulator, api: Api, people: tuple[dict, dict]) -> None:
    _, chat = people
    emu.inject_fault("sendMessage", kind="429", count=2, retry_after=7)
    expected = {
        "ok": False,
        "error_code": 429,
        "description": "Too Many Requests: retry after 7",
        "parameters": {"retry_after": 7},
    }
    assert await api("sendMessage", chat_id=chat["id"], text="a") == (429, expected)
    assert await api("sendMessage", chat_id=chat["id"], text="a") == (429, expected)
    assert (await api("sendMessage", chat_id=chat["id"], text="a"))[0] == 200
    emu.inject_fault("getMe", kind="500")
    assert await api("getMe") == (
        500,
        {"ok": False, "error_code": 500, "description": "Internal Server Error"},
    )
    assert len(emu.bot_messages(chat["id"])) == 1
    assert [name for name, _ in emu.calls].count("sendMessage") == 3


async def test_ptb_sees_retry_after_and_timeouts(emu: BotApiEmulator, people: tuple[dict, dict]) -> None:
    _, chat = people
    request = HTTPXRequest(read_timeout=0.3, write_timeout=0.3, connect_timeout=0.3)
    async with ExtBot(emu.token, base_url=emu.base_url, base_file_url=emu.base_file_url, request=request) as bot:
        emu.inject_fault("sendMessage", kind="429", retry_after=3)
        with pytest.raises(RetryAfter) as caught:
            await bot.send_message(chat["id"], "x")
        assert "Retry in 3 seconds" in str(caught.value)
        emu.inject_fault("sendMessage", kind="timeout", delay=2)
        with pytest.raises(TimedOut):
            await bot.send_message(chat["id"], "lost")
        emu.inject_fault("sendMessage", kind="slow", delay=0.1)
        started = time.monotonic()
        await bot.send_message(chat["id"], "late")
        assert time.monotonic() - started >= 0.1
    assert [record.text for record in emu.bot_messages(chat["id"])] == ["late"]  # the hung call never ran


async def test_callback_answers_and_chat_actions(emu: BotApiEmulator, api: Api, people: tuple[dict, dict]) -> None:
    user, chat = people
    events: list[dict] = []
    unsubscribe = emu.subscribe(events.append)
    markup = {"inline_keyboard": [[{"text": "Go", "callback_data": "go"}]]}
    _, sent = await api("sendMessage", chat_id=chat["id"], text="menu", reply_markup=markup)
    with pytest.raises(ValueError, match="no button"):
        await emu.press_button(chat["id"], user["id"], sent["result"]["message_id"], "stop")
    query_id = await emu.press_button(chat["id"], user["id"], sent["result"]["message_id"], "go")
    assert (await api("answerCallbackQuery", callback_query_id=query_id, text="ok"))[0] == 200
    status, body = await api("answerCallbackQuery", callback_query_id=query_id)
    assert status == 400
    assert body["description"] == "Bad Request: query is too old and response timeout expired or query ID is invalid"
    assert (await api("answerCallbackQuery", callback_query_id="123"))[0] == 400
    assert (await api("sendChatAction", chat_id=chat["id"], action="upload_photo"))[0] == 200
    _status, body = await api("sendChatAction", chat_id=chat["id"], action="dancing")
    assert body["description"] == "Bad Request: wrong parameter action in request"
    unsubscribe()
    await api("sendMessage", chat_id=chat["id"], text="after unsubscribe")
    kinds = [event["type"] for event in events]
    assert kinds == ["bot_message", "update", "callback_query", "callback_answer", "chat_action"]
    assert emu.chat_actions[0]["action"] == "upload_photo" and emu.callback_answers[0]["text"] == "ok"


async def test_expired_callback_query(people: tuple[dict, dict]) -> None:
    async with BotApiEmulator(callback_query_ttl=0.05) as emu, aiohttp.ClientSession() as http:
        user = emu.create_user("Old")
        chat = emu.create_chat("private", user=user)
        url = f"{emu.base_url}{emu.token}"
        markup = '{"inline_keyboard": [[{"text": "Go", "callback_data": "go"}]]}'
        async with http.post(
            f"{url}/sendMessage", data={"chat_id": str(chat["id"]), "text": "m", "reply_markup": markup}
        ) as r:
            message_id = (await r.json())["result"]["message_id"]
        query_id = await emu.press_button(chat["id"], user["id"], message_id, "go")
        await asyncio.sleep(0.1)
        async with http.post(f"{url}/answerCallbackQuery", data={"callback_query_id": query_id}) as r:
            assert r.status == 400


async def test_groups_members_and_privacy_mode(emu: BotApiEmulator, api: Api) -> None:
    owner = emu.create_user("Owner")
    guest = emu.create_user("Guest")
    group = emu.create_chat("supergroup", title="Booth", user=owner)
    emu.add_member(group["id"], guest["id"])
    await emu.send_text(group["id"], guest["id"], "just chatting")
    await emu.send_text(group["id"], guest["id"], f"/help@{emu.bot_user['username']}")
    assert [u["message"]["text"] for u in emu.pending_updates] == [f"/help@{emu.bot_user['username']}"]
    _, body = await api("getChatMember", chat_id=group["id"], user_id=owner["id"])
    assert body["result"]["status"] == "creator"
    _, body = await api("getChatAdministrators", chat_id=group["id"])
    assert [member["user"]["id"] for member in body["result"]] == [owner["id"]]
    status, body = await api("getChatAdministrators", chat_id=owner["id"])
    assert status == 400  # no such private chat was created yet
    _, body = await api("getChat", chat_id=group["id"])
    assert body["result"]["title"] == "Booth" and body["result"]["type"] == "supergroup"
    other = emu.create_chat("group", title="Elsewhere", user=owner, bot_status=None)
    status, body = await api("sendMessage", chat_id=other["id"], text="hi")
    assert (status, body["description"]) == (403, "Forbidden: bot is not a member of the group chat")
    update = emu.add_bot_to_chat(other["id"], owner["id"], status="administrator")
    assert update["new_chat_member"]["status"] == "administrator"
    assert (await api("sendMessage", chat_id=other["id"], text="hi"))[0] == 200
    commands = [{"command": "start", "description": "Begin"}]
    assert (await api("setMyCommands", commands=commands))[0] == 200
    assert (await api("getMyCommands"))[1]["result"] == commands
    assert (await api("setMyCommands", commands=[{"command": "Bad Command", "description": "x"}]))[0] == 400
