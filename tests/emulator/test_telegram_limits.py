"""Limits where the emulator used to be more lenient than Telegram (issue 13): each is refused as Telegram does."""

from __future__ import annotations

import aiohttp
import pytest

from playground.emulator import BotApiEmulator
from playground.emulator.html_entities import parse_html
from playground.emulator.links import link_problem
from playground.emulator.markdown_entities import parse_markdown
from tests.emulator.conftest import Api, make_image
from tests.emulator.test_media import upload

TELEGRAM_UPLOAD_LIMIT = 50_000_000


@pytest.fixture
def people(emu: BotApiEmulator) -> tuple[dict, dict]:
    user = emu.create_user("Mina")
    return user, emu.create_chat("private", user=user)


async def test_callback_answer_text_is_at_most_200_characters(
    emu: BotApiEmulator, api: Api, people: tuple[dict, dict]
) -> None:
    user, chat = people
    markup = {"inline_keyboard": [[{"text": "Go", "callback_data": "go"}]]}
    _, sent = await api("sendMessage", chat_id=chat["id"], text="menu", reply_markup=markup)
    query_id = await emu.press_button(chat["id"], user["id"], sent["result"]["message_id"], "go")
    status, body = await api("answerCallbackQuery", callback_query_id=query_id, text="가" * 201)
    assert (status, body["description"]) == (400, "Bad Request: MESSAGE_TOO_LONG")
    assert emu.callback_answers == [], "a refused answer is not an answer"
    status, _ = await api("answerCallbackQuery", callback_query_id=query_id, text="가" * 200, show_alert=True)
    assert status == 200 and emu.callback_answers[0]["text"] == "가" * 200


async def test_each_uploaded_file_is_at_most_50_000_000_bytes(
    emu: BotApiEmulator, http: aiohttp.ClientSession, people: tuple[dict, dict]
) -> None:
    _, chat = people
    at_limit = b"\x00" * TELEGRAM_UPLOAD_LIMIT
    body = await upload(http, emu, "sendVideo", {"video": at_limit}, chat_id=str(chat["id"]))
    assert body["ok"] and body["result"]["video"]["file_size"] == TELEGRAM_UPLOAD_LIMIT
    # 1 byte more is refused, though it is well under 50 MiB and under the whole-request cap.
    for method, field in (("sendVideo", "video"), ("sendDocument", "document")):
        over = await upload(http, emu, method, {field: at_limit + b"\x00"}, chat_id=str(chat["id"]))
        assert over == {"ok": False, "error_code": 413, "description": "Request Entity Too Large"}
    assert len(emu.bot_messages(chat["id"])) == 1


async def test_photos_are_at_most_10_megabytes(
    emu: BotApiEmulator, http: aiohttp.ClientSession, people: tuple[dict, dict]
) -> None:
    _, chat = people
    body = await upload(http, emu, "sendPhoto", {"photo": b"\xff" * 10_000_001}, chat_id=str(chat["id"]))
    assert body == {"ok": False, "error_code": 400, "description": "Bad Request: PHOTO_SAVE_FILE_INVALID"}
    body = await upload(http, emu, "sendPhoto", {"photo": make_image(400, 300)}, chat_id=str(chat["id"]))
    assert body["ok"]


@pytest.mark.parametrize("text", ["", "   ", "\n"])
async def test_inline_buttons_need_a_text(api: Api, people: tuple[dict, dict], text: str) -> None:
    _, chat = people
    markup = {"inline_keyboard": [[{"text": text, "callback_data": "go"}]]}
    status, body = await api("sendMessage", chat_id=chat["id"], text="menu", reply_markup=markup)
    assert (status, body["description"]) == (400, "Bad Request: BUTTON_TEXT_INVALID")


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("ftp://example.org/file", "Unsupported URL protocol"),
        ("file:///etc/passwd", "Unsupported URL protocol"),
        ("javascript:alert(1)", "Wrong port number specified in the URL"),
        ("http://localhost:8080/x", "Wrong HTTP URL"),
        ("https://exa mple.org", "Disallowed character in URL host"),
        ("tg://http://example.org", "Wrong tg URL"),
        ("tg://resolve:80?domain=x", "Wrong tg URL"),
    ],
)
async def test_url_buttons_accept_only_what_telegram_accepts(
    api: Api, people: tuple[dict, dict], url: str, reason: str
) -> None:
    _, chat = people
    markup = {"inline_keyboard": [[{"text": "Open", "url": url}]]}
    status, body = await api("sendMessage", chat_id=chat["id"], text="link", reply_markup=markup)
    assert (status, body["description"]) == (
        400,
        f"Bad Request: inline keyboard button URL '{url}' is invalid: {reason}",
    )


@pytest.mark.parametrize(
    "url", ["https://example.org/a?b=1", "http://example.org", "example.org/page", "tg://resolve?domain=durov"]
)
async def test_url_buttons_telegram_accepts(api: Api, people: tuple[dict, dict], url: str) -> None:
    _, chat = people
    markup = {"inline_keyboard": [[{"text": "Open", "url": url}]]}
    status, body = await api("sendMessage", chat_id=chat["id"], text="link", reply_markup=markup)
    assert status == 200 and body["result"]["reply_markup"]["inline_keyboard"][0][0]["url"] == url


def test_text_links_telegram_does_not_accept_lose_their_entity() -> None:
    text, entities = parse_html('<a href="ftp://x.org/f">ftp</a> <a href="tg://resolve?domain=x">tg</a>')
    assert text == "ftp tg"
    assert entities == [{"type": "text_link", "offset": 4, "length": 2, "url": "tg://resolve?domain=x"}]
    text, entities = parse_markdown("[a](javascript:void) [b](https://x.org)", version=2)
    assert text == "a b" and [entity.get("url") for entity in entities] == ["https://x.org"]
    assert link_problem("http://localhost") == "Wrong HTTP URL" and link_problem("https://t.me/x") is None


async def test_explicit_text_link_entities_with_bad_urls_are_dropped(api: Api, people: tuple[dict, dict]) -> None:
    _, chat = people
    entities = [
        {"type": "text_link", "offset": 0, "length": 1, "url": "ftp://x.org"},
        {"type": "text_link", "offset": 2, "length": 1, "url": "https://x.org"},
    ]
    status, body = await api("sendMessage", chat_id=chat["id"], text="a b", entities=entities)
    assert status == 200 and body["result"]["entities"] == [entities[1]]


@pytest.mark.parametrize(
    ("source", "text"),
    [
        ("&lt &gt &amp &quot", '< > & "'),  # the ";" is optional
        ("&lt;b&gt", "<b>"),
        ("&#65&#66;", "AB"),
        ("&#x41&#x42;", "AB"),
        ("&#X41;", "&#X41;"),  # only a lower-case x marks a hex reference: kept as it is
        ("&nbsp; &AMP; &ampx", "&nbsp; &AMP; &ampx"),  # unknown, upper-case or longer names are text
        ("&#0; &#x; &#1114111; &#00000065;", "&#0; &#x; &#1114111; &#00000065;"),
        ("&#0000065;", "A"),
        ("R&D", "R&D"),
    ],
)
def test_html_references_decode_as_telegram_decodes_them(source: str, text: str) -> None:
    assert parse_html(source) == (text, [])


async def test_a_lone_surrogate_from_a_reference_is_refused(api: Api, people: tuple[dict, dict]) -> None:
    _, chat = people
    status, body = await api("sendMessage", chat_id=chat["id"], text="x &#xD800; y", parse_mode="HTML")
    assert status == 400
    assert body["description"] == (
        "Bad Request: can't parse entities: Text contains invalid Unicode characters after decoding HTML entities, "
        "check for unmatched surrogate code units"
    )


async def test_web_app_buttons_only_in_private_chats(emu: BotApiEmulator, api: Api, people: tuple[dict, dict]) -> None:
    user, private = people
    group = emu.create_chat("supergroup", title="Friends", user=user)
    web_app = {"inline_keyboard": [[{"text": "🖼", "web_app": {"url": "https://example.org/app"}}]]}
    status, body = await api("sendMessage", chat_id=group["id"], text="album", reply_markup=web_app)
    assert (status, body["description"]) == (400, "Bad Request: BUTTON_TYPE_INVALID")
    keyboard = {"keyboard": [[{"text": "🖼", "web_app": {"url": "https://example.org/app"}}]]}
    status, body = await api("sendMessage", chat_id=group["id"], text="album", reply_markup=keyboard)
    assert (status, body["description"]) == (400, "Bad Request: BUTTON_TYPE_INVALID")
    status, sent = await api("sendMessage", chat_id=group["id"], text="album")
    status, body = await api(
        "editMessageReplyMarkup", chat_id=group["id"], message_id=sent["result"]["message_id"], reply_markup=web_app
    )
    assert (status, body["description"]) == (400, "Bad Request: BUTTON_TYPE_INVALID")
    status, _ = await api("sendMessage", chat_id=private["id"], text="album", reply_markup=web_app)
    assert status == 200
