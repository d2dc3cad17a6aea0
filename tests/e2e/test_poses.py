"""Poses end to end: the photo's answer names them per cut, /album filters by pose (command and buttons), /forget
erases them. The pose models are replaced at the analysis seam by a stand-in (tests/pipeline/fake_poses.py); the
real models are smoke-tested in tests/pipeline/test_analysis.py."""

from __future__ import annotations

from sqlmodel import col, func, select

from storage.models import Pose
from tests.e2e.face_photos import identity_photos, strip_of_pairs
from tests.e2e.harness import Harness, noisy_jpeg, text_of
from tests.pipeline.fake_poses import v_sign_and_bunny_ears


async def _pose_rows(harness: Harness, chat_id: int) -> int:
    async with harness.services.db.session() as session:
        query = select(func.count()).select_from(Pose).where(col(Pose.chat_id) == chat_id)
        return int((await session.exec(query)).one())


async def test_the_answer_names_poses_per_cut_the_album_filters_by_pose_and_forget_erases_them(
    harness: Harness,
) -> None:
    harness.services.analyser.recognise = v_sign_and_bunny_ears
    emu = harness.emu
    user = emu.create_user("Sam", language_code="en")
    chat = emu.create_chat("private", user=user)
    [a], [b], [c] = identity_photos(3, 1)
    await emu.send_photo(chat["id"], user["id"], strip_of_pairs([[a, b], [c], [b, c], [a]]))
    answer = text_of(await harness.reply(chat["id"], predicate=lambda m: "Cut 1" in text_of(m)))
    assert "Cut 1: V-sign ✌️ · Bunny ears 🐰 · Wink 😉" in answer
    assert "Cut 2: V-sign ✌️ · Wink 😉" in answer and "Cut 4:" in answer
    await emu.send_photo(chat["id"], user["id"], noisy_jpeg(7))
    await harness.reply(chat["id"], predicate=lambda m: "2 in total" in text_of(m))

    await emu.send_text(chat["id"], user["id"], "/album")
    nav = await harness.reply(chat["id"], predicate=lambda m: "Album page" in text_of(m))
    assert "2 photos" in text_of(nav)
    assert {"album:pose:v_sign:0", "album:pose:bunny_ears:0", "album:pose:wink:0"} <= set(nav.button_callback_data())

    await emu.press_button(chat["id"], user["id"], nav.message_id, "album:pose:bunny_ears:0")
    filtered = await harness.reply(chat["id"], predicate=lambda m: "Bunny ears" in text_of(m) and "page" in text_of(m))
    assert "page 1/1 · 1 photo" in text_of(filtered)
    assert "album:p:0" in filtered.button_callback_data(), "a way back to every photo"

    await emu.send_text(chat["id"], user["id"], "/album v-sign")
    by_name = await harness.reply(chat["id"], predicate=lambda m: "V-sign ✌️ · page" in text_of(m))
    assert "1 photo" in text_of(by_name)
    await emu.send_text(chat["id"], user["id"], "/album 브이")
    await harness.reply(chat["id"], predicate=lambda m: "V-sign ✌️ · page" in text_of(m) and m is not by_name)
    await emu.send_text(chat["id"], user["id"], "/album cartwheel")
    assert "I don't know the pose" in text_of(
        await harness.reply(chat["id"], predicate=lambda m: "cartwheel" in text_of(m))
    )
    await emu.send_text(chat["id"], user["id"], "/album fist")
    assert "No photo with Fist" in text_of(await harness.reply(chat["id"], predicate=lambda m: "Fist" in text_of(m)))

    assert await _pose_rows(harness, chat["id"]) == 4 + 6 + 2, "a V-sign per cut, a wink per face, two bunny ears"
    await emu.send_text(chat["id"], user["id"], "/forget")
    prompt = await harness.reply(chat["id"], predicate=lambda m: "Really erase" in text_of(m))
    await emu.press_button(chat["id"], user["id"], prompt.message_id, "forget:yes")
    await emu.wait_for(lambda: "Erased" in text_of(emu.message(chat["id"], prompt.message_id)) or None)
    assert await _pose_rows(harness, chat["id"]) == 0
