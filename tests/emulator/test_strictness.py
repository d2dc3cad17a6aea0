from __future__ import annotations

import pytest

from playground.emulator import BotApiEmulator
from tests.emulator.conftest import Api, make_image


@pytest.fixture
def private_chat(emu: BotApiEmulator) -> dict:
    user = emu.create_user("Mina", username="mina")
    return emu.create_chat("private", user=user)


def _bad(reply: tuple[int, dict], description: str) -> None:
    status, body = reply
    assert status == 400, body
    assert body == {"ok": False, "error_code": 400, "description": description}


async def test_send_message_round_trip_json_and_form(emu: BotApiEmulator, api: Api, private_chat: dict) -> None:
    status, body = await api("sendMessage", chat_id=private_chat["id"], text="hello")
    assert status == 200 and body["ok"] is True
    assert body["result"]["text"] == "hello"
    assert body["result"]["from"]["id"] == emu.bot_user["id"]
    status, body = await api(
        "sendMessage", as_form=True, chat_id=private_chat["id"], text="<b>hi</b>", parse_mode="HTML"
    )
    assert body["result"]["entities"] == [{"type": "bold", "offset": 0, "length": 2}]
    assert [record.text for record in emu.chat_messages(private_chat["id"])] == ["hello", "hi"]
    assert [name for name, _ in emu.calls] == ["sendMessage", "sendMessage"]


async def test_text_length_limits(api: Api, private_chat: dict) -> None:
    _bad(
        await api("sendMessage", chat_id=private_chat["id"], text="x" * 4097),
        "Bad Request: message is too long",
    )
    _bad(await api("sendMessage", chat_id=private_chat["id"], text="   "), "Bad Request: message text is empty")
    # The limit applies after entity parsing: markup does not count.
    status, _ = await api("sendMessage", chat_id=private_chat["id"], text=f"<b>{'x' * 4096}</b>", parse_mode="HTML")
    assert status == 200


async def test_caption_limit_and_caption_edits(emu: BotApiEmulator, api: Api, private_chat: dict) -> None:
    photo = await emu.send_photo(private_chat["id"], private_chat["id"], make_image(20, 20))
    file_id = photo["photo"][-1]["file_id"]
    _bad(
        await api("sendPhoto", chat_id=private_chat["id"], photo=file_id, caption="c" * 1025),
        "Bad Request: message caption is too long",
    )
    status, sent = await api("sendPhoto", chat_id=private_chat["id"], photo=file_id, caption="c" * 1024)
    assert status == 200 and sent["result"]["photo"] == photo["photo"]
    _bad(
        await api(
            "editMessageCaption",
            chat_id=private_chat["id"],
            message_id=sent["result"]["message_id"],
            caption="c" * 1025,
        ),
        "Bad Request: message caption is too long",
    )
    status, body = await api("sendMessage", chat_id=private_chat["id"], text="x")
    assert status == 200
    _bad(
        await api(
            "editMessageCaption",
            chat_id=private_chat["id"],
            message_id=body["result"]["message_id"],
            caption="c",
        ),
        "Bad Request: there is no caption in the message to edit",
    )


async def test_callback_data_limit(api: Api, private_chat: dict) -> None:
    def keyboard(data: str) -> dict:
        return {"inline_keyboard": [[{"text": "pick", "callback_data": data}]]}

    status, _ = await api("sendMessage", chat_id=private_chat["id"], text="ok", reply_markup=keyboard("a" * 64))
    assert status == 200
    _bad(
        await api("sendMessage", chat_id=private_chat["id"], text="ok", reply_markup=keyboard("a" * 65)),
        "Bad Request: BUTTON_DATA_INVALID",
    )
    # 64 bytes, not characters: 22 three-byte characters are 66 bytes.
    _bad(
        await api("sendMessage", chat_id=private_chat["id"], text="ok", reply_markup=keyboard("가" * 22)),
        "Bad Request: BUTTON_DATA_INVALID",
    )


async def test_inline_buttons_need_exactly_one_action(api: Api, private_chat: dict) -> None:
    _bad(
        await api(
            "sendMessage",
            chat_id=private_chat["id"],
            text="x",
            reply_markup={"inline_keyboard": [[{"text": "a"}]]},
        ),
        "Bad Request: can't parse inline keyboard button: Text buttons are unallowed in the inline keyboard",
    )
    both = {"inline_keyboard": [[{"text": "a", "callback_data": "a", "url": "https://example.org"}]]}
    status, body = await api("sendMessage", chat_id=private_chat["id"], text="x", reply_markup=both)
    assert status == 400 and "exactly one" in body["description"]
    status, body = await api("sendMessage", as_form=True, chat_id=private_chat["id"], text="x", reply_markup="{nope")
    _bad((status, body), "Bad Request: can't parse reply keyboard markup JSON object")
    _bad(
        await api(
            "sendMessage",
            chat_id=private_chat["id"],
            text="x",
            reply_markup={"inline_keyboard": [{"text": "a"}]},
        ),
        'Bad Request: field "inline_keyboard" of the InlineKeyboardMarkup should be an Array of Arrays',
    )


async def test_bad_html_is_rejected(api: Api, private_chat: dict) -> None:
    chat_id = private_chat["id"]
    _bad(
        await api("sendMessage", chat_id=chat_id, text="<b>bold", parse_mode="HTML"),
        "Bad Request: can't parse entities: Can't find end tag corresponding to start tag \"b\"",
    )
    _bad(
        await api("sendMessage", chat_id=chat_id, text="hi <div>x</div>", parse_mode="HTML"),
        'Bad Request: can\'t parse entities: Unsupported start tag "div" at byte offset 3',
    )
    _bad(
        await api("sendMessage", chat_id=chat_id, text="<b>x</i>", parse_mode="HTML"),
        'Bad Request: can\'t parse entities: Unmatched end tag at byte offset 4, expected "</b>", found "</i>"',
    )
    _bad(
        await api("sendMessage", chat_id=chat_id, text="1 < 2", parse_mode="HTML"),
        'Bad Request: can\'t parse entities: Unsupported start tag "" at byte offset 2',
    )
    _bad(
        await api("sendMessage", chat_id=chat_id, text="x", parse_mode="BBCode"),
        "Bad Request: unsupported parse_mode",
    )


async def test_not_modified_edit(emu: BotApiEmulator, api: Api, private_chat: dict) -> None:
    chat_id = private_chat["id"]
    markup = {"inline_keyboard": [[{"text": "a", "callback_data": "a"}]]}
    _, sent = await api("sendMessage", chat_id=chat_id, text="same", reply_markup=markup)
    message_id = sent["result"]["message_id"]
    _bad(
        await api("editMessageText", chat_id=chat_id, message_id=message_id, text="same", reply_markup=markup),
        "Bad Request: message is not modified: specified new message content and reply markup are "
        "exactly the same as a current content and reply markup of the message",
    )
    # Same text without the markup is a change: the keyboard goes away.
    status, body = await api("editMessageText", chat_id=chat_id, message_id=message_id, text="same")
    assert status == 200 and "reply_markup" not in body["result"] and body["result"]["edit_date"]
    record = emu.message(chat_id, message_id)
    assert record.edited and len(record.history) == 1 and record.history[0]["reply_markup"] == markup


async def test_missing_targets(api: Api, private_chat: dict) -> None:
    chat_id = private_chat["id"]
    _bad(await api("sendMessage", chat_id=987654, text="x"), "Bad Request: chat not found")
    _bad(
        await api("editMessageText", chat_id=chat_id, message_id=77, text="x"),
        "Bad Request: message to edit not found",
    )
    _bad(await api("deleteMessage", chat_id=chat_id, message_id=77), "Bad Request: message to delete not found")
    _, sent = await api("sendMessage", chat_id=chat_id, text="bye")
    message_id = sent["result"]["message_id"]
    assert (await api("deleteMessage", chat_id=chat_id, message_id=message_id))[1] == {
        "ok": True,
        "result": True,
    }
    _bad(
        await api("deleteMessage", chat_id=chat_id, message_id=message_id),
        "Bad Request: message to delete not found",
    )
    _bad(
        await api("editMessageText", chat_id=chat_id, message_id=message_id, text="y"),
        "Bad Request: message to edit not found",
    )


async def test_wrong_token_and_unknown_method(api: Api) -> None:
    assert await api("getMe", token="123456:WRONG") == (
        401,
        {"ok": False, "error_code": 401, "description": "Unauthorized"},
    )
    assert await api("getMe", token="garbage") == (
        404,
        {"ok": False, "error_code": 404, "description": "Not Found"},
    )
    assert (await api("fooBar"))[0] == 404
    status, body = await api("getme")  # method names are case-insensitive
    assert status == 200 and body["result"]["is_bot"] is True
