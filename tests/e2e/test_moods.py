"""Moods end to end: a photo's answer names the poses per cut and the strip's mood; the OpenAI step only after an
admin opts in (/settings) on a server with a key, /privacy saying what leaves and to whom; /forget erases moods.
The pose models are replaced at the analysis seam (tests/pipeline/fake_poses.py); OpenAI by a local aiohttp fake."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from sqlmodel import col, func, select

from storage.models import CutMood, Pose
from tests.e2e.face_photos import identity_photos, strip_of_pairs
from tests.e2e.harness import Harness, text_of
from tests.pipeline.fake_openai import FakeOpenAI, free_port
from tests.pipeline.fake_poses import hearts, unsure_v_sign

FAKE_PORT = free_port()
WITH_OPENAI = {
    "openai_api_key": "sk-e2e",
    "openai_base_url": f"http://127.0.0.1:{FAKE_PORT}/v1",
    "openai_model": "gpt-e2e",
    "openai_timeout_s": 5.0,
}


@pytest.fixture
async def fake_openai_on_port() -> AsyncIterator[FakeOpenAI]:
    fake = FakeOpenAI(port=FAKE_PORT)
    await fake.start()
    yield fake
    await fake.stop()


async def _rows(harness: Harness, table: type[CutMood] | type[Pose], chat_id: int, source: str | None = None) -> int:
    async with harness.services.db.session() as session:
        query = select(func.count()).select_from(table).where(col(table.chat_id) == chat_id)
        if source is not None:
            query = query.where(col(table.source) == source)
        return int((await session.exec(query)).one())


def _strip() -> bytes:
    [a], [b], [c] = identity_photos(3, 1)
    return strip_of_pairs([[a, b], [c, a], [b, c], [a, b]])


async def test_the_answer_names_the_poses_per_cut_and_the_mood_and_nothing_leaves_without_a_key(
    harness: Harness,
) -> None:
    harness.services.analyser.recognise = hearts
    assert harness.services.analyser.refiner is None, "no key: no OpenAI step at all"
    emu = harness.emu
    user = emu.create_user("Sam", language_code="en")
    chat = emu.create_chat("private", user=user)
    await emu.send_photo(chat["id"], user["id"], _strip())
    answer = text_of(await harness.reply(chat["id"], predicate=lambda m: "Cut 1" in text_of(m)))
    assert "Cut 1: Finger heart 🫰 · Joint heart 💞" in answer and "Cut 4: Finger heart 🫰 · Joint heart 💞" in answer
    assert "\nMood: Lovely 💗" in answer, "hearts all along the strip"
    assert await _rows(harness, CutMood, chat["id"]) == 4 * 7 == await _rows(harness, CutMood, chat["id"], "device")

    await emu.send_text(chat["id"], user["id"], "/privacy")
    privacy = text_of(await harness.reply(chat["id"], predicate=lambda m: "Privacy" in text_of(m)))
    assert "Nothing else: faces, smiles, poses and moods are analysed on this server" in privacy
    assert "OpenAI" not in privacy
    await emu.send_text(chat["id"], user["id"], "/settings")
    settings = await harness.reply(chat["id"], predicate=lambda m: "Settings" in text_of(m) or "settings" in text_of(m))
    assert "OpenAI" not in text_of(settings) and "set:ai1" not in settings.button_callback_data()

    await emu.send_text(chat["id"], user["id"], "/forget")
    prompt = await harness.reply(chat["id"], predicate=lambda m: "Really erase" in text_of(m))
    await emu.press_button(chat["id"], user["id"], prompt.message_id, "forget:yes")
    await emu.wait_for(lambda: "Erased" in text_of(emu.message(chat["id"], prompt.message_id)) or None)
    assert await _rows(harness, CutMood, chat["id"]) == 0


@pytest.mark.parametrize("harness", [WITH_OPENAI], indirect=True)
async def test_openai_is_asked_only_after_an_admin_opts_in_and_privacy_says_so(
    harness: Harness, fake_openai_on_port: FakeOpenAI
) -> None:
    fake = fake_openai_on_port
    fake.answer = {"cuts": [{"cut": 2, "poses": [{"pose": "arms_over_shoulders", "people": [1, 2]}], "mood": "warm"}]}
    harness.services.analyser.recognise = unsure_v_sign
    emu = harness.emu
    admin, member = emu.create_user("Admin", language_code="en"), emu.create_user("Member", language_code="en")
    group = emu.create_chat("group", title="Booth")
    emu.add_member(group["id"], admin["id"], status="creator")
    emu.add_member(group["id"], member["id"])

    await emu.send_text(group["id"], member["id"], "/privacy")
    before = text_of(await harness.reply(group["id"], predicate=lambda m: "Privacy" in text_of(m)))
    assert "OpenAI (127.0.0.1)" in before and "It is off here, so nothing of this chat goes there" in before
    await emu.send_photo(group["id"], member["id"], _strip())
    first = text_of(await harness.reply(group["id"], predicate=lambda m: "Cut 1" in text_of(m)))
    assert "Mood:" in first and "Arms over" not in first
    assert fake.requests == [], "not opted in: nothing was sent"

    await emu.send_text(group["id"], member["id"], "/settings")
    shown = await harness.reply(group["id"], predicate=lambda m: "OpenAI" in text_of(m))
    assert "set:ai1" not in shown.button_callback_data(), "members see no switch"
    await emu.send_text(group["id"], admin["id"], "/settings")
    panel = await harness.reply(group["id"], predicate=lambda m: "set:ai1" in m.button_callback_data())
    assert "second opinion on poses and mood: off" in text_of(panel)
    query = await emu.press_button(group["id"], member["id"], panel.message_id, "set:ai1")
    refusal = await emu.wait_for(
        lambda: next((a for a in emu.callback_answers if a["callback_query_id"] == query), None)
    )
    assert refusal["show_alert"] and "admins" in refusal["text"].lower()
    assert fake.requests == [] and not await harness.services.refinements.openai_on(group["id"])
    await emu.press_button(group["id"], admin["id"], panel.message_id, "set:ai1")
    await emu.wait_for(lambda: ": on" in text_of(emu.message(group["id"], panel.message_id)) or None)

    await emu.send_text(group["id"], member["id"], "/privacy")
    after = text_of(await harness.reply(group["id"], predicate=lambda m: "Privacy" in text_of(m) and m.text != before))
    assert "OpenAI (127.0.0.1, model gpt-e2e): an admin turned on" in after and "at most 768 px" in after
    assert "No names, no face embeddings, no Telegram ids" in after

    (_, a), (_, b) = identity_photos(2, 2)
    await emu.send_photo(group["id"], member["id"], strip_of_pairs([[a, b], [b, a], [a, b], [b, a]]))
    second = text_of(
        await harness.reply(group["id"], predicate=lambda m: "Cut 2" in text_of(m) and "Arms over" in text_of(m))
    )
    assert "Cut 2: Arms over shoulders 🤝 · V-sign ✌️" in second and "Mood:" in second
    assert len(fake.requests) == 1 and fake.authorizations == ["Bearer sk-e2e"]
    assert await _rows(harness, Pose, group["id"], "openai") == 1
    assert await _rows(harness, CutMood, group["id"], "device") == 2 * 4 * 7
