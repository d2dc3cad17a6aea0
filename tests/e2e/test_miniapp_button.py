"""The "🖼 Open album" button under /album: a web_app button in private chats, the Mini App's direct link in groups
(Telegram refuses web_app buttons there, and so does the emulator); the bot serves the Mini App, and its album
token signs a member in through getChatMember on the emulator."""

from __future__ import annotations

import socket
from urllib.parse import parse_qs, urlsplit

import aiohttp
import pytest

from bot.playground_miniapp import signed_launch
from playground.emulator.state import MessageRecord
from tests.e2e.harness import Harness, noisy_jpeg, text_of


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


PORT = _free_port()
MINIAPP = {
    "miniapp_url": "https://album.example/app/",
    "miniapp_short_name": "album",
    "miniapp_listen": "127.0.0.1",
    "miniapp_port": PORT,
}


async def album_nav(harness: Harness, chat: dict, user: dict, seed: int) -> MessageRecord:
    """Send one photo, then /album: the page's message with its buttons."""
    await harness.emu.send_photo(chat["id"], user["id"], noisy_jpeg(seed, size=(320, 240)))
    await harness.reply(chat["id"], predicate=lambda m: "1 in total" in text_of(m))
    await harness.emu.send_text(chat["id"], user["id"], "/album")
    return await harness.reply(chat["id"], predicate=lambda m: "Album page" in text_of(m))


@pytest.mark.parametrize("harness", [MINIAPP], indirect=True)
async def test_private_chats_get_a_web_app_button_and_groups_a_direct_link(harness: Harness) -> None:
    emu = harness.emu
    sam = emu.create_user("Sam", language_code="en")
    private = emu.create_chat("private", user=sam)
    nav = await album_nav(harness, private, sam, 1)
    (button,) = nav.message["reply_markup"]["inline_keyboard"][0]
    assert button["text"] == "🖼 Open album"
    url = urlsplit(button["web_app"]["url"])
    assert (url.scheme, url.netloc, url.path) == ("https", "album.example", "/app/")
    tokens = harness.app.bot_data.album_token
    assert tokens is not None
    assert parse_qs(url.query)["album"] == [tokens(private["id"])]

    group = emu.create_chat("supergroup", title="Booth friends", user=sam)
    nav = await album_nav(harness, group, sam, 2)
    (link,) = nav.message["reply_markup"]["inline_keyboard"][0]
    bot_username = emu.bot_user["username"]
    album = tokens(group["id"])
    assert link["url"] == f"https://t.me/{bot_username}/album?startapp={album}"
    assert "web_app" not in link

    # The Mini App the bot serves signs Sam in for the group (Telegram confirms the membership) and no one else.
    async with aiohttp.ClientSession() as http:
        base = f"http://127.0.0.1:{PORT}"
        session = await http.post(f"{base}/api/session", json={"init_data": signed_launch(sam, emu.token, album)})
        assert session.status == 200
        token = (await session.json())["token"]
        bearer = {"Authorization": f"Bearer {token}"}
        page = await http.get(f"{base}/api/album", params={"album": album}, headers=bearer)
        assert (await page.json())["total"] == 1
        outsider = emu.create_user("Outsider")
        refused = await http.post(f"{base}/api/session", json={"init_data": signed_launch(outsider, emu.token, album)})
        assert refused.status == 403


async def test_without_a_miniapp_url_there_is_no_button(harness: Harness) -> None:
    emu = harness.emu
    sam = emu.create_user("Sam", language_code="en")
    nav = await album_nav(harness, emu.create_chat("private", user=sam), sam, 3)
    assert [data for data in nav.button_callback_data() if not data.startswith("album:o:")] == ["noop"]  # no opener
    assert all("web_app" not in button for row in nav.message["reply_markup"]["inline_keyboard"] for button in row)
    assert harness.app.bot_data.album_token is None


@pytest.mark.parametrize("harness", [MINIAPP], indirect=True)
async def test_the_polling_mini_app_server_answers_health_readiness_and_metrics(harness: Harness) -> None:
    async with aiohttp.ClientSession() as http:
        base = f"http://127.0.0.1:{PORT}"
        assert (await (await http.get(f"{base}/healthz")).json()) == {"status": "ok"}
        ready = await http.get(f"{base}/readyz")
        body = await ready.json()
        assert ready.status == 200 and body["status"] == "ready", body
        assert "update_claims" not in body["checks"]  # polling: Telegram hands out each update once
        metrics = await http.get(f"{base}/metrics")
        assert metrics.status == 200 and "choosecheese_worker_pool_queue_depth" in await metrics.text()
