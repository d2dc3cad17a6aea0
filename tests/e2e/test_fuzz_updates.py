"""Hostile updates through the whole bot (the emulator plays Telegram): members whose names and group titles are
HTML, right-to-left overrides and control characters send odd command arguments, mutated and mislabelled image files,
and random callback data. Every update gets a clear answer or is ignored, nothing reaches the error handler, and
the bot still answers afterwards."""

from __future__ import annotations

import random
from typing import Any

from evals.fuzzing.images import cases as image_cases
from evals.fuzzing.mutate import ODD_CHARACTERS, odd_text
from handlers.errors import is_benign
from pipeline.rate_limits import Limits, WindowLimit
from tests.e2e.harness import Harness, jpeg_bytes

COMMANDS = ("/album", "/people", "/settings", "/donate add", "/lang", "/start", "/myface", "/rank")
MIME_TYPES = ("image/jpeg", "image/png", "image/heic", "application/pdf", "application/zip", None, "image/x-odd")


def _record_errors(harness: Harness) -> list[object]:
    errors: list[object] = []

    async def record(_update: object, context: Any) -> None:
        if not is_benign(context.error):
            errors.append(context.error)

    harness.app.add_error_handler(record)
    harness.app.bot_data.limits = Limits(*(WindowLimit(10_000, 60) for _ in range(4)))
    return errors


def _odd_name(rng: random.Random) -> str:
    name = odd_text(rng, 4).strip() or rng.choice(ODD_CHARACTERS).strip() or "x"
    return name[:64]


async def _answered(harness: Harness, chat_id: int, before: int) -> bool:
    try:
        await harness.emu.wait_for(lambda: len(harness.emu.bot_messages(chat_id)) > before or None, timeout=30)
    except TimeoutError:
        return False
    return True


async def test_odd_commands_names_and_titles_get_answers_and_no_errors(harness: Harness) -> None:
    rng = random.Random(20261204)
    emu = harness.emu
    errors = _record_errors(harness)
    unanswered = []
    sent = 0
    for _ in range(25):
        user = emu.create_user(
            _odd_name(rng), language_code=rng.choice(["en", "ko", "zz", ""]), last_name=_odd_name(rng)
        )
        group = emu.create_chat("group", title=_odd_name(rng), user=user)
        chat = emu.create_chat("private", user=user)
        for target in (chat, group):
            for command in rng.sample(COMMANDS, 3):
                text = f"{command} {odd_text(rng, 5)}"[:4096]
                before = len(emu.bot_messages(target["id"]))
                await emu.send_text(target["id"], user["id"], text)
                sent += 1
                if not await _answered(harness, target["id"], before):
                    unanswered.append(text)
    assert sent == 150
    assert errors == [], errors
    assert unanswered == [], "every command is answered"


async def test_mutated_and_mislabelled_files_are_refused_or_filed_never_an_error(harness: Harness) -> None:
    rng = random.Random(11)
    emu = harness.emu
    errors = _record_errors(harness)
    user = emu.create_user("<b>Mallory</b>\u202e", language_code="en")
    chat = emu.create_chat("private", user=user)
    unanswered = []
    files = list(image_cases(rng, 30))
    for index, data in enumerate(files):
        name = f"{odd_text(rng, 2)}.{rng.choice(['jpg', 'png', 'heic', 'pdf', ''])}"[:60]
        before = len(emu.bot_messages(chat["id"]))
        await emu.send_document(chat["id"], user["id"], data or b"\0", name, rng.choice(MIME_TYPES))
        if not await _answered(harness, chat["id"], before):  # a refusal is a plain message, a saved photo a reply
            unanswered.append((index, name, len(data), data[:12]))
    assert errors == [], errors
    assert unanswered == [], "every file gets an answer: filed, or refused with a reason"
    await emu.send_photo(chat["id"], user["id"], jpeg_bytes("red"))
    await harness.reply(chat["id"], lambda m: "Saved" in (m.text or m.caption or ""))


async def test_random_callback_data_on_the_bots_messages_is_answered_and_changes_nothing(harness: Harness) -> None:
    rng = random.Random(5)
    emu = harness.emu
    errors = _record_errors(harness)
    user = emu.create_user("Ann", language_code="en")
    chat = emu.create_chat("private", user=user)
    await emu.send_text(chat["id"], user["id"], "/settings")
    message = await harness.reply(chat["id"], lambda m: bool(m.button_callback_data()))
    for _ in range(60):
        data = odd_text(rng, 4).encode()[: rng.randint(1, 64)].decode(errors="ignore") or "x"
        query_id = await emu.forge_callback(chat["id"], user["id"], message.message_id, data)
        await emu.wait_for(
            lambda q=query_id: any(a["callback_query_id"] == q for a in emu.callback_answers) or None, timeout=30
        )
    assert errors == [], errors
    stale = [a for a in emu.callback_answers if "out of date" in (a.get("text") or "")]
    assert len(stale) == 60, "data no button carries is answered as an out-of-date button"
    assert emu.message(chat["id"], message.message_id).history == [], "the settings message is unchanged"
