"""/people: faces of the same people become persons; name, merge, remove a face and hide work from the buttons,
and what members corrected survives a full re-cluster."""

from __future__ import annotations

import asyncio
from pathlib import Path

from bot.app import build_application, running_application
from pipeline.workers import CpuPool
from playground.emulator import BotApiEmulator, MessageRecord
from storage.albums import AlbumStore, NewMedia
from storage.blobs import LocalBlobStore
from storage.db import Database
from tests.e2e.face_photos import identity_photos, side_by_side, strip_of_pairs
from tests.e2e.harness import TOKEN, Harness, emulator_settings, text_of

TILE = 300  # side_by_side: the left person's face is at x < 300


def _buttons(record: MessageRecord) -> list[str]:
    markup = record.reply_markup or record.message.get("reply_markup") or {}
    return [b["callback_data"] for row in markup.get("inline_keyboard", []) for b in row if "callback_data" in b]


def _group(harness: Harness) -> tuple[dict, dict, dict]:
    emu = harness.emu
    alice, bob = emu.create_user("Alice", language_code="en"), emu.create_user("Bob", language_code="en")
    group = emu.create_chat("group", title="Booth friends", user=alice)
    emu.add_member(group["id"], bob["id"])
    return alice, bob, group


async def _send_pairs(harness: Harness, chat_id: int, user_id: int, count: int = 4) -> dict[int, str]:
    """`count` photos of the same two people (A and B, sides swapped each time); face id → 'A' or 'B'.
    Four faces that are each other's nearest start a person incrementally (vision.faces.clustering.NEW_PERSON_FACES),
    so the default forms A and B."""
    a_photos, b_photos = identity_photos(2, count)
    who: dict[int, str] = {}
    for index, (a, b) in enumerate(zip(a_photos, b_photos, strict=True)):
        pair = [a, b] if index % 2 == 0 else [b, a]
        await harness.emu.send_photo(chat_id, user_id, side_by_side(pair))
        await harness.reply(chat_id, predicate=lambda m: bool(m.photo) and "Smile points" in text_of(m), timeout=60)
    for photo in await harness.services.albums.page(chat_id, 0, 50):
        faces = await harness.services.faces.faces_of_photo(photo.id)
        assert len(faces) == 2, "one face on each side"
        index = int(await _photo_index(harness, chat_id, photo.id))
        for face in faces:
            left = face.box[0] < TILE
            who[face.id] = ("A" if left else "B") if index % 2 == 0 else ("B" if left else "A")
    return who


async def _photo_index(harness: Harness, chat_id: int, photo_id: int) -> int:
    ids = sorted(p.id for p in await harness.services.albums.page(chat_id, 0, 50))
    return ids.index(photo_id)


async def _people_by_label(harness: Harness, chat_id: int, who: dict[int, str]) -> dict[str, int]:
    """'A'/'B' → person id, checking that every person holds one identity only."""
    labels: dict[str, int] = {}
    for person in await harness.services.faces.people(chat_id, include_hidden=True):
        faces = await harness.services.faces.faces_of_person(person.id)
        names = {who[face.id] for face in faces}
        assert len(names) == 1, f"person {person.id} mixes {names}"
        labels[names.pop()] = person.id
    return labels


async def _edited(harness: Harness, chat_id: int, message_id: int, marker: str) -> MessageRecord:
    return await harness.emu.wait_for(
        lambda: (m := harness.emu.message(chat_id, message_id)) and marker in text_of(m) and m, timeout=30
    )


async def _open_people(harness: Harness, chat_id: int, user_id: int) -> MessageRecord:
    await harness.emu.send_text(chat_id, user_id, "/people")
    return await harness.reply(chat_id, predicate=lambda m: "People" in text_of(m), timeout=30)


async def test_two_photos_of_the_same_people_form_two_persons(harness: Harness) -> None:
    """A phone photo of A and B, then their 4-cut strip: two people, each in both photos."""
    alice, _bob, group = _group(harness)
    chat = group["id"]
    a_photos, b_photos = identity_photos(2, 5)
    await harness.emu.send_photo(chat, alice["id"], side_by_side([a_photos[0], b_photos[0]]))
    await harness.reply(chat, predicate=lambda m: "2 faces" in text_of(m), timeout=60)
    pairs = [
        [a_photos[1], b_photos[1]],
        [b_photos[2], a_photos[2]],
        [a_photos[3], b_photos[3]],
        [b_photos[4], a_photos[4]],
    ]
    await harness.emu.send_photo(chat, alice["id"], strip_of_pairs(pairs))
    await harness.reply(chat, predicate=lambda m: "8 faces" in text_of(m), timeout=60)

    people = await harness.services.faces.people(chat)
    assert sorted((p.face_count, p.photo_count) for p in people) == [(5, 2), (5, 2)]
    phone, strip = sorted(p.id for p in await harness.services.albums.page(chat, 0, 10))
    for person in people:
        faces = await harness.services.faces.faces_of_person(person.id)
        in_phone = [f for f in faces if f.photo_id == phone]
        in_strip = sorted((f for f in faces if f.photo_id == strip), key=lambda f: f.frame)
        starts_left = in_phone[0].box[0] < TILE
        # In the strip the pairs alternate sides frame by frame: A, B | B, A | A, B | B, A.
        expected = [starts_left, not starts_left, starts_left, not starts_left]
        assert [f.box[0] < 20 + 240 for f in in_strip] == expected, "each person holds one identity only"

    sheet = await _open_people(harness, chat, alice["id"])
    assert sheet.photo, "a contact sheet picture"
    assert "People · 2" in text_of(sheet)
    assert {f"pp:o:{p.id}" for p in people} <= set(_buttons(sheet))


async def test_rename_from_the_buttons_is_validated_escaped_and_credited(harness: Harness) -> None:
    alice, bob, group = _group(harness)
    who = await _send_pairs(harness, group["id"], alice["id"])
    person_a = (await _people_by_label(harness, group["id"], who))["A"]
    sheet = await _open_people(harness, group["id"], bob["id"])

    await harness.emu.press_button(group["id"], bob["id"], sheet.message_id, f"pp:o:{person_a}")
    card = await _edited(harness, group["id"], sheet.message_id, "4 photos · 4 faces")
    await harness.emu.press_button(group["id"], bob["id"], card.message_id, f"pp:n:{person_a}")
    prompt = await harness.reply(group["id"], predicate=lambda m: "Reply to this message" in text_of(m))
    assert prompt.reply_markup and prompt.reply_markup.get("force_reply") is True
    assert "Bob" in text_of(prompt)

    await harness.emu.send_text(group["id"], bob["id"], "x" * 40, reply_to_message_id=prompt.message_id)
    assert "1–32 characters" in text_of(await harness.reply(group["id"]))
    assert (await harness.services.faces.person(person_a)).name is None

    await harness.emu.send_text(group["id"], bob["id"], "  <b>지수</b>  ", reply_to_message_id=prompt.message_id)
    done = await harness.reply(group["id"], predicate=lambda m: "Now called" in text_of(m))
    assert "<b>지수</b>" in text_of(done) and "(by Bob)" in text_of(done), "shown literally, not as HTML"
    assert (await harness.services.faces.person(person_a)).name == "<b>지수</b>"
    await _edited(harness, group["id"], sheet.message_id, "<b>지수</b>")

    await harness.services.analyser.recluster(group["id"])
    person = await harness.services.faces.person(person_a)
    assert person is not None and person.name == "<b>지수</b>"
    assert {who[f.id] for f in await harness.services.faces.faces_of_person(person_a)} == {"A"}
    assert len(await harness.services.faces.faces_of_person(person_a)) == 4, "a named person keeps their faces"


async def test_merge_and_remove_from_the_buttons_survive_a_full_recluster(harness: Harness) -> None:
    alice, bob, group = _group(harness)
    who = await _send_pairs(harness, group["id"], alice["id"])
    labels = await _people_by_label(harness, group["id"], who)
    a, b = labels["A"], labels["B"]
    sheet = await _open_people(harness, group["id"], bob["id"])
    chat = group["id"]

    # A deliberate mistake: merge B into A …
    await harness.emu.press_button(chat, bob["id"], sheet.message_id, f"pp:o:{a}")
    await _edited(harness, chat, sheet.message_id, "4 faces")
    await harness.emu.press_button(chat, bob["id"], sheet.message_id, f"pp:m:{a}:0")
    picker = await _edited(harness, chat, sheet.message_id, "Who else is")
    assert f"pp:mw:{a}:{b}" in _buttons(picker)
    await harness.emu.press_button(chat, bob["id"], sheet.message_id, f"pp:mw:{a}:{b}")
    confirm = await _edited(harness, chat, sheet.message_id, "into one person?")
    await harness.emu.press_button(chat, bob["id"], confirm.message_id, f"pp:mc:{a}:{b}")
    merged = await _edited(harness, chat, sheet.message_id, "Merged")
    assert "(by Bob)" in text_of(merged) and "8 faces" in text_of(merged)
    assert await harness.services.faces.person(b) is None
    (only,) = await harness.services.faces.people(chat)
    assert only.id == a and only.face_count == 8

    await harness.services.analyser.recluster(chat)
    assert [p.face_count for p in await harness.services.faces.people(chat)] == [8], "a merge survives re-clustering"

    # … then undo it face by face with "remove a wrong face".
    await harness.emu.press_button(chat, bob["id"], sheet.message_id, f"pp:r:{a}:0")
    remover = await _edited(harness, chat, sheet.message_id, "Tap the number of a face")
    b_faces = [f.id for f in await harness.services.faces.faces_of_person(a) if who[f.id] == "B"]
    assert len(b_faces) == 4
    for face_id in b_faces:
        button = next(data for data in _buttons(remover) if data.startswith(f"pp:rf:{a}:{face_id}:"))
        before = len(harness.emu.message(chat, sheet.message_id).history)
        await harness.emu.press_button(chat, bob["id"], sheet.message_id, button)
        remover = await harness.emu.wait_for(
            lambda before=before: (m := harness.emu.message(chat, sheet.message_id)) and len(m.history) > before and m,
            timeout=30,
        )
        assert "Face removed" in text_of(remover) and "(by Bob)" in text_of(remover)
    assert {who[f.id] for f in await harness.services.faces.faces_of_person(a)} == {"A"}

    await harness.services.analyser.recluster_all()  # what the nightly job runs
    assert {who[f.id] for f in await harness.services.faces.faces_of_person(a)} == {"A"}, (
        "removed faces never go back to the person they were taken from"
    )
    assert len(await harness.services.faces.faces_of_person(a)) == 4
    b_people = {f.person_id for f in await harness.services.faces.chat_faces(chat) if f.id in b_faces}
    assert len(b_people) == 1 and None not in b_people and a not in b_people, "B is a person of their own again"


async def test_hide_unhide_and_a_persons_photos(harness: Harness) -> None:
    alice, _bob, group = _group(harness)
    chat = group["id"]
    who = await _send_pairs(harness, chat, alice["id"])
    labels = await _people_by_label(harness, chat, who)
    a = labels["A"]
    sheet = await _open_people(harness, chat, alice["id"])
    await harness.emu.press_button(chat, alice["id"], sheet.message_id, f"pp:o:{a}")
    await _edited(harness, chat, sheet.message_id, "4 faces")
    await harness.emu.press_button(chat, alice["id"], sheet.message_id, f"pp:h:{a}")
    await _edited(harness, chat, sheet.message_id, "Hidden")
    assert [p.id for p in await harness.services.faces.people(chat)] == [labels["B"]]

    fresh = await _open_people(harness, chat, alice["id"])
    assert f"pp:o:{a}" not in _buttons(fresh) and "pp:l:1:0" in _buttons(fresh), "hidden, with a way to see them"
    await harness.emu.press_button(chat, alice["id"], fresh.message_id, "pp:l:1:0")
    everyone = await _edited(harness, chat, fresh.message_id, "hidden ones too")
    assert f"pp:o:{a}" in _buttons(everyone)
    await harness.emu.press_button(chat, alice["id"], fresh.message_id, f"pp:o:{a}")
    await _edited(harness, chat, fresh.message_id, "(hidden)")
    await harness.emu.press_button(chat, alice["id"], fresh.message_id, f"pp:h:{a}")
    await _edited(harness, chat, fresh.message_id, "Visible again")
    assert len(await harness.services.faces.people(chat)) == 2

    await harness.emu.press_button(chat, alice["id"], fresh.message_id, f"pp:ph:{a}:0")
    nav = await harness.reply(chat, predicate=lambda m: "page 1/2 · 4 photos" in text_of(m), timeout=30)
    album = [m for m in harness.bot_messages(chat) if m.photo and m.message.get("media_group_id")]
    assert len(album) == 3 and nav.message_id > album[-1].message_id


async def test_a_stale_button_says_the_person_is_gone(harness: Harness) -> None:
    alice, _bob, group = _group(harness)
    chat = group["id"]
    who = await _send_pairs(harness, chat, alice["id"])
    labels = await _people_by_label(harness, chat, who)
    sheet = await _open_people(harness, chat, alice["id"])
    await harness.services.faces.merge(labels["A"], labels["B"])
    await harness.emu.press_button(chat, alice["id"], sheet.message_id, f"pp:o:{labels['B']}")
    await harness.emu.wait_for(
        lambda: any("no longer" in (a.get("text") or "") for a in harness.emu.callback_answers), timeout=30
    )
    await _edited(harness, chat, sheet.message_id, "People · 1")


async def test_people_is_empty_at_first(harness: Harness) -> None:
    user = harness.emu.create_user("Sam", language_code="ko")
    chat = harness.emu.create_chat("private", user=user)
    await harness.emu.send_text(chat["id"], user["id"], "/people")
    assert "사람 앨범이 비어" in text_of(await harness.reply(chat["id"]))
    (job,) = harness.app.job_queue.get_jobs_by_name("people:recluster")
    assert job.next_t is not None, "the nightly re-cluster is scheduled"


async def test_photos_a_restart_interrupted_are_analysed_on_start(tmp_path: Path, cpu_pool: CpuPool) -> None:
    """Saved, then the bot died before the analysis: the next start analyses and files it, nothing lost."""
    a_photos, b_photos = identity_photos(2, 4)
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    db = Database(f"sqlite+aiosqlite:///{data_dir / 'choosecheese.sqlite3'}")
    await db.migrate()
    albums = AlbumStore(db, LocalBlobStore(data_dir / "blobs"))
    await albums.remember(chat_id=-100, chat_type="group", chat_title="G", user_id=7, first_name="A")
    ids = [
        (await albums.save(-100, NewMedia(data=side_by_side(pair), mime="image/jpeg"))).photo.id
        for pair in zip(a_photos, b_photos, strict=True)
    ]
    await db.dispose()

    async with BotApiEmulator(token=TOKEN, privacy_mode=False) as emu:
        settings = emulator_settings(
            emu,
            data_dir,
            database_url=f"sqlite+aiosqlite:///{data_dir / 'choosecheese.sqlite3'}",
        )
        app = build_application(settings, cpu=cpu_pool)
        async with running_application(app):
            svc = Harness(emu, settings, app).services

            # Resume files each photo into people after marking it analysed: wait for all of it, not the first part.
            assert await asyncio.wait_for(svc.analyser.resumed(), timeout=300) == len(ids)
            assert await svc.faces.unanalysed_photos() == [], "every interrupted photo analysed after the restart"
            for photo_id in ids:
                assert len(await svc.faces.faces_of_photo(photo_id)) == 2
            people = await svc.faces.people(-100)
            assert sorted(p.photo_count for p in people) == [4, 4], "and filed into two people"
