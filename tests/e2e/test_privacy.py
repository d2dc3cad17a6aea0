"""/privacy explains; /forget (admins, after a confirm button) erases photos, faces and people down to the files."""

from __future__ import annotations

import numpy as np

from storage.faces import FaceStore, NewFace, NewPerson
from tests.e2e.harness import Harness, noisy_jpeg, text_of


async def test_privacy_says_what_is_stored_and_where(harness: Harness) -> None:
    user = harness.emu.create_user("Sam", language_code="en")
    chat = harness.emu.create_chat("private", user=user)
    await harness.emu.send_text(chat["id"], user["id"], "/privacy")
    reply = text_of(await harness.reply(chat["id"]))
    assert "only on the server" in reply and "/forget" in reply and "Nothing" in reply


async def test_forget_erases_everything_after_confirmation_and_only_for_admins(harness: Harness) -> None:
    emu = harness.emu
    admin, member = emu.create_user("Admin", language_code="en"), emu.create_user("Member", language_code="en")
    group = emu.create_chat("group", title="Friends")
    emu.add_member(group["id"], admin["id"], status="creator")
    emu.add_member(group["id"], member["id"])
    other_user = emu.create_user("Other", language_code="en")
    other = emu.create_chat("private", user=other_user)
    shared = noisy_jpeg(300)
    for seed in (301, 302):
        await emu.send_photo(group["id"], member["id"], noisy_jpeg(seed))
        await harness.reply(group["id"], predicate=lambda m: "Saved" in text_of(m))
    await emu.send_document(group["id"], member["id"], shared, "shared.jpg", "image/jpeg")
    await harness.reply(group["id"], predicate=lambda m: "Saved" in text_of(m))
    await emu.send_document(other["id"], other_user["id"], shared, "shared.jpg", "image/jpeg")
    await harness.reply(other["id"], predicate=lambda m: "Saved" in text_of(m))

    faces = FaceStore(harness.services.db)
    photos = await harness.services.albums.page(group["id"], 0, 10)
    token = NewPerson()
    face_ids = []
    for photo in photos:
        face_ids += await faces.record_analysis(
            photo.id, [NewFace(0, (1, 1, 50, 50), 0.9, 70.0, np.ones(128, np.float32))]
        )
    await faces.assign(group["id"], dict.fromkeys(face_ids, token))
    assert len(await faces.people(group["id"])) == 1
    assert len(harness.stored_files()) == 3

    await emu.send_text(group["id"], member["id"], "/forget")
    assert "admins" in text_of(await harness.reply(group["id"]))
    await emu.send_text(group["id"], admin["id"], "/forget")
    prompt = await harness.reply(group["id"], predicate=lambda m: "Really erase" in text_of(m))
    assert "3 photos" in text_of(prompt)
    await emu.press_button(group["id"], member["id"], prompt.message_id, "forget:yes")
    await emu.wait_for(lambda: any(a.get("show_alert") for a in emu.callback_answers))
    assert await harness.album_count(group["id"]) == 3, "a member's press does nothing"

    await emu.press_button(group["id"], admin["id"], prompt.message_id, "forget:yes")
    done = await emu.wait_for(lambda: "Erased" in text_of(emu.message(group["id"], prompt.message_id)) or None)
    assert done
    assert "3 photos, 3 faces, 1 people, 2 files" in text_of(emu.message(group["id"], prompt.message_id))
    assert await harness.album_count(group["id"]) == 0
    assert await faces.chat_faces(group["id"]) == [] and await faces.people(group["id"]) == []
    assert len(harness.stored_files()) == 1, "the file the other chat also has stays for it"
    assert await harness.album_count(other["id"]) == 1


async def test_forget_can_be_cancelled(harness: Harness) -> None:
    user = harness.emu.create_user("Sam", language_code="en")
    chat = harness.emu.create_chat("private", user=user)
    await harness.emu.send_photo(chat["id"], user["id"], noisy_jpeg(310))
    await harness.reply(chat["id"], predicate=lambda m: "Saved" in text_of(m))
    await harness.emu.send_text(chat["id"], user["id"], "/forget")
    prompt = await harness.reply(chat["id"], predicate=lambda m: "Really erase" in text_of(m))
    await harness.emu.press_button(chat["id"], user["id"], prompt.message_id, "forget:no")
    await harness.emu.wait_for(
        lambda: "Cancelled" in text_of(harness.emu.message(chat["id"], prompt.message_id)) or None
    )
    assert await harness.album_count(chat["id"]) == 1
