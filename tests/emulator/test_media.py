from __future__ import annotations

import asyncio
import json
import threading

import aiohttp
import pytest

from playground.emulator import BotApiEmulator, media
from playground.emulator.media import MAX_DOWNLOAD_BYTES, photo_ladder
from tests.emulator.conftest import Api, make_image


@pytest.fixture
def chat(emu: BotApiEmulator) -> dict:
    return emu.create_chat("private", user=emu.create_user("Hana"))


async def upload(
    http: aiohttp.ClientSession, emu: BotApiEmulator, method: str, files: dict[str, bytes], **fields: object
) -> dict:
    form = aiohttp.FormData()
    for key, value in fields.items():
        form.add_field(key, value if isinstance(value, str) else json.dumps(value))
    for name, data in files.items():
        form.add_field(name, data, filename=f"{name}.bin", content_type="application/octet-stream")
    async with http.post(f"{emu.base_url}{emu.token}/{method}", data=form) as response:
        return await response.json()


async def test_photo_ladder_like_telegram(emu: BotApiEmulator, http: aiohttp.ClientSession, chat: dict) -> None:
    body = await upload(http, emu, "sendPhoto", {"photo": make_image(3000, 2000)}, chat_id=str(chat["id"]))
    sizes = [(size["width"], size["height"]) for size in body["result"]["photo"]]
    assert sizes == [(90, 60), (320, 213), (800, 533), (1280, 853)]
    small = await upload(http, emu, "sendPhoto", {"photo": make_image(500, 250)}, chat_id=str(chat["id"]))
    assert [size["width"] for size in small["result"]["photo"]] == [90, 320, 500]
    assert all(emu.file_bytes(size["file_id"])[:2] == b"\xff\xd8" for size in small["result"]["photo"])


async def test_a_photo_stored_ahead_is_sent_with_its_sizes(emu: BotApiEmulator, chat: dict) -> None:
    """A load run resizes its members' photos before the burst (Telegram's servers do that work, not the bot's
    machine); the message then carries those sizes, each downloadable."""
    stored = emu.store_photo(make_image(3000, 2000))
    calls = len(emu.calls)
    message = await emu.send_photo(chat["id"], chat["id"], stored)
    assert message["photo"] == stored.sizes
    assert [(size["width"], size["height"]) for size in message["photo"]][-1] == (1280, 853)
    assert emu.file_bytes(message["photo"][-1]["file_id"])[:2] == b"\xff\xd8"
    assert len(emu.calls) == calls


async def test_other_requests_are_answered_while_an_uploaded_photo_is_resized(
    emu: BotApiEmulator, http: aiohttp.ClientSession, chat: dict, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Telegram resizes one chat's photo without holding up the rest: the emulator makes a photo's sizes off its
    event loop, so a getMe sent while the resize is under way is answered before the upload's answer. The resize is
    held until getMe has its answer (no race with the machine's speed): were it made on the event loop, getMe could
    not be answered until the hold timed out, after the upload."""
    resizing, answered = threading.Event(), threading.Event()

    def held_ladder(data: bytes) -> list[tuple[bytes, int, int]]:
        resizing.set()
        answered.wait(timeout=10)
        return photo_ladder(data)

    monkeypatch.setattr(media, "photo_ladder", held_ladder)
    finished: list[str] = []

    async def photo() -> None:
        body = await upload(http, emu, "sendPhoto", {"photo": make_image(1600, 1200)}, chat_id=str(chat["id"]))
        assert body["ok"], body
        finished.append("sendPhoto")

    async def get_me() -> None:
        await asyncio.to_thread(resizing.wait, 30)
        async with http.get(f"{emu.base_url}{emu.token}/getMe") as response:
            assert (await response.json())["ok"]
        finished.append("getMe")
        answered.set()

    await asyncio.gather(photo(), get_me())
    assert finished == ["getMe", "sendPhoto"]


async def test_document_keeps_bytes_and_downloads(
    emu: BotApiEmulator, api: Api, http: aiohttp.ClientSession, chat: dict
) -> None:
    payload = b"%PDF-1.4 not really" * 10
    body = await upload(http, emu, "sendDocument", {"document": payload}, chat_id=str(chat["id"]), caption="doc")
    document = body["result"]["document"]
    assert document["file_size"] == len(payload) and body["result"]["caption"] == "doc"
    status, got = await api("getFile", file_id=document["file_id"])
    async with http.get(f"{emu.base_file_url}{emu.token}/{got['result']['file_path']}") as response:
        assert response.status == 200 and await response.read() == payload
    async with http.get(f"{emu.base_file_url}123456:WRONG/{got['result']['file_path']}") as response:
        assert response.status == 404
    # Re-sending by file_id reuses the file; sending it as a photo is a type mismatch.
    status, again = await api("sendDocument", chat_id=chat["id"], document=document["file_id"])
    assert status == 200 and again["result"]["document"]["file_unique_id"] == document["file_unique_id"]
    status, wrong = await api("sendPhoto", chat_id=chat["id"], photo=document["file_id"])
    assert wrong["description"] == "Bad Request: can't use file of type Document as Photo"


async def test_file_errors(emu: BotApiEmulator, api: Api, http: aiohttp.ClientSession, chat: dict) -> None:
    status, body = await api("sendPhoto", chat_id=chat["id"], photo="https://example.org/cat.jpg")
    assert (status, body["description"]) == (400, "Bad Request: failed to get HTTP URL content")
    status, body = await api("sendPhoto", chat_id=chat["id"], photo="nonsense")
    assert body["description"] == "Bad Request: wrong file identifier/HTTP URL specified"
    body = await upload(http, emu, "sendPhoto", {"photo": b"not an image"}, chat_id=str(chat["id"]))
    assert body["description"] == "Bad Request: IMAGE_PROCESS_FAILED"
    big = await emu.send_document(chat["id"], chat["id"], b"\0" * (MAX_DOWNLOAD_BYTES + 1), "big.bin")
    status, body = await api("getFile", file_id=big["document"]["file_id"])
    assert (status, body["description"]) == (400, "Bad Request: file is too big")
    body = await upload(
        http, emu, "sendPhoto", {"photo": make_image(10, 10)}, chat_id=str(chat["id"]), caption="c" * 1025
    )
    assert body["description"] == "Bad Request: message caption is too long"


async def test_media_group_limits_and_album(emu: BotApiEmulator, http: aiohttp.ClientSession, chat: dict) -> None:
    def media(count: int) -> list[dict]:
        return [{"type": "photo", "media": f"attach://p{i}", "caption": f"#{i}"} for i in range(count)]

    files = {f"p{i}": make_image(40 + i, 40) for i in range(11)}
    one = await upload(http, emu, "sendMediaGroup", files, chat_id=str(chat["id"]), media=media(1))
    assert one["ok"] is False and one["error_code"] == 400
    eleven = await upload(http, emu, "sendMediaGroup", files, chat_id=str(chat["id"]), media=media(11))
    assert eleven["description"] == "Bad Request: too many messages to send as an album"
    mixed = [media(1)[0], {"type": "document", "media": "attach://p1"}]
    body = await upload(http, emu, "sendMediaGroup", files, chat_id=str(chat["id"]), media=mixed)
    assert body["description"] == "Bad Request: document can't be mixed with other media types"
    album = await upload(http, emu, "sendMediaGroup", files, chat_id=str(chat["id"]), media=media(3))
    assert len(album["result"]) == 3
    assert len({message["media_group_id"] for message in album["result"]}) == 1
    assert [message["caption"] for message in album["result"]] == ["#0", "#1", "#2"]
    assert len(emu.bot_messages(chat["id"])) == 3  # failed requests left nothing behind


async def test_edit_media_and_caption(emu: BotApiEmulator, api: Api, http: aiohttp.ClientSession, chat: dict) -> None:
    sent = await upload(http, emu, "sendPhoto", {"photo": make_image(100, 100)}, chat_id=str(chat["id"]), caption="a")
    message_id = sent["result"]["message_id"]
    status, body = await api("editMessageCaption", chat_id=chat["id"], message_id=message_id, caption="a")
    assert body["description"].startswith("Bad Request: message is not modified")
    status, body = await api(
        "editMessageCaption", chat_id=chat["id"], message_id=message_id, caption="<i>b</i>", parse_mode="HTML"
    )
    assert status == 200 and body["result"]["caption_entities"] == [{"type": "italic", "offset": 0, "length": 1}]
    body = await upload(
        http,
        emu,
        "editMessageMedia",
        {"new": make_image(50, 80, (0, 0, 255))},
        chat_id=str(chat["id"]),
        message_id=str(message_id),
        media={"type": "photo", "media": "attach://new", "caption": "c"},
    )
    assert body["ok"] is True and body["result"]["photo"][-1]["height"] == 80 and body["result"]["caption"] == "c"
    record = emu.message(chat["id"], message_id)
    assert record.edited and [old.get("caption") for old in record.history] == ["a", "b"]
    status, body = await api("editMessageText", chat_id=chat["id"], message_id=message_id, text="x")
    assert body["description"] == "Bad Request: there is no text in the message to edit"


async def test_user_uploads_are_stored(emu: BotApiEmulator, chat: dict) -> None:
    message = await emu.send_photo(chat["id"], chat["id"], make_image(900, 900), caption="strip /start")
    assert [size["width"] for size in message["photo"]] == [90, 320, 800, 900]
    assert message["caption_entities"] == [{"type": "bot_command", "offset": 6, "length": 6}]
    album = await emu.send_media_group(chat["id"], chat["id"], [make_image(20, 20), make_image(30, 30)])
    assert album[0]["media_group_id"] == album[1]["media_group_id"]
    assert len(emu.pending_updates) == 3


async def test_a_media_group_caption_over_1024_characters_is_refused(
    emu: BotApiEmulator, http: aiohttp.ClientSession, chat: dict
) -> None:
    files = {f"p{i}": make_image(40 + i, 40) for i in range(2)}
    media = [{"type": "photo", "media": f"attach://p{i}"} for i in range(2)]
    too_long = [{**media[0], "caption": "c" * 1025}, media[1]]
    body = await upload(http, emu, "sendMediaGroup", files, chat_id=str(chat["id"]), media=too_long)
    assert body["description"] == "Bad Request: message caption is too long"
    fits = [{**media[0], "caption": "<b>" + "c" * 1024 + "</b>", "parse_mode": "HTML"}, media[1]]
    body = await upload(http, emu, "sendMediaGroup", files, chat_id=str(chat["id"]), media=fits)
    assert body["ok"], "the limit counts the text after its HTML is parsed"
