"""/pose and the community gallery end to end: an untried pose with a de-identified example made from a sharing
chat's photo (the real vision.deid, checked here again with the face embedder), a pose card where there is none,
◀ ▶ and "another one" editing the same message, a chat that never shared never used, `/share off` withdrawing
every example with its file, and `/share on` refused to a group member who is not an admin. The pose stage is a
stand-in (tests/pipeline/fake_poses.py, fake_gallery.py)."""

from __future__ import annotations

import io

import numpy as np
from PIL import Image

from handlers.pose_ideas import ANOTHER, SHOW
from playground.emulator import MessageRecord
from tests.e2e.face_photos import identity_photos, strip_of_pairs
from tests.e2e.harness import Harness, text_of
from tests.pipeline.fake_gallery import finger_hearts
from tests.pipeline.fake_poses import v_sign_and_bunny_ears
from vision.deid import DEID_THRESHOLD
from vision.faces import detect_faces, embed_faces
from vision.poses import catalogue


def _shown_key(message: MessageRecord) -> str:
    """The pose a suggestion shows, read from its "another one" button."""
    [data] = [d for d in message.button_callback_data() if ANOTHER.pattern.match(d)]
    (key,) = ANOTHER.parse(data)
    return str(key)


def _arrow(message: MessageRecord, which: int) -> str:
    """The data of ◀ (0) or ▶ (-1) under a suggestion."""
    return [d for d in message.button_callback_data() if SHOW.pattern.match(d)][which]


async def _press(harness: Harness, chat_id: int, user_id: int, message_id: int, data: str) -> MessageRecord:
    """Press a button under the suggestion and wait until the bot has edited that message."""
    edits = len(harness.emu.message(chat_id, message_id).history)
    await harness.emu.press_button(chat_id, user_id, message_id, data)

    def edited() -> MessageRecord | None:
        message = harness.emu.message(chat_id, message_id)
        return message if len(message.history) > edits else None

    return await harness.emu.wait_for(edited, timeout=30)


def _picture(harness: Harness, message: MessageRecord) -> np.ndarray:
    assert message.photo, "every suggestion comes with a picture"
    data = harness.emu.file_bytes(message.photo[-1]["file_id"])
    return np.asarray(Image.open(io.BytesIO(data)).convert("RGB"))


async def _send_strip(harness: Harness, chat_id: int, user_id: int) -> None:
    [a], [b], [c] = identity_photos(3, 1)
    before = len(harness.bot_messages(chat_id))
    await harness.emu.send_photo(chat_id, user_id, strip_of_pairs([[a, b], [c], [b, c], [a]]))
    await harness.emu.wait_for(lambda: len(harness.bot_messages(chat_id)) > before or None, timeout=60)


async def _walk(harness: Harness, chat_id: int, user_id: int, first: MessageRecord) -> dict[str, str]:
    """Press ▶ round the whole list: pose key → the caption it was shown with (the same message every time)."""
    captions = {_shown_key(first): text_of(first)}
    message = first
    while SHOW.parse(_arrow(message, -1))[0] not in captions:
        message = await _press(harness, chat_id, user_id, first.message_id, _arrow(message, -1))
        captions[_shown_key(message)] = text_of(message)
    return captions


async def test_pose_suggests_untried_poses_with_a_community_example_and_share_off_withdraws_it(
    harness: Harness,
) -> None:
    svc, emu = harness.services, harness.emu
    ana = emu.create_user("Ana", language_code="en")
    sharing = emu.create_chat("private", user=ana)
    await emu.send_text(sharing["id"], ana["id"], "/share on")
    assert "Sharing is on" in text_of(await harness.reply(sharing["id"], predicate=lambda m: "Sharing" in text_of(m)))

    # The sharing chat's strip shows finger hearts; so does a chat that never shared.
    svc.analyser.recognise = finger_hearts
    await _send_strip(harness, sharing["id"], ana["id"])
    cy = emu.create_user("Cy", language_code="en")
    private = emu.create_chat("private", user=cy)
    await _send_strip(harness, private["id"], cy["id"])
    await svc.analyser.resumed()
    await svc.pose_examples.settled()
    examples = await svc.gallery.examples("finger_heart")
    assert examples, "the sharing chat's finger hearts became examples"
    assert {example.chat_id for example in examples} == {sharing["id"]}, "never the photos of a chat that did not share"
    assert await svc.gallery.sources("finger_heart", 10, chat_id=private["id"]) == []

    # A chat with history (V-signs, bunny ears, winks) asks for a pose.
    svc.analyser.recognise = v_sign_and_bunny_ears
    bo = emu.create_user("Bo", language_code="en")
    chat = emu.create_chat("private", user=bo)
    await _send_strip(harness, chat["id"], bo["id"])
    await emu.send_text(chat["id"], bo["id"], "/pose")
    first = await harness.reply(chat["id"], predicate=lambda m: "Try this pose" in text_of(m))
    captions = await _walk(harness, chat["id"], bo["id"], first)

    assert {"v_sign", "wink", "bunny_ears", "open_palm"}.isdisjoint(captions), "tried poses and building blocks"
    assert "finger_heart" in captions and "thumbs_up" in captions
    assert all("No photo of this chat shows it yet" in caption and "How:" in caption for caption in captions.values())
    assert all("Mood to try: " in caption for caption in captions.values())
    assert "real example from another chat" in captions["finger_heart"]
    assert all("pose card" in caption for key, caption in captions.items() if key != "finger_heart")

    # The example shown: no face in it is within the clustering threshold of any face of the sharing chat.
    shown = emu.message(chat["id"], first.message_id)
    while _shown_key(shown) != "finger_heart":
        shown = await _press(harness, chat["id"], bo["id"], first.message_id, _arrow(shown, -1))
    picture = _picture(harness, shown)
    source = np.stack([face.embedding for face in await svc.faces.chat_faces(sharing["id"])])
    found = detect_faces(picture)
    if found:
        embedded = np.asarray(embed_faces(picture, found), dtype=np.float32)
        source = source / np.linalg.norm(source, axis=1, keepdims=True)
        distances = np.linalg.norm(embedded[:, None, :] - source[None, :, :], axis=2)
        assert distances.min() > DEID_THRESHOLD

    # /share off: every example and its file go; the same pose now shows the card.
    taken = len(await svc.gallery.examples("finger_heart"))
    await emu.send_text(sharing["id"], ana["id"], "/share off")
    off = text_of(await harness.reply(sharing["id"], predicate=lambda m: "Sharing is off" in text_of(m)))
    assert f"{taken} example" in off
    assert await svc.gallery.examples("finger_heart") == [] and list(svc.gallery.blobs.digests()) == []
    moved = await _press(harness, chat["id"], bo["id"], first.message_id, _arrow(shown, -1))
    again = await _press(harness, chat["id"], bo["id"], first.message_id, _arrow(moved, 0))
    assert _shown_key(again) == "finger_heart" and "pose card" in text_of(again)


async def test_a_new_chat_gets_a_pose_card_and_another_one_edits_the_same_message(harness: Harness) -> None:
    emu = harness.emu
    user = emu.create_user("Mina", language_code="ko")
    chat = emu.create_chat("private", user=user)
    await emu.send_text(chat["id"], user["id"], "/pose")
    first = await harness.reply(chat["id"], predicate=lambda m: "이 포즈 어때요" in text_of(m))
    assert "포즈 카드" in text_of(first) and "하는 법:" in text_of(first)
    assert _picture(harness, first).shape[:2] == (640, 640)
    shown = [_shown_key(first)]
    for _ in range(3):
        message = await _press(harness, chat["id"], user["id"], first.message_id, ANOTHER.data(shown[-1]))
        assert "포즈 카드" in text_of(message) and _picture(harness, message).shape[:2] == (640, 640)
        shown.append(_shown_key(message))
    assert all(catalogue()[key].people == 1 for key in shown), "a chat without photos gets one-person poses"
    assert len(set(shown)) == 4, f"no repeat of the last few suggestions: {shown}"
    assert len(harness.bot_messages(chat["id"])) == 1, "one message, edited"


async def test_only_group_admins_turn_sharing_on(harness: Harness) -> None:
    emu = harness.emu
    owner = emu.create_user("Owner", language_code="en")
    member = emu.create_user("Member", language_code="en")
    group = emu.create_chat("group", user=owner)
    emu.add_member(group["id"], member["id"])
    await emu.send_text(group["id"], member["id"], "/share on")
    assert "Only group admins" in text_of(await harness.reply(group["id"]))
    assert await harness.services.gallery.sharing(group["id"]) is None
    await emu.send_text(group["id"], member["id"], "/share")
    assert "does not share" in text_of(await harness.reply(group["id"], predicate=lambda m: "share" in text_of(m)))
    await emu.send_text(group["id"], owner["id"], "/share on")
    await harness.reply(group["id"], predicate=lambda m: "Sharing is on" in text_of(m))
    share = await harness.services.gallery.sharing(group["id"])
    assert share is not None and share.shared_by == owner["id"]
    await emu.send_text(group["id"], member["id"], "/share off")
    await harness.reply(group["id"], predicate=lambda m: "Only group admins" in text_of(m) and m.message_id > 0)
    assert await harness.services.gallery.sharing(group["id"]) is not None
