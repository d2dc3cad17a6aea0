"""Any http(s) link pasted as text, not only known booth hosts: the generic extractor through the same SSRF-safe
fetcher; a page without a photo is said plainly; in groups only links that speak to the bot are fetched."""

from __future__ import annotations

from typing import Any

import pytest

from pipeline.priority import doing_bulk
from tests.booths.fixture_server import FixtureServer
from tests.e2e.harness import Harness, noisy_jpeg, text_of

PICTURE = noisy_jpeg(4242, size=(480, 360))
PAGE_WITH_PHOTO = "https://photos.example.org/p/1"
PAGE_WITHOUT_PHOTO = "https://news.example.org/story"
DIRECT_PHOTO = "https://cdn.example.org/strip.jpg"


@pytest.fixture
def booth_site(loopback_booth: FixtureServer) -> FixtureServer:
    loopback_booth.html_at(
        "photos.example.org",
        "/p/1",
        '<html><head><meta property="og:image" content="https://photos.example.org/img/1.jpg"></head>'
        "<body><h1>Our strip</h1></body></html>",
    )
    loopback_booth.bytes_at("photos.example.org", "/img/1.jpg", PICTURE, "image/jpeg")
    loopback_booth.html_at("news.example.org", "/story", "<html><body><p>Only words here.</p></body></html>")
    loopback_booth.bytes_at("cdn.example.org", "/strip.jpg", noisy_jpeg(4343, size=(480, 360)), "image/jpeg")
    return loopback_booth


async def _final(harness: Harness, chat_id: int, marker: str) -> str:
    def final() -> str | None:
        return next((text_of(m) for m in harness.bot_messages(chat_id) if marker in text_of(m)), None)

    return await harness.emu.wait_for(final, timeout=15)


async def test_a_link_to_any_page_with_a_photo_files_that_photo(harness: Harness, booth_site: FixtureServer) -> None:
    user = harness.emu.create_user("민지", language_code="ko")
    chat = harness.emu.create_chat("private", user=user)
    await harness.emu.send_text(chat["id"], user["id"], f"우리 사진 {PAGE_WITH_PHOTO}")
    text = await _final(harness, chat["id"], "✅")
    assert "링크의 원본을 앨범에 저장했어요" in text
    (photo,) = await harness.services.albums.page(chat["id"], 0, 5)
    assert harness.services.albums.read(photo) == PICTURE and photo.source_url == PAGE_WITH_PHOTO
    said = " ".join(text_of(m) for m in harness.bot_messages(chat["id"]))
    assert "알 수 없는 부스" not in said, "an unknown booth is left unnamed, not called 'unknown'"

    await harness.emu.send_text(chat["id"], user["id"], DIRECT_PHOTO)
    await harness.emu.wait_for(
        lambda: len([m for m in harness.bot_messages(chat["id"]) if "✅" in text_of(m)]) == 2 or None, timeout=15
    )
    assert await harness.album_count(chat["id"]) == 2, "a link straight to a photo works too"


async def test_a_page_without_a_photo_is_said_plainly(harness: Harness, booth_site: FixtureServer) -> None:
    user = harness.emu.create_user("Sam", language_code="en")
    chat = harness.emu.create_chat("private", user=user)
    await harness.emu.send_text(chat["id"], user["id"], PAGE_WITHOUT_PHOTO)
    text = await _final(harness, chat["id"], "⚠️")
    assert "That page holds no photo I could save" in text
    assert "Unknown booth" not in text and "Send a photo of the QR code" not in text
    assert await harness.album_count(chat["id"]) == 0


async def test_a_pasted_private_address_is_refused_without_a_request(
    harness: Harness, booth_site: FixtureServer
) -> None:
    user = harness.emu.create_user("Sam", language_code="en")
    chat = harness.emu.create_chat("private", user=user)
    before = len(booth_site.requests)
    await harness.emu.send_text(chat["id"], user["id"], "look http://10.0.0.7/admin/photo.jpg")
    text = await _final(harness, chat["id"], "⚠️")
    assert "not safe" in text
    assert len(booth_site.requests) == before and await harness.album_count(chat["id"]) == 0


async def test_in_a_group_only_links_that_speak_to_the_bot_are_fetched(
    harness: Harness, booth_site: FixtureServer
) -> None:
    emu = harness.emu
    user = emu.create_user("Sam", language_code="en")
    group = emu.create_chat("group", title="G", user=user)
    await emu.send_text(group["id"], user["id"], f"funny article {PAGE_WITHOUT_PHOTO}")
    await emu.send_text(group["id"], user["id"], f"@{emu.bot_user['username']} save {PAGE_WITH_PHOTO}")
    await _final(harness, group["id"], "✅")
    assert booth_site.hits("news.example.org", "/story") == 0, "a link shared among members is not the bot's business"
    assert await harness.album_count(group["id"]) == 1


async def test_a_links_status_messages_are_bulk_and_a_command_is_not(
    harness: Harness, booth_site: FixtureServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A booth link's "fetching…" status and answer wait behind people's requests in the bot's overall budget, as a
    photo's do (bot.rate_limit.OverallBudget); a command's answer does not."""
    limiter = harness.app.bot.rate_limiter
    assert limiter is not None
    process_request = limiter.process_request
    sent: list[tuple[str, bool]] = []

    async def noted(*args: Any, **kwargs: Any) -> Any:
        sent.append((kwargs.get("endpoint") or args[3], doing_bulk()))
        return await process_request(*args, **kwargs)

    monkeypatch.setattr(limiter, "process_request", noted)
    user = harness.emu.create_user("Sam", language_code="en")
    chat = harness.emu.create_chat("private", user=user)
    await harness.emu.send_text(chat["id"], user["id"], PAGE_WITH_PHOTO)
    await _final(harness, chat["id"], "✅")
    link = [bulk for endpoint, bulk in sent if endpoint.startswith(("send", "edit"))]
    assert link and all(link), sent
    sent.clear()
    await harness.emu.send_text(chat["id"], user["id"], "/help")
    await harness.emu.wait_for(lambda: any(endpoint == "sendMessage" for endpoint, _ in sent) or None, timeout=15)
    assert ("sendMessage", False) in sent
