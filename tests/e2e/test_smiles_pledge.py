"""A photo's smiles reach the ledger as soon as its analysis is filed, before anyone opens /donate."""

from __future__ import annotations

from sqlmodel import select

from pipeline.analysis import smile_points
from storage.models import Pledge
from tests.e2e.face_photos import group_photo
from tests.e2e.harness import Harness, text_of


async def test_an_analysed_photo_is_pledged_without_waiting_for_a_reconcile(harness: Harness) -> None:
    user = harness.emu.create_user("Sam", language_code="en")
    chat = harness.emu.create_chat("private", user=user)
    await harness.emu.send_text(chat["id"], user["id"], "/start")
    await harness.reply(chat["id"])
    await harness.services.ledger.set_rule(chat["id"], won_per_point=10, weekly_cap_won=None, by=user["id"])

    await harness.emu.send_photo(chat["id"], user["id"], group_photo())
    reply = await harness.reply(chat["id"], predicate=lambda m: bool(m.photo), timeout=60)
    assert "Smile points" in text_of(reply)

    (photo,) = await harness.services.albums.page(chat["id"], 0, 10)
    faces = await harness.services.faces.faces_of_photo(photo.id)
    async with harness.services.db.session() as session:
        pledges = (await session.exec(select(Pledge).where(Pledge.chat_id == chat["id"]))).all()
    assert [(p.photo_id, p.sender_id, p.points) for p in pledges] == [
        (photo.id, user["id"], sum(smile_points(face.smile) for face in faces))
    ]
    assert pledges[0].points > 0
