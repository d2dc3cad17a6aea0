"""`make cluster` presses the button of each /lang answer (playground.stress.cluster.press_buttons): its own chat's
answer, never another chat's message with the same id, and never a message with other buttons."""

from __future__ import annotations

import time
from typing import Any

import aiohttp

from playground.emulator import BotApiEmulator
from playground.stress.cluster import Burst, Sent, press_buttons

LANG = {
    "inline_keyboard": [
        [{"text": "한국어", "callback_data": "lang:ko"}, {"text": "English", "callback_data": "lang:en"}]
    ]
}
OTHER = {"inline_keyboard": [[{"text": "Open", "callback_data": "album:1"}]]}


async def bot_says(emu: BotApiEmulator, chat_id: int, markup: dict[str, Any]) -> int:
    async with (
        aiohttp.ClientSession() as http,
        http.post(
            f"{emu.base_url}{emu.token}/sendMessage", json={"chat_id": chat_id, "text": "…", "reply_markup": markup}
        ) as response,
    ):
        return int((await response.json())["result"]["message_id"])


async def test_each_lang_answer_is_pressed_in_its_own_chat_and_nothing_else() -> None:
    async with BotApiEmulator() as emu:
        sent = Burst()
        answers = {}
        for name, other_first in (("A", True), ("B", False)):
            user = emu.create_user(name, language_code="en")
            chat = emu.create_chat("private", user=user)["id"]
            sent.users[chat] = user["id"]
            asked = await emu.send_text(chat, user["id"], "/lang")
            sent.choosers.append(Sent(chat, asked["message_id"], time.monotonic()))
            if other_first:  # a message with other buttons comes between the command and its answer
                await bot_says(emu, chat, OTHER)
            answers[chat] = await bot_says(emu, chat, LANG)
        first, second = sent.choosers
        assert answers[first.chat_id] == 3 and answers[second.chat_id] == 2, "ids count per chat"

        await press_buttons(emu, sent)

        assert {asked.chat_id: message_id for asked, (message_id, _query) in sent.presses.items()} == answers
        pressed = [emu.state.callback_queries[query].query for _message, query in sent.presses.values()]
        assert [(q["message"]["chat"]["id"], q["data"]) for q in pressed] == [
            (first.chat_id, "lang:ko"),
            (second.chat_id, "lang:ko"),
        ]
