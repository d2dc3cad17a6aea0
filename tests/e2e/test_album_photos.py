"""An album photo on its own: date and booth in its captions, the original file as a document, its making-of clip,
deleting it (sender or admin, after a confirm step, with its faces, people and open-week pledge), and finding
people by name with /people and /album."""

from __future__ import annotations

import asyncio
import hashlib
from datetime import date

import numpy as np
import pytest
from sqlalchemy import delete, update
from sqlmodel import col, select

from handlers import callbacks
from storage.albums import NewMedia
from storage.faces import FaceStore, NewFace, NewPerson
from storage.models import Face, MediaKind, Person, Photo, Pledge, PledgeStatus, Pose
from tests.e2e.harness import Harness, noisy_jpeg, text_of
from tests.e2e.test_booth_big_video import mp4_of_size

MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


async def _answer(harness: Harness, query_id: str) -> dict:
    emu = harness.emu
    return await emu.wait_for(
        lambda: next((a for a in emu.callback_answers if a["callback_query_id"] == query_id), None)
    )


async def _open_album(harness: Harness, chat_id: int, user_id: int, command: str = "/album"):
    await harness.emu.send_text(chat_id, user_id, command)
    return await harness.reply(chat_id, predicate=lambda m: "Album page" in text_of(m) and not m.deleted)


async def _open_photo(harness: Harness, chat_id: int, user_id: int, nav_id: int, number: int):
    emu = harness.emu
    data = [d for d in emu.message(chat_id, nav_id).button_callback_data() if d.startswith("album:o:")][number - 1]
    before = {m.message_id for m in emu.bot_messages(chat_id)}
    await emu.press_button(chat_id, user_id, nav_id, data)
    return await harness.reply(
        chat_id, predicate=lambda m: m.message_id not in before and "📅" in text_of(m) and m.photo is not None
    )


async def _smiling_photo(harness: Harness, chat_id: int, user_id: int, seed: int) -> int:
    """A photo filed in the chat (newest) whose analysis is one known face (smile 80), as the harness helper does."""
    svc = harness.services
    count = await harness.album_count(chat_id)
    await harness.emu.send_photo(chat_id, user_id, noisy_jpeg(seed, size=(160, 120)))
    for _ in range(300):
        if await harness.album_count(chat_id) > count:
            break
        await asyncio.sleep(0.05)
    (photo,) = await svc.albums.page(chat_id, 0, 1)
    assert photo.id is not None
    for _ in range(300):  # the answer comes after the analysis: wait for it, then replace the faces
        if (await svc.albums.get(photo.id)).analysed_at is not None:
            break
        await asyncio.sleep(0.05)
    async with svc.db.session() as session:
        await session.exec(delete(Face).where(col(Face.photo_id) == photo.id))
        await session.exec(update(Photo).where(col(Photo.id) == photo.id).values(analysed_at=None))
    await FaceStore(svc.db).record_analysis(
        photo.id, [NewFace(0, (10, 10, 50, 50), 0.9, 80.0, np.ones(128, np.float32))]
    )
    return photo.id


async def _person_with_face(harness: Harness, chat_id: int, photo_id: int, name: str | None) -> int:
    svc = harness.services
    (face,) = await svc.faces.faces_of_photo(photo_id)
    (person_id,) = {p for p in (await svc.faces.assign(chat_id, {face.id: NewPerson()})).values() if p is not None}
    if name:
        await svc.faces.rename(person_id, name)
    return person_id


async def test_captions_date_and_booth_and_the_original_file(harness: Harness) -> None:
    emu = harness.emu
    user = emu.create_user("Sam", language_code="en")
    chat = emu.create_chat("private", user=user)
    cid = chat["id"]
    upload = noisy_jpeg(300, size=(320, 240))
    await emu.send_photo(cid, user["id"], upload)
    await harness.reply(cid, predicate=lambda m: "1 in total" in text_of(m))
    booth = await harness.services.albums.save(
        cid,
        NewMedia(
            noisy_jpeg(301, size=(300, 450)),
            "image/jpeg",
            300,
            450,
            sender_id=user["id"],
            source="qr",
            brand="life4cut",
        ),
    )
    clip = mp4_of_size(40_000, 7)
    await harness.services.albums.save(
        cid, NewMedia(clip, "video/mp4", kind=MediaKind.video, source="qr", parent_id=booth.photo.id)
    )

    nav = await _open_album(harness, cid, user["id"])
    captions = [m.caption or "" for m in harness.bot_messages(cid) if m.photo and m.caption]
    year = str(date.today().year)
    assert any(c.startswith("1 · ") and "Life4Cuts" in c and year in c for c in captions), captions
    assert any(c.startswith("2 · ") and "Life4Cuts" not in c and year in c for c in captions), captions
    assert any(month in c for c in captions for month in MONTHS)
    assert [d for d in nav.button_callback_data() if d.startswith("album:o:")] == [
        f"album:o:{booth.photo.id}",
        f"album:o:{(await harness.services.albums.page(cid, 1, 1))[0].id}",
    ]

    # The booth photo: its view names the booth and offers the original and the making-of clip.
    view = await _open_photo(harness, cid, user["id"], nav.message_id, 1)
    assert "Life4Cuts" in text_of(view) and "Sam" in text_of(view)
    buttons = view.button_callback_data()
    assert f"album:f:{booth.photo.id}" in buttons and f"album:v:{booth.photo.id}" in buttons
    await emu.press_button(cid, user["id"], view.message_id, f"album:v:{booth.photo.id}")
    video = await harness.reply(cid, predicate=lambda m: m.message.get("video") is not None)
    assert emu.file_bytes(video.message["video"]["file_id"]) == clip
    assert video.message["reply_to_message"]["message_id"] == view.message_id

    # The member's own upload: no clip button; the original comes back byte for byte as a document.
    nav = await _open_album(harness, cid, user["id"])
    view = await _open_photo(harness, cid, user["id"], nav.message_id, 2)
    (upload_id,) = [d.split(":")[2] for d in view.button_callback_data() if d.startswith("album:f:")]
    assert not [d for d in view.button_callback_data() if d.startswith("album:v:")]
    await emu.press_button(cid, user["id"], view.message_id, f"album:f:{upload_id}")
    document = await harness.reply(cid, predicate=lambda m: m.message.get("document") is not None)
    sent = emu.file_bytes(document.message["document"]["file_id"])
    stored = harness.services.albums.read(await harness.services.albums.get(int(upload_id)))
    assert hashlib.sha256(sent).digest() == hashlib.sha256(stored).digest()
    assert document.message["document"]["file_name"].endswith(".jpg")
    assert "Original" in text_of(document)


async def test_korean_captions_use_korean_dates(harness: Harness) -> None:
    emu = harness.emu
    user = emu.create_user("민지", language_code="ko")
    chat = emu.create_chat("private", user=user)
    await emu.send_photo(chat["id"], user["id"], noisy_jpeg(310, size=(320, 240)))
    await harness.reply(chat["id"], predicate=lambda m: "1장" in text_of(m))
    await emu.send_text(chat["id"], user["id"], "/album")
    await harness.reply(chat["id"], predicate=lambda m: "앨범" in text_of(m) and "쪽" in text_of(m))
    (caption,) = [m.caption for m in harness.bot_messages(chat["id"]) if m.photo and m.caption]
    assert caption.startswith("1 · ") and "월" in caption and "일" in caption, caption


async def _group_with_smiling_photo(harness: Harness):
    emu = harness.emu
    admin, sender, other = (emu.create_user(n, language_code="en") for n in ("Ada", "Bo", "Cy"))
    group = emu.create_chat("group", title="Booth friends", user=admin)
    gid = group["id"]
    emu.add_member(gid, sender["id"])
    emu.add_member(gid, other["id"])
    return admin, sender, other, gid


async def test_delete_a_photo_with_everything_derived_from_it(harness: Harness) -> None:
    emu, svc = harness.emu, harness.services
    admin, sender, other, gid = await _group_with_smiling_photo(harness)
    await emu.send_text(gid, admin["id"], "/donate rule 10")
    await harness.reply(gid, lambda m: "per smile point" in text_of(m))
    kept = await _smiling_photo(harness, gid, admin["id"], 320)
    gone = await _smiling_photo(harness, gid, sender["id"], 321)
    solo = await _person_with_face(harness, gid, gone, "Solo")
    await _person_with_face(harness, gid, kept, "Stays")
    assert await svc.ledger.pledge_for_photo(gone) and await svc.ledger.pledge_for_photo(kept)

    nav = await _open_album(harness, gid, other["id"])
    view = await _open_photo(harness, gid, other["id"], nav.message_id, 1)  # newest first: Bo's photo
    assert "Bo" in text_of(view)

    # Cy sent nothing and is no admin: one alert, the view stays, the photo stays.
    query = await emu.press_button(gid, other["id"], view.message_id, f"album:d:{gone}")
    answer = await _answer(harness, query)
    assert answer["show_alert"] and "Only the member who sent" in answer["text"]
    assert await svc.albums.get(gone) is not None
    assert "📅" in text_of(emu.message(gid, view.message_id))

    # Bo, the sender: asked first; "Keep it" brings the view back.
    await emu.press_button(gid, sender["id"], view.message_id, f"album:d:{gone}")
    await emu.wait_for(lambda: "for good" in text_of(emu.message(gid, view.message_id)) or None)
    assert "1 face" in text_of(emu.message(gid, view.message_id))
    await emu.press_button(gid, sender["id"], view.message_id, f"album:dn:{gone}")
    await emu.wait_for(lambda: "📅" in text_of(emu.message(gid, view.message_id)) or None)
    assert await svc.albums.get(gone) is not None

    # Cy cannot confirm either, even with the confirm button's data.
    await emu.press_button(gid, sender["id"], view.message_id, f"album:d:{gone}")
    await emu.wait_for(lambda: "for good" in text_of(emu.message(gid, view.message_id)) or None)
    query = await emu.press_button(gid, other["id"], view.message_id, f"album:dy:{gone}")
    assert (await _answer(harness, query))["show_alert"]
    assert await svc.albums.get(gone) is not None

    await emu.press_button(gid, sender["id"], view.message_id, f"album:dy:{gone}")
    done = await harness.reply(gid, predicate=lambda m: "deleted a photo" in text_of(m))
    assert "Bo deleted" in text_of(done) and "1 person had no other photo" in text_of(done)
    assert emu.message(gid, view.message_id).deleted
    assert await svc.albums.get(gone) is None
    async with svc.db.session() as session:
        assert not (await session.exec(select(Face).where(col(Face.photo_id) == gone))).all()
        assert not (await session.exec(select(Pose).where(col(Pose.photo_id) == gone))).all()
        assert await session.get(Person, solo) is None
        names = (await session.exec(select(Person.name).where(col(Person.chat_id) == gid))).all()
        assert names == ["Stays"]
        pledges = (await session.exec(select(Pledge).where(col(Pledge.chat_id) == gid))).all()
    statuses = sorted((p.photo_id is None, p.status) for p in pledges)
    assert statuses == [(False, PledgeStatus.active), (True, PledgeStatus.void)]
    assert await harness.album_count(gid) == 1


async def test_an_admin_may_delete_and_a_donated_week_keeps_its_figures(harness: Harness) -> None:
    emu, svc = harness.emu, harness.services
    admin, sender, _other, gid = await _group_with_smiling_photo(harness)
    await emu.send_text(gid, admin["id"], "/donate rule 10")
    await harness.reply(gid, lambda m: "per smile point" in text_of(m))
    photo = await _smiling_photo(harness, gid, sender["id"], 330)
    assert await svc.ledger.pledge_for_photo(photo)
    await svc.ledger.set_charity(gid, svc.ledger.shipped[0].key, admin["id"])
    donations = await svc.ledger.donations(gid)
    (week,) = donations.weeks
    closing = await svc.ledger.close_week(gid, week.week, admin["id"], lambda charity: charity.key)
    assert closing.week is not None
    donated = closing.week.total_won

    nav = await _open_album(harness, gid, admin["id"])
    view = await _open_photo(harness, gid, admin["id"], nav.message_id, 1)
    await emu.press_button(gid, admin["id"], view.message_id, f"album:d:{photo}")
    await emu.wait_for(lambda: "for good" in text_of(emu.message(gid, view.message_id)) or None)
    await emu.press_button(gid, admin["id"], view.message_id, f"album:dy:{photo}")
    await harness.reply(gid, predicate=lambda m: "Ada deleted a photo" in text_of(m))
    assert await svc.albums.get(photo) is None
    after = (await svc.ledger.donations(gid)).week(week.week)
    assert after.closed is not None and after.closed.total_won == donated and after.won == donated
    async with svc.db.session() as session:
        (pledge,) = (await session.exec(select(Pledge).where(col(Pledge.chat_id) == gid))).all()
    assert pledge.status == PledgeStatus.active and pledge.amount_won == donated


@pytest.mark.parametrize("door", ["checked", "open"])
async def test_forged_callback_data_from_another_chat_deletes_nothing(
    harness: Harness, door: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Refused at the door (data on no button of the pressed message) and, with that check off, by the album
    handlers' own check that the photo is this chat's."""
    if door == "open":
        monkeypatch.setattr(callbacks, "on_its_message", lambda _query: True)
    refusal = "out of date" if door == "checked" else "no longer in this chat's album"
    emu, svc = harness.emu, harness.services
    victim = emu.create_user("Vi", language_code="en")
    victim_chat = emu.create_chat("private", user=victim)
    await emu.send_photo(victim_chat["id"], victim["id"], noisy_jpeg(340, size=(320, 240)))
    await harness.reply(victim_chat["id"], predicate=lambda m: "1 in total" in text_of(m))
    (target,) = await svc.albums.page(victim_chat["id"], 0, 5)

    mallory = emu.create_user("Mal", language_code="en")
    own = emu.create_chat("private", user=mallory)
    await emu.send_photo(own["id"], mallory["id"], noisy_jpeg(341, size=(320, 240)))
    await harness.reply(own["id"], predicate=lambda m: "1 in total" in text_of(m))
    nav = await _open_album(harness, own["id"], mallory["id"])
    view = await _open_photo(harness, own["id"], mallory["id"], nav.message_id, 1)
    # Mallory is the admin of her own private chat; the ids she sends name the victim's photo.
    for action in ("d", "dy", "f", "v", "o", "dn"):
        query = await emu.forge_callback(own["id"], mallory["id"], view.message_id, f"album:{action}:{target.id}")
        answer = await _answer(harness, query)
        assert answer["show_alert"] and refusal in answer["text"], action
    await asyncio.sleep(0.3)
    assert await svc.albums.get(saved_id := target.id or 0) is not None, saved_id
    assert not [m for m in harness.bot_messages(own["id"]) if m.message.get("document") or "deleted" in text_of(m)]


async def test_people_are_found_by_name(harness: Harness) -> None:
    emu = harness.emu
    user = emu.create_user("Sam", language_code="en")
    chat = emu.create_chat("private", user=user)
    cid = chat["id"]
    minji = await _smiling_photo(harness, cid, user["id"], 350)
    await _person_with_face(harness, cid, minji, "김민지")
    jay = await _smiling_photo(harness, cid, user["id"], 351)
    await _person_with_face(harness, cid, jay, "Jay Park")

    await emu.send_text(cid, user["id"], "/people jay park")
    card = await harness.reply(cid, predicate=lambda m: "Jay Park" in text_of(m) and m.photo is not None)
    assert any(d.startswith("pp:ph:") for d in card.button_callback_data())
    await emu.send_text(cid, user["id"], "/people 민지")
    await harness.reply(cid, predicate=lambda m: "김민지" in text_of(m) and m.photo is not None)
    await emu.send_text(cid, user["id"], "/people nobody")
    none = await harness.reply(cid, predicate=lambda m: "No one here is called" in text_of(m))
    assert "김민지" in text_of(none) and "Jay Park" in text_of(none)

    await emu.send_text(cid, user["id"], "/album JAY")
    page = await harness.reply(cid, predicate=lambda m: "Jay Park" in text_of(m) and "1/1" in text_of(m))
    assert [d for d in page.button_callback_data() if d.startswith("album:o:")] == [f"album:o:{jay}"]
    await emu.send_text(cid, user["id"], "/album 민지")
    page = await harness.reply(cid, predicate=lambda m: "김민지" in text_of(m) and "1/1" in text_of(m))
    assert [d for d in page.button_callback_data() if d.startswith("album:o:")] == [f"album:o:{minji}"]
    await emu.send_text(cid, user["id"], "/album zebra")
    unknown = await harness.reply(cid, predicate=lambda m: "zebra" in text_of(m))
    assert "pose" in text_of(unknown) and "No one here is called" in text_of(unknown)
