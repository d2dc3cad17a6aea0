"""run_playground's parts wired together: the page API acts through the emulator, the real bot answers."""

from __future__ import annotations

import json
from typing import Any

import aiohttp
import pytest
from yarl import URL

from bot.playground import MARKER, Playground, PlaygroundDataError, fresh_data_dir
from playground.emulator import MessageRecord
from playground.samples import BOOTH_HOST, examples
from storage.models import MediaKind
from tests.e2e.harness import noisy_jpeg


def text_of(record: MessageRecord) -> str:
    return record.text or record.caption or ""


def person(playground: Playground, name: str) -> dict[str, Any]:
    return next(user for user in playground.world.users if user["first_name"] == name)


async def post(http: aiohttp.ClientSession, playground: Playground, path: str, body: dict[str, Any]) -> Any:
    async with http.post(playground.url + path.lstrip("/"), json=body) as response:
        return response.status, await response.json()


async def test_a_message_sent_through_the_page_api_gets_the_bots_reply(
    playground: Playground, http: aiohttp.ClientSession
) -> None:
    alex = person(playground, "Alex")
    status, body = await post(
        http, playground, "/api/messages", {"chat_id": alex["id"], "user_id": alex["id"], "text": "/start"}
    )
    assert status == 200 and body["messages"][0]["text"] == "/start"
    assert body["messages"][0]["entities"] == [{"type": "bot_command", "offset": 0, "length": 6}]
    reply = await playground.emu.wait_for_bot_message(alex["id"], timeout=10)
    assert "Welcome to ChooseCheese" in text_of(reply), "Alex's Telegram language is English"

    async with http.get(playground.url + "api/state") as response:
        state = await response.json()
    shown = state["messages"][str(alex["id"])]
    assert [m["text"] for m in shown][:1] == ["/start"]
    welcome = next(m for m in shown if m["from"]["id"] == state["bot"]["id"])
    assert {"type": "bold", "offset": 11, "length": 12} in welcome["entities"], "HTML arrives as entities to draw"
    assert state["commands"]["ko"] and state["commands"]["default"], "the bot's command menus, for the / button"
    assert {chat["type"] for chat in state["chats"]} == {"private", "supergroup"}


async def test_the_event_stream_carries_the_bots_reply_live(
    playground: Playground, http: aiohttp.ClientSession
) -> None:
    mina = person(playground, "Mina")
    async with http.get(playground.url + "api/events") as stream:
        assert stream.headers["Content-Type"].startswith("text/event-stream")
        await post(http, playground, "/api/messages", {"chat_id": mina["id"], "user_id": mina["id"], "text": "/help"})
        seen: list[dict[str, Any]] = []
        async for line in stream.content:
            if line.startswith(b"data: "):
                event = json.loads(line[6:])
                if event["type"] == "bot_message" and event["message"]["chat"]["id"] != mina["id"]:
                    continue  # the group's hello from when the world added the bot may arrive meanwhile
                seen.append(event)
                if event["type"] == "bot_message":
                    break
    assert seen[0]["type"] == "user_message" and seen[0]["message"]["text"] == "/help"
    assert "How it works" in seen[-1]["message"]["text"]
    assert not any(event["type"] in ("update", "callback_query") for event in seen), "internal events stay out"


async def test_pressing_a_button_sends_the_callback_and_the_answer_reaches_the_page(
    playground: Playground, http: aiohttp.ClientSession
) -> None:
    group, alex = playground.world.group, person(playground, "Alex")
    await post(http, playground, "/api/messages", {"chat_id": group["id"], "user_id": alex["id"], "text": "/lang"})
    choose = await playground.emu.wait_for_bot_message(
        group["id"], timeout=10, predicate=lambda m: bool(m.reply_markup)
    )
    status, body = await post(
        http,
        playground,
        "/api/press",
        {"chat_id": group["id"], "user_id": alex["id"], "message_id": choose.message_id, "data": "lang:en"},
    )
    assert status == 200
    answer = await playground.emu.wait_for(
        lambda: next(
            (a for a in playground.emu.callback_answers if a["callback_query_id"] == body["callback_query_id"]), None
        ),
        timeout=10,
    )
    assert answer["show_alert"] and "Only group admins" in answer["text"], "Alex is a plain member of the group"

    status, body = await post(
        http,
        playground,
        "/api/press",
        {"chat_id": group["id"], "user_id": alex["id"], "message_id": choose.message_id, "data": "lang:xx"},
    )
    assert status == 400 and "no button with callback_data" in body["error"]


async def test_several_photos_go_as_one_album(playground: Playground, http: aiohttp.ClientSession) -> None:
    mina = person(playground, "Mina")
    form = aiohttp.FormData()
    form.add_field("chat_id", str(mina["id"]))
    form.add_field("user_id", str(mina["id"]))
    form.add_field("caption", "our strips")
    for seed in (1, 2, 3):
        form.add_field("file", noisy_jpeg(seed), filename=f"{seed}.jpg", content_type="image/jpeg")
    async with http.post(playground.url + "api/media", data=form) as response:
        body = await response.json()
    assert response.status == 200
    sent = body["messages"]
    assert len(sent) == 3 and len({m["media_group_id"] for m in sent}) == 1
    assert sent[0]["caption"] == "our strips" and "caption" not in sent[1]
    reply = await playground.emu.wait_for_bot_message(mina["id"], timeout=15)
    assert "Saved 3 photos from Mina to the album" in text_of(reply)

    file_id = sent[0]["photo"][-1]["file_id"]
    async with http.get(playground.url + f"api/files/{file_id}") as response:
        assert response.content_type == "image/jpeg" and (await response.read())[:3] == b"\xff\xd8\xff"
    async with http.get(playground.url + "api/files/nope") as response:
        assert response.status == 404


async def test_a_file_that_is_not_a_picture_goes_as_a_document_and_is_refused_clearly(
    playground: Playground, http: aiohttp.ClientSession
) -> None:
    alex = person(playground, "Alex")
    form = aiohttp.FormData()
    form.add_field("chat_id", str(alex["id"]))
    form.add_field("user_id", str(alex["id"]))
    form.add_field("file", b"just some notes", filename="notes.txt", content_type="text/plain")
    async with http.post(playground.url + "api/media", data=form) as response:
        body = await response.json()
    assert body["messages"][0]["document"]["file_name"] == "notes.txt"
    reply = await playground.emu.wait_for_bot_message(alex["id"], timeout=10)
    assert "not a photo" in text_of(reply)
    async with http.get(playground.url + f"api/files/{body['messages'][0]['document']['file_id']}") as response:
        assert response.headers["Content-Disposition"].startswith("attachment")


async def test_example_photos_run_the_qr_flow_against_the_sample_booth(
    playground: Playground, http: aiohttp.ClientSession
) -> None:
    mina = person(playground, "Mina")
    status, body = await post(http, playground, "/api/examples", {"chat_id": mina["id"], "user_id": mina["id"]})
    assert status == 200 and len(body["messages"]) == len(examples()) == 3

    def finished() -> list[MessageRecord]:
        done = [m for m in playground.emu.bot_messages(mina["id"]) if text_of(m).startswith(("✅", "⚠️"))]
        return done if len(done) == 3 else []

    statuses = [text_of(m) for m in await playground.emu.wait_for(finished, timeout=30)]
    assert sum("Saved the original" in s for s in statuses) == 2
    (expired,) = [s for s in statuses if s.startswith("⚠️")]
    assert "expired" in expired and "I saved the photo you sent instead" in expired
    albums = playground.app.bot_data.services.albums
    photos = await albums.page(mina["id"], 0, 10)
    stored = {albums.read(photo) for photo in photos}
    live = [item for item in examples() if item.live]
    assert {item.original for item in live} <= stored, "the booth's originals, byte for byte"
    assert {photo.source_url for photo in photos if photo.source == "qr"} == {item.url for item in live}
    assert len(photos) == 3, "two originals and the phone photo of the expired strip"
    videos = await albums.page(mina["id"], 0, 10, kind=MediaKind.video)
    clips = {item.video for item in live if item.video}
    assert len(clips) == 1 and {albums.read(video) for video in videos} == clips, "the making-of clip"
    await playground.emu.wait_for(lambda: any(m.video for m in playground.emu.bot_messages(mina["id"])), 15)


async def test_the_server_answers_loopback_names_only(playground: Playground, http: aiohttp.ClientSession) -> None:
    async with http.get(playground.url + "api/state", headers={"Host": "attacker.example"}) as response:
        assert response.status == 403, "DNS rebinding: another name pointing at 127.0.0.1"
    alex = person(playground, "Alex")
    body = {"chat_id": alex["id"], "user_id": alex["id"], "text": "/start"}
    async with http.post(
        playground.url + "api/messages", json=body, headers={"Origin": "https://attacker.example"}
    ) as response:
        assert response.status == 403, "another site's page posting to the playground"
    other_port = URL(playground.url).port + 1
    async with http.post(
        playground.url + "api/messages", json=body, headers={"Origin": f"http://127.0.0.1:{other_port}"}
    ) as response:
        assert response.status == 403, "nor a page served by another program on this machine"
    async with http.get(playground.url + "api/state", headers={"Host": BOOTH_HOST}) as response:
        assert response.status == 404, "the sample booth's name serves the booth pages only"
    code = examples()[0].code
    async with http.get(playground.url + f"booth/{code}", headers={"Host": BOOTH_HOST}) as response:
        assert response.status == 200 and f"/booth/{code}/photo.jpg" in await response.text()
    assert not playground.emu.bot_messages(alex["id"])


async def test_the_page_and_its_scripts_are_served(playground: Playground, http: aiohttp.ClientSession) -> None:
    async with http.get(playground.url) as response:
        page = await response.text()
    assert all(f"/static/{name}.js" in page for name in ("app", "messages", "entities"))
    for name in ("app.js", "messages.js", "entities.js", "style.css"):
        async with http.get(playground.url + f"static/{name}") as response:
            assert response.status == 200, name


def test_the_playground_folder_is_emptied_on_start_but_a_foreign_one_is_left_alone(tmp_path) -> None:
    folder = fresh_data_dir(tmp_path / "playground")
    (folder / "choosecheese.sqlite3").write_bytes(b"old")
    fresh_data_dir(folder)
    assert sorted(p.name for p in folder.iterdir()) == [MARKER]

    foreign = tmp_path / "someone-elses"
    foreign.mkdir()
    (foreign / "keep.txt").write_text("mine")
    with pytest.raises(PlaygroundDataError):
        fresh_data_dir(foreign)
    assert (foreign / "keep.txt").read_text() == "mine"
