"""/privacy explains; /forget (admins, after a confirm button) erases photos, faces and people down to the files."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import numpy as np
from pydantic import SecretStr
from sqlalchemy import text
from sqlmodel import SQLModel, func, select
from sqlmodel.ext.asyncio.session import AsyncSession

from handlers.captions import MESSAGE_LIMIT, fits
from handlers.privacy import privacy_messages, privacy_text, where_photos_are
from pipeline.settings import Settings
from storage.faces import NewPerson
from storage.models import (
    ChatAnswers,
    ChatDigest,
    ChatKey,
    ChatRefinement,
    ChatSchedule,
    CustomCharity,
    CutMood,
    DonationRule,
    DonationWeek,
    Face,
    FaceExclusion,
    FaceOptOut,
    GalleryExample,
    GalleryRefusal,
    GalleryShare,
    MediaGroup,
    MediaGroupItem,
    Person,
    Photo,
    Pledge,
    Pose,
    PoseSuggestion,
    User,
    WeeklyPost,
)
from storage.privacy import FORGET_ANONYMISES, FORGET_ERASES, FORGET_KEEPS
from tests.e2e.harness import Harness, noisy_jpeg, text_of


async def _add_face(harness: Harness, photo: Photo) -> int:
    """A face row as the analysis stores it (these test photos are noise, so the analysis found none)."""
    async with harness.services.db.session() as session:
        face = Face(
            chat_id=photo.chat_id,
            photo_id=photo.id,
            x=1,
            y=1,
            w=50,
            h=50,
            detection_score=0.9,
            smile=70.0,
            embedding=np.ones(128, np.float32).tobytes(),
        )
        session.add(face)
        await session.flush()
        return face.id


async def _rows(harness: Harness, chat_id: int) -> dict[str, int]:
    """Rows left in the face tables for one chat (exclusions: all chats), counted in the database itself."""
    async with harness.services.db.session() as session:
        faces = (await session.exec(select(func.count()).select_from(Face).where(Face.chat_id == chat_id))).one()
        people = (await session.exec(select(func.count()).select_from(Person).where(Person.chat_id == chat_id))).one()
        # Exclusions of any chat: an orphaned row (its face and person gone) must not escape the count.
        exclusions = (await session.exec(select(func.count()).select_from(FaceExclusion))).one()
    return {"face": int(faces), "person": int(people), "faceexclusion": int(exclusions)}


async def test_privacy_says_what_is_stored_and_where(harness: Harness) -> None:
    user = harness.emu.create_user("Sam", language_code="en")
    chat = harness.emu.create_chat("private", user=user)
    await harness.emu.send_text(chat["id"], user["id"], "/privacy")
    reply = await _privacy_reply(harness, chat["id"], "en")
    assert "only on the server" in reply and "/forget" in reply and "Nothing else" in reply
    assert "face embedding" in reply and "128 numbers" in reply and "smile score" in reply, "faces named precisely"
    gallery = reply[reply.index("Community gallery") :]
    assert "only after /share on" in gallery and "off by default" in gallery, "sharing is opt-in"
    assert "one cut of a photo sent here after /share on" in gallery, "what is shared, and from when"
    assert "stylised, every face drawn over, and checked with the face embedder" in gallery, "de-identified, verified"
    assert "never shown" in gallery and "never shown examples from its own photos" in gallery
    assert "/share off deletes every example taken from this chat, files included" in gallery, "withdrawal"
    assert "to Telegram" in reply and "operators" in reply, "what the bot sends out is named"
    assert "username" in reply and "memberships" in reply, "what /forget keeps is named"
    min_ = harness.emu.create_user("민지", language_code="ko")
    korean = harness.emu.create_chat("private", user=min_)
    await harness.emu.send_text(korean["id"], min_["id"], "/privacy")
    reply = await _privacy_reply(harness, korean["id"], "ko")
    assert "커뮤니티 갤러리" in reply and "/share on 을 한 뒤에만" in reply and "/share off 를 하면" in reply
    with_openai = Settings(_env_file=None, openai_api_key="sk-test")
    in_s3 = Settings(
        _env_file=None, openai_api_key="sk-test", blob_url="s3://photos/cc", blob_s3_endpoint="https://s3.example.kr"
    )
    everywhere = in_s3.model_copy(
        update={
            "database_url": "postgresql://bot@db.example.kr/cc",
            "redis_url": SecretStr("redis://cache.example.kr:6379/0"),
        }
    )
    for language in ("en", "ko"):
        messages = privacy_messages(language, everywhere, openai_on=True)
        assert all(fits(message, MESSAGE_LIMIT) for message in messages), "the longest variant is sent in parts"
        assert "\n\n".join(messages) == privacy_text(language, everywhere, openai_on=True)
        assert "s3.example.kr" not in privacy_text(language, with_openai), "photos on this server's disk only"
    stored_in_s3 = privacy_text("en", in_s3)
    assert "only on the server" not in stored_in_s3, "BLOB_URL: photo files are not only on this server"
    assert "object storage its operators chose (s3.example.kr)" in where_photos_are("en", in_s3)
    assert "object storage this bot's operators chose (s3.example.kr)" in stored_in_s3
    assert "no photo, face or name goes to any service not named here" in stored_in_s3
    assert "db.example.kr" not in stored_in_s3 and "Redis" not in stored_in_s3
    stored_everywhere = privacy_text("en", everywhere)
    assert "database server this bot's operators chose (db.example.kr)" in stored_everywhere
    assert "embeddings" in stored_everywhere.split("db.example.kr")[1], "what the database holds is named"
    assert "Redis server this bot's operators chose (cache.example.kr)" in stored_everywhere
    on_loopback = Settings(
        _env_file=None,
        database_url="postgresql://postgres@127.0.0.1:5432/postgres",
        redis_url=SecretStr("redis://localhost:6379/15"),
        work_queue_url=SecretStr("redis://[::1]:6379/14"),
    )
    assert privacy_text("en", on_loopback) == privacy_text("en"), "servers on this machine are this server"
    assert "s3.example.kr" in privacy_text("ko", in_s3) and "객체 저장소" in where_photos_are("ko", in_s3)


async def _privacy_reply(harness: Harness, chat_id: int, language: str) -> str:
    """/privacy's messages (as many as privacy_messages makes for this chat), as one text."""
    parts = privacy_messages(language, harness.services.settings)
    return "\n\n".join([text_of(await harness.reply(chat_id)) for _ in parts])


async def _rows_of(session: AsyncSession, table: str, chat_id: int) -> list[dict[str, object]]:
    column = "id" if table == "chat" else "chat_id"
    result = await session.exec(text(f"SELECT * FROM {table} WHERE {column} = :chat").bindparams(chat=chat_id))
    return [dict(row) for row in result.mappings()]


async def _a_row_in_every_table(harness: Harness, chat_id: int, user_id: int) -> None:
    """Rows /forget must erase, anonymise or keep, in each table /privacy speaks about."""
    svc = harness.services
    photos = await svc.albums.page(chat_id, 0, 10)
    face_ids = [await _add_face(harness, photo) for photo in photos]
    stored = await svc.faces.assign(chat_id, dict.fromkeys(face_ids, NewPerson()))
    await svc.faces.rename(stored[face_ids[0]], "지수")
    await svc.faces.remove_face(face_ids[-1])
    now = datetime.now(UTC)
    async with svc.db.session() as session:
        session.add(Pose(chat_id=chat_id, photo_id=photos[0].id, face_id=face_ids[0], key="v_sign", confidence=0.9))
        session.add(FaceOptOut(chat_id=chat_id, user_id=user_id, signature=b"\0" * 512, face_count=3))
        session.add(
            DonationRule(chat_id=chat_id, charity_key="unicef", won_per_point=10, since=now, updated_by=user_id)
        )
        session.add(CustomCharity(chat_id=chat_id, name="Shelter", url="https://shelter.example", added_by=user_id))
        session.add(
            Pledge(
                chat_id=chat_id,
                week_start=date(2026, 11, 30),
                photo_id=photos[0].id,
                sender_id=user_id,
                photo_taken_at=now,
                points=70,
            )
        )
        session.add(
            DonationWeek(
                chat_id=chat_id,
                week_start=date(2026, 11, 23),
                total_won=700,
                pledges=1,
                points=70,
                won_per_point=10,
                charity_name="UNICEF",
                charity_url="https://unicef.example",
                closed_by=user_id,
                receipt_file_id="receipt",
                receipt_prompt_message_id=5,
            )
        )
        session.add(ChatSchedule(chat_id=chat_id))
        session.add(ChatAnswers(chat_id=chat_id, mode="quiet"))
        session.add(ChatDigest(chat_id=chat_id, since=now, until=now, status="posted"))
        session.add(WeeklyPost(chat_id=chat_id, week_start=date(2026, 11, 23), status="posted"))
        session.add(CutMood(chat_id=chat_id, photo_id=photos[0].id, key="lovely", score=0.8, confidence=1.0))
        session.add(ChatRefinement(chat_id=chat_id, openai=True))
        session.add(GalleryShare(chat_id=chat_id, shared_by=user_id))
        session.add(
            GalleryExample(chat_id=chat_id, photo_id=photos[0].id, key="v_sign", sha256="0" * 64, width=8, height=8)
        )
        session.add(GalleryRefusal(chat_id=chat_id, photo_id=photos[-1].id, key="wink"))
        session.add(PoseSuggestion(chat_id=chat_id, key="finger_heart"))
        session.add(
            ChatKey(chat_id=chat_id, key="name_prompt:5", value="[1, null]", expires_at=now + timedelta(days=1))
        )
        session.add(MediaGroup(chat_id=chat_id, media_group_id="a", language="en", sender="Admin", quiet=False))
        session.add(MediaGroupItem(chat_id=chat_id, media_group_id="a", message_id=5, value="{}"))


async def test_forget_erases_keeps_and_anonymises_exactly_what_privacy_says(harness: Harness) -> None:
    chat_tables = {table.name for table in SQLModel.metadata.tables.values() if "chat_id" in table.c} | {"chat"}
    kinds = [FORGET_ERASES, set(FORGET_ANONYMISES), FORGET_KEEPS]
    assert set().union(*kinds) == chat_tables, "every table with a chat's rows says what /forget does with it"
    assert sum(len(kind) for kind in kinds) == len(chat_tables), "…and says one thing only"

    emu = harness.emu
    admin = emu.create_user("Admin", language_code="en")
    group = emu.create_chat("group", title="Friends")
    emu.add_member(group["id"], admin["id"], status="creator")
    for seed in (321, 322):
        await emu.send_photo(group["id"], admin["id"], noisy_jpeg(seed))
        await harness.reply(group["id"], predicate=lambda m: "Saved" in text_of(m))
    await _a_row_in_every_table(harness, group["id"], admin["id"])
    async with harness.services.db.session() as session:
        before = {table: await _rows_of(session, table, group["id"]) for table in chat_tables}
    assert all(before.values()), [table for table, rows in before.items() if not rows]

    await emu.send_text(group["id"], admin["id"], "/forget")
    prompt = await harness.reply(group["id"], predicate=lambda m: "Really erase" in text_of(m))
    await emu.press_button(group["id"], admin["id"], prompt.message_id, "forget:yes")
    await emu.wait_for(lambda: "Erased" in text_of(emu.message(group["id"], prompt.message_id)) or None)

    async with harness.services.db.session() as session:
        after = {table: await _rows_of(session, table, group["id"]) for table in chat_tables}
        exclusions = (await session.exec(select(func.count()).select_from(FaceExclusion))).one()
        user = await session.get(User, admin["id"])
    for table in FORGET_ERASES:
        assert after[table] == [], f"/privacy says /forget erases {table}"
    assert exclusions == 0
    assert harness.stored_files() == [], "the photos' files are erased too"
    for table, columns in FORGET_ANONYMISES.items():
        assert len(after[table]) == len(before[table]), f"/privacy says {table} keeps its rows"
        for row in after[table]:
            assert all(row[column] is None for column in columns), (table, row)
    for table in FORGET_KEEPS:
        assert after[table] == before[table], f"/privacy says /forget keeps {table}"
    assert user is not None and user.first_name == "Admin", "/privacy says members' names are kept"


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

    faces = harness.services.faces
    photos = await harness.services.albums.page(group["id"], 0, 10)
    (other_photo,) = await harness.services.albums.page(other["id"], 0, 10)
    face_ids = [await _add_face(harness, photo) for photo in photos]
    kept_face = await _add_face(harness, other_photo)
    stored = await faces.assign(group["id"], dict.fromkeys(face_ids, NewPerson()))
    await faces.assign(other["id"], {kept_face: NewPerson()})
    person_id = stored[face_ids[0]]
    await faces.rename(person_id, "지수")
    await faces.remove_face(face_ids[-1])  # leaves an exclusion row behind
    assert len(await faces.people(group["id"])) == 1
    assert await _rows(harness, group["id"]) == {"face": 3, "person": 1, "faceexclusion": 1}
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
    assert "Erased: 3 photos, 3 faces, 1 person. 2 files deleted" in text_of(
        emu.message(group["id"], prompt.message_id)
    )
    assert await harness.album_count(group["id"]) == 0
    assert await faces.chat_faces(group["id"]) == [] and await faces.people(group["id"]) == []
    assert await _rows(harness, group["id"]) == {"face": 0, "person": 0, "faceexclusion": 0}, "no face data left"
    assert await _rows(harness, other["id"]) == {"face": 1, "person": 1, "faceexclusion": 0}, "other chats keep theirs"
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
