"""The chat page in a real browser (Debian's chromium through Playwright) against a running playground."""

from __future__ import annotations

import base64
import re
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest
from playwright.async_api import BrowserContext, Page, async_playwright, expect

from bot.playground import Playground
from playground.browser import find_chromium, launch
from tests.e2e.harness import noisy_jpeg

TIMEOUT_MS = 20_000  # the bot shares two cores with the rest of the test run
expect.set_options(timeout=TIMEOUT_MS)


@pytest.fixture
async def browser(tmp_path: Path) -> AsyncIterator[BrowserContext]:
    chromium = find_chromium()
    if chromium is None:
        pytest.skip(
            "chromium is not installed and could not be: `make test` installs Debian's chromium when run as root "
            "(scripts/system-deps.sh); otherwise run `sudo apt-get install chromium`"
        )
    async with async_playwright() as playwright:
        context = await launch(playwright, chromium, tmp_path / "chromium-profile")
        context.set_default_timeout(TIMEOUT_MS)
        yield context
        await context.close()


@pytest.fixture
async def page(browser: BrowserContext, playground: Playground) -> AsyncIterator[Page]:
    page = browser.pages[0] if browser.pages else await browser.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    await page.goto(playground.url)
    await expect(page.locator(".chat-item")).to_have_count(2)
    yield page
    assert not errors, f"the page threw: {errors}"


def person_id(playground: Playground, name: str) -> str:
    return str(next(user["id"] for user in playground.world.users if user["first_name"] == name))


async def as_the_bot(playground: Playground, method: str, **params: object) -> object:
    """Call the emulator's Bot API the way the bot does (for what the bot only does at unpredictable moments)."""
    async with aiohttp.ClientSession() as http:
        url = f"{playground.emu.base_url}{playground.emu.token}/{method}"
        async with http.post(url, json=params) as response:
            body = await response.json()
    assert body["ok"], body
    return body["result"]


async def send(page: Page, text: str) -> None:
    await page.fill("#composer-input", text)
    await page.press("#composer-input", "Enter")


async def test_start_a_photo_and_an_inline_button(page: Page, playground: Playground, tmp_path: Path) -> None:
    await page.select_option("#identity", person_id(playground, "Alex"))
    await expect(page.locator("#chat-title")).to_have_text("ChooseCheese")

    await send(page, "/start")
    welcome = page.locator(".row.bot", has_text="Welcome to ChooseCheese")
    await expect(welcome).to_be_visible()
    await expect(welcome.locator("b").first).to_have_text("ChooseCheese")  # HTML formatting drawn from the entities

    await welcome.locator(".command", has_text="/help").click()  # commands in the bot's text are links
    await expect(page.locator(".row.bot", has_text="How it works")).to_be_visible()

    alex = int(person_id(playground, "Alex"))
    await as_the_bot(playground, "sendChatAction", chat_id=alex, action="upload_photo")
    await expect(page.locator("#chat-subtitle")).to_have_text("ChooseCheese is sending photo…")
    await as_the_bot(playground, "sendMessage", chat_id=alex, text="<i>short-lived</i> note", parse_mode="HTML")
    note = page.locator(".row.bot", has_text="short-lived note")
    await expect(note.locator("i")).to_have_text("short-lived")
    await expect(page.locator("#chat-subtitle")).to_have_text("bot · @choosecheese_playground_bot")
    (sent,) = [m for m in playground.emu.bot_messages(alex) if "short-lived" in (m.text or "")]
    await as_the_bot(playground, "deleteMessage", chat_id=alex, message_id=sent.message_id)
    await expect(note).to_have_count(0)

    photo = tmp_path / "strip.jpg"
    photo.write_bytes(noisy_jpeg(7))
    await page.set_input_files("#file-input", str(photo))
    await expect(page.locator("#upload-dialog")).to_be_visible()
    await page.click("#upload-send")
    await expect(page.locator(".row.out img.photo")).to_be_visible()
    await expect(page.locator(".row.bot", has_text="Saved to the album")).to_be_visible()

    await send(page, "/album")
    pager = page.locator(".row.bot .keyboard")
    await expect(pager).to_be_visible()
    await expect(page.locator(".row.bot img.photo")).to_be_visible()

    await send(page, "/lang")
    choose = page.locator(".row.bot", has_text="Choose a language.")
    await choose.get_by_role("button", name="한국어").click()
    edited = page.locator(".row.bot", has_text="이제 한국어로 말할게요.")
    await expect(edited).to_be_visible()
    await expect(edited.locator(".edited")).to_be_visible()
    await expect(choose).to_have_count(0)  # the edit replaced the message in place
    await expect(page.locator(".row.bot .keyboard button", has_text="한국어")).to_have_count(0)


async def test_a_dropped_album_in_the_group_and_an_alert_for_a_non_admin(page: Page, playground: Playground) -> None:
    await page.select_option("#identity", person_id(playground, "Alex"))
    await page.click('.chat-item[data-chat-type="supergroup"]')
    await expect(page.locator(".service", has_text="added ChooseCheese")).to_be_visible()

    pictures = [base64.b64encode(noisy_jpeg(seed)).decode() for seed in (11, 12)]
    drop = await page.evaluate_handle(
        """(pictures) => {
            const data = new DataTransfer();
            pictures.forEach((b64, i) => {
                const bytes = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
                data.items.add(new File([bytes], `shot${i}.jpg`, { type: "image/jpeg" }));
            });
            return data;
        }""",
        pictures,
    )
    await page.dispatch_event("#chat", "dragenter", {"dataTransfer": drop})
    await expect(page.locator("#drop-overlay")).to_be_visible()
    await page.dispatch_event("#chat", "drop", {"dataTransfer": drop})
    await expect(page.locator("#upload-title")).to_have_text("Send 2 photos as an album")
    await page.fill("#upload-caption", "from the booth")
    await page.press("#upload-caption", "Enter")
    album = page.locator(".row.out", has_text="from the booth")
    await expect(album.locator(".grid.n2 img.photo")).to_have_count(2)  # one bubble for the media group
    # Groups are quiet by default: the album gets the bot's 👍 (drawn on the member's bubble), the digest comes later.
    await expect(album.locator(".reaction", has_text="👍")).to_be_visible(timeout=30_000)

    await send(page, "/lang")
    await page.locator(".row.bot", has_text="Choose a language.").get_by_role("button", name="English").click()
    await expect(page.locator("#alert-dialog")).to_be_visible()
    await expect(page.locator("#alert-text")).to_have_text("Only group admins can change the group's language.")


async def test_markup_in_messages_is_shown_as_text_and_entities_nest(page: Page, playground: Playground) -> None:
    await page.select_option("#identity", person_id(playground, "Mina"))
    attack = '<img src=x onerror="window.pwned = 1"> <b>not bold</b>'
    await send(page, attack)
    mine = page.locator(".row.out", has_text="not bold")
    await expect(mine.locator(".text")).to_have_text(attack)
    await expect(mine.locator(".text img, .text b")).to_have_count(0)
    hints = page.locator(".row.bot", has_text="Send a photo of the QR code")  # the bot's answer to plain text
    await expect(hints).to_have_count(1)

    mina = int(person_id(playground, "Mina"))
    await as_the_bot(
        playground,
        "sendMessage",
        chat_id=mina,
        parse_mode="HTML",
        text='📸 <b>bold <i>both</i></b> &lt;script&gt; <a href="javascript:alert(1)">js</a> <a href="https://example.org/x">ok</a>',
    )
    reply = page.locator(".row.bot", has_text="bold both")
    await expect(reply.locator("b i")).to_have_text("both")  # nested, offsets counted in UTF-16 after the emoji
    await expect(reply.locator(".text")).to_contain_text("<script>")
    await expect(reply.locator("a")).to_have_count(1)  # the javascript: link is not a link
    await expect(reply.locator("a")).to_have_attribute("href", "https://example.org/x")
    assert await page.evaluate("window.pwned") is None

    await reply.locator(".bubble").dblclick()
    await expect(page.locator("#reply-bar")).to_be_visible()
    await send(page, "thanks!")
    answer = page.locator(".row.out", has_text="thanks!")
    await expect(answer.locator(".quote .who")).to_have_text("ChooseCheese")
    (sent,) = [m for m in playground.emu.chat_messages(mina) if m.text == "thanks!"]
    assert sent.message["reply_to_message"]["from"]["is_bot"]
    await expect(hints).to_have_count(2)


async def test_the_open_album_button_opens_the_mini_app_in_the_page(
    page: Page, playground: Playground, tmp_path: Path
) -> None:
    await page.select_option("#identity", person_id(playground, "Alex"))
    photo = tmp_path / "strip.jpg"
    photo.write_bytes(noisy_jpeg(21))
    await page.set_input_files("#file-input", str(photo))
    await page.click("#upload-send")
    await expect(page.locator(".row.bot", has_text="Saved to the album")).to_be_visible()
    await send(page, "/album")
    opener = page.locator(".row.bot .keyboard button.web-app", has_text="Open album")
    await opener.click()
    await expect(page.locator("#miniapp")).to_be_visible()
    app = page.frame_locator("#miniapp-frame")
    await expect(app.locator("#grid .cell")).to_have_count(1)  # signed in as Alex, who sees his one photo
    await expect(app.locator("#count")).to_have_text("1 photo")
    await page.click("#miniapp-close")
    await expect(page.locator("#miniapp")).to_be_hidden()

    # In the group the button is the Mini App's direct link (web_app buttons are private-chat only).
    await page.click('.chat-item[data-chat-type="supergroup"]')
    await page.set_input_files("#file-input", str(photo))
    await page.click("#upload-send")
    await expect(page.locator(".row.out .reaction", has_text="👍")).to_be_visible(timeout=30_000)  # filed (quiet group)
    await send(page, "/album")
    link = page.locator(".row.bot .keyboard button.web-app", has_text="Open album")
    await expect(link).to_have_attribute(
        "title", re.compile(r"^https://t\.me/choosecheese_playground_bot/album\?startapp=")
    )
    await link.click()
    await expect(app.locator("#title")).to_have_text("네컷 모임 · Photo club")  # the link's signed album: the group
    await expect(app.locator("#grid .cell")).to_have_count(1)


OVERFLOWING_BUTTONS = """() => [...document.querySelectorAll('.row.bot .keyboard button')]
    .filter((b) => b.scrollWidth > b.clientWidth).map((b) => b.textContent)"""


async def test_settings_and_donate_buttons_fit_a_phone_screen(page: Page, playground: Playground) -> None:
    """At 360 px (a small phone) no button of /settings or the /donate pickers is cut to '…', in both languages."""
    await page.set_viewport_size({"width": 360, "height": 740})
    await page.select_option("#identity", person_id(playground, "Alex"))
    await page.click('.chat-item[data-chat-type="private"]')
    for language, to_language, rule in (("en", "한국어", "Pledge rule"), ("ko", None, "약정 규칙")):
        await send(page, "/settings")
        settings = page.locator(".row.bot .keyboard").last
        await expect(settings.locator("button").first).to_be_visible()
        await send(page, "/donate")
        await page.locator(".row.bot .keyboard button", has_text=rule).last.click()
        rates = page.locator(".row.bot .keyboard button", has_text="10")
        await expect(rates.first).to_be_visible()
        cut = await page.evaluate(OVERFLOWING_BUTTONS)
        assert cut == [], f"{language}: {cut}"  # /settings and the rate picker
        await rates.first.click()  # the rate, then the cap picker
        await expect(page.locator(".row.bot .keyboard button", has_text="↩").last).to_be_visible()
        cut = await page.evaluate(OVERFLOWING_BUTTONS)
        assert cut == [], f"{language}: {cut}"
        if to_language:
            await send(page, "/lang")
            await page.locator(".row.bot .keyboard button", has_text=to_language).last.click()
            await expect(page.locator(".row.bot", has_text="이제 한국어로 말할게요.")).to_be_visible()


async def test_force_reply_text_and_photo_replies_and_a_refused_picture(
    page: Page, playground: Playground, tmp_path: Path
) -> None:
    """A ForceReply question opens the reply bar at once (a typed name or a receipt photo answers it); a picture
    Telegram cannot process is explained in words, not as the Bot API's 'IMAGE_PROCESS_FAILED'."""
    await page.select_option("#identity", person_id(playground, "Mina"))
    mina = int(person_id(playground, "Mina"))
    question = {"force_reply": True, "input_field_placeholder": "Their name"}
    await as_the_bot(playground, "sendMessage", chat_id=mina, text="What is this person called?", reply_markup=question)
    await expect(page.locator("#reply-bar")).to_be_visible()
    await expect(page.locator("#reply-what")).to_contain_text("What is this person called?")
    await expect(page.locator("#composer-input")).to_have_attribute("placeholder", "Their name")
    await send(page, "Jisoo")
    await expect(page.locator(".row.out", has_text="Jisoo").locator(".quote")).to_be_visible()
    await expect(page.locator("#reply-bar")).to_be_hidden()
    (named,) = [m for m in playground.emu.chat_messages(mina) if m.text == "Jisoo"]
    assert named.message["reply_to_message"]["text"] == "What is this person called?"

    await as_the_bot(playground, "sendMessage", chat_id=mina, text="Reply with the receipt", reply_markup=question)
    await expect(page.locator("#reply-what")).to_contain_text("Reply with the receipt")
    receipt = tmp_path / "receipt.jpg"
    receipt.write_bytes(noisy_jpeg(21))
    await page.set_input_files("#file-input", str(receipt))
    await page.click("#upload-send")
    await expect(page.locator(".row.out img.photo")).to_be_visible()
    (photo,) = [m for m in playground.emu.chat_messages(mina) if m.photo and not m.from_bot]
    assert photo.message["reply_to_message"]["text"] == "Reply with the receipt"

    broken = tmp_path / "broken.jpg"
    broken.write_bytes(b"\xff\xd8\xff\xe0 not really a JPEG")
    await page.set_input_files("#file-input", str(broken))
    await page.click("#upload-send")
    toast = page.locator(".toast.error")
    await expect(toast).to_contain_text("can't be sent as a photo")
    await expect(toast).not_to_contain_text("IMAGE_PROCESS_FAILED")


async def test_the_sample_booth_is_named_and_its_making_of_clip_plays(page: Page, playground: Playground) -> None:
    await page.select_option("#identity", person_id(playground, "Alex"))
    await page.click("#examples-btn")
    await expect(page.locator(".row.bot", has_text="ChooseCheese sample booth").first).to_be_visible(timeout=90_000)
    video = page.locator(".row.bot video").first
    await expect(video).to_be_visible(timeout=90_000)
    state = await video.evaluate(
        """(v) => new Promise((done) => {
            const report = () =>
                done({ readyState: v.readyState, duration: v.duration, error: v.error && v.error.code });
            if (v.readyState >= 2) return report();
            v.addEventListener("loadeddata", report, { once: true });
            v.addEventListener("error", report, { once: true });
            v.preload = "auto";
            v.load();
        })"""
    )
    assert state["error"] is None and state["readyState"] >= 2 and state["duration"] > 1, state

    # /pose works here too: the sample strips show V-signs, so it suggests a pose they do not show, with a picture.
    await send(page, "/pose")
    suggestion = page.locator(".row.bot", has_text="Try this pose").last
    await expect(suggestion).to_be_visible(timeout=60_000)
    await expect(suggestion.locator("img.photo")).to_have_count(1)  # lazy-loaded: it may be below the fold
    await expect(suggestion).to_contain_text("No photo of this chat shows it yet")
    await expect(suggestion).not_to_contain_text("Try this pose: V-sign")  # another pose's how-to may name a V-sign
