"""`python -m bot.playground_screenshot [docs/playground.png]`: the README's picture of the playground.

A short scene in the group chat: a member posts a photo of a 4-cut strip (the bot fetches the original through its
QR code from the sample booth), another asks for the album, and the page is photographed with the album's paging
keyboard in view.
"""

from __future__ import annotations

import asyncio
import sys
import tempfile
from pathlib import Path

from bot.playground import Playground, running_playground
from pipeline.settings import Settings
from playground.browser import find_chromium, launch
from playground.samples import examples

DEFAULT_OUTPUT = Path("docs/playground.png")


def _person(playground: Playground, name: str) -> dict:
    return next(user for user in playground.world.users if user["first_name"] == name)


async def _scene(playground: Playground) -> dict:
    emu, group = playground.emu, playground.world.group["id"]
    minjun, mina, jisoo = (_person(playground, name) for name in ("민준", "Mina", "지수"))
    with_clip, without_clip, expired = examples()

    def answered(*prefixes: str) -> int:
        return sum((m.text or m.caption or "").startswith(prefixes) for m in emu.bot_messages(group))

    async def post_strip(sender: dict, photo: bytes, *, clip: bool = False) -> None:
        statuses, clips = answered("✅", "⚠️"), answered("🎬")
        await emu.send_photo(group, sender["id"], photo)
        await emu.wait_for(lambda: answered("✅", "⚠️") > statuses and (not clip or answered("🎬") > clips), 30)

    await post_strip(jisoo, expired.phone_photo)
    await post_strip(mina, with_clip.phone_photo, clip=True)
    await emu.send_text(group, minjun["id"], "오늘 찍은 네컷! 📸")
    await post_strip(minjun, without_clip.phone_photo)
    await emu.send_text(group, mina["id"], "/album")
    await emu.wait_for(lambda: any(m.reply_markup for m in emu.bot_messages(group)), 30)
    return mina


async def take(output: Path) -> None:
    chromium = find_chromium()
    if chromium is None:
        raise SystemExit("chromium is needed: sudo apt-get install chromium")
    from playwright.async_api import async_playwright

    with tempfile.TemporaryDirectory() as scratch:
        settings = Settings(_env_file=None, data_dir=Path(scratch) / "data", album_page_size=2)
        async with running_playground(settings, port=0) as playground, async_playwright() as playwright:
            viewer = await _scene(playground)
            context = await launch(playwright, chromium, Path(scratch) / "profile")
            page = context.pages[0] if context.pages else await context.new_page()
            await page.set_viewport_size({"width": 1280, "height": 900})
            await page.goto(playground.url)
            await page.select_option("#identity", str(viewer["id"]))
            await page.click('.chat-item[data-chat-type="supergroup"]')
            await page.wait_for_selector(".row.bot .keyboard")
            await page.wait_for_function("[...document.images].every((image) => image.complete)")
            await page.wait_for_timeout(400)  # the newest bubble's pop-in animation
            output.parent.mkdir(parents=True, exist_ok=True)
            await page.screenshot(path=str(output))
            await context.close()
    print(f"wrote {output}")


if __name__ == "__main__":
    asyncio.run(take(Path(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT_OUTPUT))
