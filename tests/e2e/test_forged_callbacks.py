"""Callback data is user input: a modified client can send any data with a press. Every button action, forged with
another chat's ids (its people, photos, faces, members), leaves that chat untouched, shows nothing of it, is
answered, and reaches no error handler: refused at the door (data on no button of the message), and, with that
check switched off, by each handler's own checks."""

from __future__ import annotations

import importlib
import io
import pkgutil
from typing import Any

import numpy as np
import pytest
from PIL import Image
from sqlmodel import select

import handlers
from handlers import callbacks
from handlers.callbacks import Action
from handlers.errors import is_benign
from pipeline.pictures import THUMBNAIL, face_thumbnails
from pipeline.rate_limits import Limits, WindowLimit
from storage.faces import NewPerson
from storage.models import (
    ChatAnswers,
    ChatSchedule,
    DonationRule,
    DonationWeek,
    Face,
    FaceExclusion,
    FaceOptOut,
    Person,
    Photo,
    Pledge,
)
from tests.e2e.harness import Harness, jpeg_bytes, text_of


def all_actions() -> list[Action]:
    """Every button action the bot declares, found in the handler modules."""
    found: dict[tuple[str, str, int], Action] = {}
    for info in pkgutil.iter_modules(handlers.__path__):
        module = importlib.import_module(f"handlers.{info.name}")
        for value in vars(module).values():
            if isinstance(value, Action):
                found[(value.feature, value.name, len(value.fields))] = value
    return sorted(found.values(), key=lambda action: (action.feature, action.name, len(action.fields)))


def forged_data(action: Action, ids: list[int], own_id: int) -> list[str]:
    """The action's data with each of another chat's ids in every int field (or the presser's own id in the first,
    where /myface buttons name their member), and odd words in its text fields."""
    variants = []
    for number in ids:
        for first in (number, own_id):
            for word in ("x", "20261130"):
                numbers = iter([first] + [number] * len(action.fields))
                values = [str(next(numbers)) if field is int else word for field in action.fields]
                variants.append(":".join([action.feature, action.name, *values]))
    return sorted({text for text in variants if len(text.encode()) <= 64})


async def _add_face(harness: Harness, photo: Photo, x: int) -> int:
    async with harness.services.db.session() as session:
        face = Face(
            chat_id=photo.chat_id,
            photo_id=photo.id,
            x=x,
            y=20,
            w=60,
            h=60,
            detection_score=0.9,
            smile=70.0,
            embedding=np.full(128, x, np.float32).tobytes(),
        )
        session.add(face)
        await session.flush()
        assert face.id is not None
        return face.id


async def _group_with_people(
    harness: Harness, title: str, color: str, admin: dict, name: str
) -> tuple[dict, list[int]]:
    """A group whose album has one photo (all `color`) with two faces in two people; returns its ids."""
    group = harness.emu.create_chat("group", title=title)
    harness.emu.add_member(group["id"], admin["id"], status="creator")
    await harness.emu.send_photo(group["id"], admin["id"], jpeg_bytes(color, (320, 240)))
    await harness.reply(group["id"], lambda m: "Saved" in text_of(m))
    (photo,) = await harness.services.albums.page(group["id"], 0, 5)
    faces = [await _add_face(harness, photo, x) for x in (20, 160)]
    people = await harness.services.faces.assign(group["id"], {faces[0]: NewPerson(), faces[1]: NewPerson()})
    person_ids = [person for person in people.values() if person is not None]
    await harness.services.faces.rename(person_ids[0], name)
    assert photo.id is not None
    return group, [*person_ids, photo.id, *faces]


async def _snapshot(harness: Harness, chat_id: int) -> dict[str, Any]:
    async with harness.services.db.session() as session:
        people = (await session.exec(select(Person).where(Person.chat_id == chat_id).order_by(Person.id))).all()
        faces = (await session.exec(select(Face).where(Face.chat_id == chat_id).order_by(Face.id))).all()
        photos = (await session.exec(select(Photo).where(Photo.chat_id == chat_id).order_by(Photo.id))).all()
        exclusions = (await session.exec(select(FaceExclusion))).all()
        opt_outs = (await session.exec(select(FaceOptOut))).all()
        settings = (await session.get(ChatSchedule, chat_id), await session.get(ChatAnswers, chat_id))
        rule = await session.get(DonationRule, chat_id)
        pledges = (await session.exec(select(Pledge).where(Pledge.chat_id == chat_id))).all()
        weeks = (await session.exec(select(DonationWeek).where(DonationWeek.chat_id == chat_id))).all()
    return {
        "people": [(p.id, p.name, p.hidden, p.claimed_by) for p in people],
        "faces": [(f.id, f.person_id, f.manual) for f in faces],
        "photos": [(p.id, p.sha256) for p in photos],
        "exclusions": len(exclusions),
        "opt_outs": len(opt_outs),
        "settings": repr(settings),
        "ledger": repr((rule, pledges, weeks)),
        "bot_messages": len(harness.bot_messages(chat_id)),
    }


def _answered(emu: Any, query_id: str) -> bool | None:
    return any(answer["callback_query_id"] == query_id for answer in emu.callback_answers) or None


class _InstantPictures:
    """The pictures' pool drawing nothing (a tiny grey JPEG, blank face crops): a forged press per few
    milliseconds would otherwise queue minutes of sheets; what is checked here is which data is touched."""

    async def run(self, fn: Any, *args: Any, **kwargs: Any) -> Any:
        if fn is face_thumbnails:
            return [np.zeros((THUMBNAIL, THUMBNAIL, 3), np.uint8) for _ in args[0]]
        return jpeg_bytes("grey", (64, 48))


def _mostly_red(data: bytes) -> bool:
    rgb = np.asarray(Image.open(io.BytesIO(data)).convert("RGB"), dtype=np.float32)
    red, green, blue = rgb[..., 0].mean(), rgb[..., 1].mean(), rgb[..., 2].mean()
    return bool(red > 150 and green < 90 and blue < 90)


# Hundreds of presses, each drawing a message in chat B when the door is open: at Telegram's 20 messages a minute per
# group the replies still queued after the last assertion kept the teardown (app.stop() awaits every handler) busy
# for five minutes. The emulator does not limit groups, so the bot under test need not either.
UNLIMITED_GROUPS = {"group_messages_per_minute": 100_000}


@pytest.mark.parametrize("harness", [UNLIMITED_GROUPS], indirect=True)
@pytest.mark.parametrize("door", ["checked", "open"])
async def test_forged_callbacks_cannot_touch_another_chats_people_photos_or_ledger(
    harness: Harness, door: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    if door == "open":  # every forged press reaches its handler, as if it had been on a button
        monkeypatch.setattr(callbacks, "on_its_message", lambda _query: True)
    emu = harness.emu
    errors: list[object] = []

    async def record(_update: object, context: Any) -> None:
        if not is_benign(context.error):  # a message deleted by one forged press while another edits it
            errors.append(context.error)

    harness.app.add_error_handler(record)
    harness.app.bot_data.limits = Limits(pictures=WindowLimit(10_000, 60), chat_pictures=WindowLimit(10_000, 60))
    harness.services.pictures = _InstantPictures()  # type: ignore[assignment]
    owner_a, owner_b = emu.create_user("Ann", language_code="en"), emu.create_user("Ben", language_code="en")
    forger = emu.create_user("Mallory", language_code="en")
    chat_a, a_ids = await _group_with_people(harness, "A", "red", owner_a, "Alice")
    chat_b, _ = await _group_with_people(harness, "B", "blue", owner_b, "Bella")
    emu.add_member(chat_b["id"], forger["id"])
    await harness.services.schedules.active_plans()  # the weekly-post job's default rows, made now rather than midway
    before = await _snapshot(harness, chat_a["id"])

    async def anchor() -> int:
        """A bot message with buttons in chat B to press on (a /people sheet); a new one when one went away. Asked
        for by B's owner: the forger may be in the middle of naming someone (a forged "name" press asks them)."""
        await emu.send_text(chat_b["id"], owner_b["id"], "/people")
        sheet = await harness.reply(chat_b["id"], lambda m: bool(m.photo and m.button_callback_data()), timeout=60)
        return sheet.message_id

    message_id = await anchor()
    pressed = 0
    unanswered: list[str] = []
    for action in all_actions():
        for data in forged_data(action, [*a_ids, owner_a["id"]], forger["id"]):
            if emu.message(chat_b["id"], message_id).deleted:
                message_id = await anchor()
            query_id = await emu.forge_callback(chat_b["id"], forger["id"], message_id, data)
            pressed += 1
            try:
                await emu.wait_for(lambda q=query_id: _answered(emu, q), timeout=30)
            except TimeoutError:
                unanswered.append(data)
    await harness.settled()  # handlers that answer first and then redraw

    assert pressed > 100
    assert errors == [], f"forged data reached the error handler: {errors!r}"
    assert unanswered == [], "every forged press is answered (no endless spinner)"
    assert await _snapshot(harness, chat_a["id"]) == before, "chat A's people, photos, ledger and settings untouched"
    if door == "checked":
        stale = [a for a in emu.callback_answers if a["text"] and "out of date" in a["text"]]
        assert len(stale) == pressed, "every forged press is refused as an out-of-date button"
    for message in harness.bot_messages(chat_b["id"]):
        if message.photo:
            assert not _mostly_red(emu.file_bytes(message.photo[-1]["file_id"])), "chat A's photo shown in chat B"
    assert not any("Alice" in text_of(m) for m in harness.bot_messages(chat_b["id"])), "A's names stay in A"
