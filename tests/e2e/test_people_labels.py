"""One label per person on every screen: the /people sheet, a person's card, /rank and the weekly post say
'Person <number>' (or the name) for the same person, and a removal or a rename changes no one else's label."""

from __future__ import annotations

import re

from handlers.reports import chart_faces, current_week, weekly_picture
from playground.emulator import MessageRecord
from ranking.board import RankBy
from tests.e2e.face_photos import identity_photos, side_by_side
from tests.e2e.harness import Harness, text_of
from tests.e2e.test_people import _buttons, _edited, _open_people

TILE = 300


def _person_buttons(record: MessageRecord) -> dict[int, str]:
    """Person id → the text on their button in a /people sheet."""
    markup = record.reply_markup or record.message.get("reply_markup") or {}
    found = {}
    for row in markup.get("inline_keyboard", []):
        for button in row:
            match = re.fullmatch(r"pp:o:(\d+)", button.get("callback_data", ""))
            if match:
                found[int(match.group(1))] = button["text"]
    return found


async def _three_people(harness: Harness, chat_id: int, user_id: int) -> dict[int, str]:
    """Four photos (NEW_PERSON_FACES) of the same three people (A, B, C left to right); face id → A, B or C."""
    columns = identity_photos(3, 4)
    for index in range(4):
        await harness.emu.send_photo(chat_id, user_id, side_by_side([column[index] for column in columns]))
        await harness.reply(chat_id, predicate=lambda m: "3 faces" in text_of(m), timeout=60)
    who = {}
    for photo in await harness.services.albums.page(chat_id, 0, 10):
        for face in await harness.services.faces.faces_of_photo(photo.id):
            who[face.id] = "ABC"[face.box[0] // TILE]
    return who


async def test_labels_stay_the_same_on_every_screen_after_a_removal_and_a_rename(harness: Harness) -> None:
    emu = harness.emu
    alice = emu.create_user("Alice", language_code="en")
    group = emu.create_chat("group", title="Labels", user=alice)
    chat = group["id"]
    await emu.send_text(chat, alice["id"], "/lang en")
    await harness.reply(chat, lambda m: "English" in text_of(m))
    who = await _three_people(harness, chat, alice["id"])
    people = await harness.services.faces.people(chat)
    assert sorted(p.number for p in people) == [1, 2, 3], "numbered in the order they appeared"
    by_letter = {
        who[(await harness.services.faces.faces_of_person(p.id))[0].id]: p for p in people
    }  # 'A' → their summary
    labels = {p.id: f"Person {p.number}" for p in people}

    sheet = await _open_people(harness, chat, alice["id"])
    assert _person_buttons(sheet) == labels, "each button carries the person's label"

    # A removal: every face of A leaves them, so A is gone …
    a, b, c = by_letter["A"], by_letter["B"], by_letter["C"]
    await emu.press_button(chat, alice["id"], sheet.message_id, f"pp:o:{a.id}")
    card = await _edited(harness, chat, sheet.message_id, "4 faces")
    assert f"Person {a.number}" in text_of(card), "the card says the label the button said"
    await emu.press_button(chat, alice["id"], sheet.message_id, f"pp:r:{a.id}:0")
    remover = await _edited(harness, chat, sheet.message_id, "Tap the number of a face")
    for face in await harness.services.faces.faces_of_person(a.id):
        button = next(data for data in _buttons(remover) if data.startswith(f"pp:rf:{a.id}:{face.id}:"))
        before = len(emu.message(chat, sheet.message_id).history)
        await emu.press_button(chat, alice["id"], sheet.message_id, button)
        remover = await emu.wait_for(
            lambda before=before: (m := emu.message(chat, sheet.message_id)) and len(m.history) > before and m,
            timeout=30,
        )
    assert await harness.services.faces.person(a.id) is None
    # … and C is renamed.
    await harness.services.faces.rename(c.id, "Mina")

    sheet = await _open_people(harness, chat, alice["id"])
    assert _person_buttons(sheet) == {b.id: f"Person {b.number}", c.id: "Mina"}, "nobody else's label moved"
    await emu.press_button(chat, alice["id"], sheet.message_id, f"pp:o:{b.id}")
    card = await _edited(harness, chat, sheet.message_id, "4 faces")
    assert f"Person {b.number}" in text_of(card)

    await harness.services.analyser.recluster(chat)  # A's faces may form a person again: with a new number
    numbers = {p.id: p.number for p in await harness.services.faces.people(chat)}
    assert numbers[b.id] == b.number and numbers[c.id] == c.number
    assert all(n > 3 for pid, n in numbers.items() if pid not in (b.id, c.id)), "a number is never given twice"

    await emu.send_text(chat, alice["id"], "/rank")
    ranked = text_of(await harness.reply(chat, lambda m: "Smile ranking" in text_of(m)))
    assert f"Person {b.number} — " in ranked and "Mina — " in ranked
    assert f"Person {a.number} — " not in ranked

    svc = harness.services
    week = await current_week(svc, chat)
    post = await weekly_picture(svc, chat, week, "en")
    assert post is not None and f"Person {b.number} — " in post.caption and "Mina — " in post.caption

    data = await svc.ranking.ranking(chat, RankBy.person, week)
    faces = await chart_faces(svc, data, RankBy.person, "en")
    assert set(faces) == set(numbers), "every person on the chart has their face next to the bar"
    assert all(face.ndim == 3 and face.shape[2] == 3 for face in faces.values())
