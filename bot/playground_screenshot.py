"""`python -m bot.playground_screenshot [docs/playground.png]`: the README's picture of the playground.

A short scene in the group chat, set to answer each photo: members post photos of 4-cut strips (the bot fetches the
originals through their QR codes from the sample booth and answers each with one annotated picture: smile points,
poses per cut, the mood; the making-of clip replies to it), and the page is photographed as another member sees it.
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
    with_clip, without_clip, _ = examples()

    def answers(kind: str) -> int:
        return sum(kind in m.message and not m.deleted for m in emu.bot_messages(group))

    async def post_strip(sender: dict, photo: bytes, *, clip: bool = False) -> None:
        pictures, clips = answers("photo"), answers("video")
        await emu.send_photo(group, sender["id"], photo)
        await emu.wait_for(lambda: answers("photo") > pictures and (not clip or answers("video") > clips), 60)

    await post_strip(jisoo, without_clip.phone_photo)
    await emu.send_text(group, minjun["id"], "오늘 찍은 네컷! 📸")
    await post_strip(minjun, with_clip.phone_photo, clip=True)
    return mina


async def take(output: Path) -> None:
    chromium = find_chromium()
    if chromium is None:
        raise SystemExit("chromium is needed: sudo apt-get install chromium")
    from playwright.async_api import async_playwright

    with tempfile.TemporaryDirectory() as scratch:
        settings = Settings(_env_file=None, data_dir=Path(scratch) / "data", album_page_size=2, group_answers="each")
        async with running_playground(settings, port=0) as playground, async_playwright() as playwright:
            viewer = await _scene(playground)
            context = await launch(playwright, chromium, Path(scratch) / "profile")
            page = context.pages[0] if context.pages else await context.new_page()
            await page.set_viewport_size({"width": 1280, "height": 1400})
            await page.goto(playground.url)
            await page.select_option("#identity", str(viewer["id"]))
            await page.click('.chat-item[data-chat-type="supergroup"]')
            await page.wait_for_selector(".row.bot video")
            await page.wait_for_function("[...document.images].every((image) => image.complete)")
            await page.wait_for_function(
                "[...document.querySelectorAll('video')].every((clip) => clip.readyState >= 1)"
            )
            await page.wait_for_timeout(400)  # the newest bubble's pop-in animation
            await page.evaluate("document.querySelectorAll('video').forEach((clip) => clip.scrollIntoView(false))")
            output.parent.mkdir(parents=True, exist_ok=True)
            await page.screenshot(path=str(output))
            await context.close()
    print(f"wrote {output}")


if __name__ == "__main__":
    asyncio.run(take(Path(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT_OUTPUT))
