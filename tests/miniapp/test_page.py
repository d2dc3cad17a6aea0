"""The Mini App in a real browser (Debian's chromium through Playwright): opened through a local stand-in for
Telegram's telegram-web-app.js with initData signed by the test bot's token, over a 200-photo album."""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from aiohttp.test_utils import TestServer
from playwright.async_api import BrowserContext, Page, Route, async_playwright, expect

from bot.playground_miniapp import SDK_URL, STANDIN_SDK, launch_fragment, signed_launch
from miniapp.server import build_app
from playground.browser import find_chromium, launch
from tests.miniapp.conftest import STRIP_SIZE, Seeded, seed_album

TIMEOUT_MS = 30_000
ALBUM_SIZE = 200
SCREENSHOT_ENV = "MINIAPP_SCREENSHOT"  # MINIAPP_SCREENSHOT=docs/miniapp.png: the README's picture
expect.set_options(timeout=TIMEOUT_MS)


@pytest.fixture
async def browser(tmp_path: Path) -> AsyncIterator[BrowserContext]:
    chromium = find_chromium()
    if chromium is None:
        pytest.skip("chromium is not installed: `sudo apt-get install chromium` (scripts/system-deps.sh)")
    async with async_playwright() as playwright:
        context = await launch(playwright, chromium, tmp_path / "chromium-profile")
        context.set_default_timeout(TIMEOUT_MS)
        yield context
        await context.close()


@pytest.fixture
async def big_album(seeded: Seeded) -> tuple[dict, int]:
    """A third group with 200 photos; its person is in every third photo (67 of them)."""
    group = seeded.emu.create_chat("supergroup", title="Booth friends", user=seeded.mina)
    _, person = await seed_album(seeded.services, group, seeded.mina, ALBUM_SIZE, seed=1000)
    return group, person


async def open_miniapp(browser: BrowserContext, server_url: str, fragment: str) -> Page:
    """Open the page as a Telegram client does: launch parameters in the fragment, telegram-web-app.js (here our
    stand-in, answered by the test in place of telegram.org) reads them."""
    page = browser.pages[0] if browser.pages else await browser.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))

    async def telegram_sdk(route: Route) -> None:
        await route.fulfill(status=200, content_type="text/javascript", body=STANDIN_SDK)

    await page.route(SDK_URL, telegram_sdk)
    await page.goto(server_url + fragment)
    page.errors = errors  # type: ignore[attr-defined]
    return page


async def open_first_photo(page: Page) -> None:
    cell = page.locator("#grid .cell").first
    photo = await cell.get_attribute("data-photo")
    await cell.click()
    await expect(page.locator(f"#viewer[data-photo='{photo}']")).to_be_visible()


async def scroll_until(page: Page, cells: int) -> None:
    """Scroll as a reader would until `cells` are on the page; on a busy machine a page of photos can take seconds."""
    grid = page.locator("#grid .cell")
    deadline = asyncio.get_running_loop().time() + 60
    while await grid.count() < cells and asyncio.get_running_loop().time() < deadline:
        await page.mouse.wheel(0, 4000)
        await page.wait_for_timeout(150)
    await expect(grid).to_have_count(cells)


async def test_the_album_opens_scrolls_filters_and_shows_a_photo(
    browser: BrowserContext, seeded: Seeded, big_album: tuple[dict, int], tmp_path: Path
) -> None:
    group, person = big_album
    album = seeded.miniapp.tokens.album_token(group["id"])
    init_data = signed_launch(seeded.mina, seeded.emu.token, start_param=album)
    async with TestServer(build_app(seeded.miniapp)) as server:
        page = await open_miniapp(browser, str(server.make_url("/")), launch_fragment(init_data, dark=True))
        await expect(page.locator("body[data-ready='1']")).to_have_count(1)
        assert await page.evaluate("Telegram.WebApp.standinCalls") == ["ready", "expand"]
        await expect(page.locator("#title")).to_have_text("Booth friends")
        await expect(page.locator("#tab-photos")).to_have_text("사진")  # Mina's Telegram speaks Korean
        assert await page.evaluate("document.documentElement.classList.contains('dark')")
        background = await page.evaluate("getComputedStyle(document.body).backgroundColor")
        assert background == "rgb(23, 33, 43)"  # themeParams.bg_color

        await expect(page.locator("#count")).to_have_text(f"사진 {ALBUM_SIZE}장")
        first_batch = await page.locator("#grid .cell").count()
        assert first_batch < ALBUM_SIZE  # paged, not all at once
        await scroll_until(page, ALBUM_SIZE)
        ids = await page.locator("#grid .cell").evaluate_all("cells => cells.map(c => c.dataset.photo)")
        assert len(set(ids)) == ALBUM_SIZE
        loaded = await page.locator("#grid .cell img").last.evaluate(
            "img => img.complete ? img.naturalWidth : new Promise(r => img.onload = () => r(img.naturalWidth))"
        )
        assert loaded > 0

        await page.locator(f".chip[data-person='{person}']").click()
        await expect(page.locator("#count")).to_have_text("사람 1의 사진 67장")
        await page.evaluate("window.scrollTo(0, 0)")
        await scroll_until(page, 67)

        await open_first_photo(page)
        await expect(page.locator("#stage-marks .facebox")).to_have_count(1)
        await expect(page.locator("#stage-marks .cutbox")).to_have_count(4)
        await expect(page.locator("#stage-marks .facebox span")).to_have_text("사람 1 · 80점")
        await expect(page.locator("#details .poses li")).to_have_text(["컷 1: 브이 ✌️"])
        await expect(page.locator("#details .moods")).to_have_text("분위기: 사랑스러운 💗")
        await expect(page.locator("#details .faces li")).to_have_text(["컷 1 · 사람 1: 스마일 80 → 80점"])
        original = await page.locator("#details a.original").get_attribute("href")
        assert original is not None and original.startswith("m/")
        natural = await page.locator("#stage-img").evaluate(
            "img => img.complete ? img.naturalWidth : new Promise(r => img.onload = () => r(img.naturalWidth))"
        )
        assert natural == STRIP_SIZE[0]
        assert "BackButton.show" in await page.evaluate("Telegram.WebApp.standinCalls")
        await page.locator("#viewer-close").click()

        await page.set_viewport_size({"width": 360, "height": 720})  # a small phone
        assert await page.evaluate("document.documentElement.scrollWidth") <= 360  # nothing sticks out
        await open_first_photo(page)
        await page.wait_for_timeout(300)
        shot = Path(os.environ.get(SCREENSHOT_ENV) or tmp_path / "miniapp.png")
        await page.screenshot(path=str(shot))
        assert len(await asyncio.to_thread(shot.read_bytes)) > 10_000
        await page.locator("#viewer-close").click()
        await page.locator(".chip").first.click()  # everyone again
        await expect(page.locator("#count")).to_have_text(f"사진 {ALBUM_SIZE}장")

        await page.locator("#tab-rank").click()
        await expect(page.locator("#rank-list li")).to_have_count(1)
        await expect(page.locator("#rank-list li .pts")).to_have_text(f"{67 * 80}점")
        assert page.errors == []  # type: ignore[attr-defined]


async def test_a_stranger_sees_why_the_album_stays_closed(browser: BrowserContext, seeded: Seeded) -> None:
    stranger = seeded.emu.create_user("Stranger", language_code="en")
    album = seeded.miniapp.tokens.album_token(seeded.group_a["id"])
    init_data = signed_launch(stranger, seeded.emu.token, start_param=album)
    async with TestServer(build_app(seeded.miniapp)) as server:
        page = await open_miniapp(browser, str(server.make_url("/")), launch_fragment(init_data))
        await expect(page.locator("#status")).to_have_text("Only members of this chat can see its album.")
        await expect(page.locator("#grid .cell")).to_have_count(0)
