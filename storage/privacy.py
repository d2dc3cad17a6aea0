"""/forget: erase a chat's photos, files, faces, embeddings, poses, moods and people in one transaction, and the
community gallery's examples taken from the chat with its opt-in to share (storage.gallery).

The pledge ledger is anonymised, not erased: weeks, points and amounts stay (a donation is a fact the chat may still
need), every link to a photo, a person or a member goes.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from sqlalchemy import delete, update
from sqlmodel import col, func, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.blobs import BlobStore
from storage.db import Database
from storage.gallery import GalleryStore, erase_chat_gallery
from storage.models import (
    ChatKey,
    CustomCharity,
    CutMood,
    DonationRule,
    DonationWeek,
    Face,
    MediaGroup,
    MediaGroupItem,
    MediaKind,
    Person,
    Photo,
    Pledge,
    Pose,
    PoseSuggestion,
    Reply,
)

# What /forget does with each table that has a chat's rows (by `chat_id`), as /privacy says it ("privacy.erase.forget").
# tests/e2e/test_privacy.py checks the database against these after /forget, and that every table with a chat_id
# column is listed in exactly one of them: a new table must say what /forget does with it (and /privacy too).
# and the photos' files; faceexclusion goes with face; the gallery's examples with their files
# chatkey, mediagroup, mediagroupitem: what replicas share about the chat's open questions, pages and albums;
# reply: answers owed after an analysis (message ids, the header line)
FORGET_ERASES = frozenset(
    {
        "photo",
        "face",
        "pose",
        "person",
        "cutmood",
        "galleryshare",
        "galleryexample",
        "galleryrefusal",
        "posesuggestion",
        "chatkey",
        "mediagroup",
        "mediagroupitem",
        "reply",
    }
)
FORGET_ANONYMISES: dict[str, tuple[str, ...]] = {  # rows stay, these columns become NULL
    "pledge": ("photo_id", "sender_id"),
    "donationweek": ("closed_by", "receipt_file_id", "receipt_prompt_message_id"),
    "donationrule": ("updated_by",),
    "customcharity": ("added_by",),
}
FORGET_KEEPS = frozenset(
    {"chat", "member", "faceoptout", "chatschedule", "chatanswers", "chatdigest", "weeklypost", "chatrefinement"}
)  # settings (the OpenAI opt-in too), memberships, opt-outs and the record of what was posted


@dataclass(frozen=True)
class Holdings:
    """What a chat's album holds, counted the same way before /forget asks and after it erased: photos (uploads
    and booth originals) and videos (booth making-of clips, filed under their photo) apart."""

    photos: int
    videos: int
    faces: int
    people: int


@dataclass(frozen=True)
class Forgotten(Holdings):
    files: int
    pledges: int = 0
    examples: int = 0  # community gallery examples made from the chat's photos


async def chat_holdings(db: Database, chat_id: int) -> Holdings:
    async with db.session() as session:
        return await _holdings(session, chat_id)


async def _holdings(session: AsyncSession, chat_id: int) -> Holdings:
    kinds = (
        await session.exec(
            select(Photo.kind, func.count()).where(col(Photo.chat_id) == chat_id).group_by(col(Photo.kind))
        )
    ).all()
    by_kind = {kind: int(count) for kind, count in kinds}
    faces = (await session.exec(select(func.count()).select_from(Face).where(col(Face.chat_id) == chat_id))).one()
    people = (await session.exec(select(func.count()).select_from(Person).where(col(Person.chat_id) == chat_id))).one()
    return Holdings(
        photos=by_kind.get(MediaKind.photo, 0),
        videos=by_kind.get(MediaKind.video, 0),
        faces=int(faces),
        people=int(people),
    )


async def forget_chat(db: Database, blobs: BlobStore, chat_id: int, gallery: GalleryStore | None = None) -> Forgotten:
    """Delete everything biometric or personal the chat stored. Files shared with other chats stay for them.
    `gallery`: where the files of the chat's gallery examples are deleted (their rows go in any case)."""
    async with db.session() as session:
        held = await _holdings(session, chat_id)
        examples, example_files = await erase_chat_gallery(session, chat_id)
        await session.exec(delete(PoseSuggestion).where(col(PoseSuggestion.chat_id) == chat_id))
        for table in (ChatKey, MediaGroup, MediaGroupItem, Reply):
            await session.exec(delete(table).where(col(table.chat_id) == chat_id))
        digests = set((await session.exec(select(Photo.sha256).where(col(Photo.chat_id) == chat_id))).all())
        pledges = await _anonymise_ledger(session, chat_id)
        await session.exec(delete(Pose).where(col(Pose.chat_id) == chat_id))
        await session.exec(delete(CutMood).where(col(CutMood.chat_id) == chat_id))
        await session.exec(delete(Face).where(col(Face.chat_id) == chat_id))
        await session.exec(delete(Person).where(col(Person.chat_id) == chat_id))
        # Videos point at their photo: remove children first so no foreign key waits on the order of deletes.
        await session.exec(delete(Photo).where(col(Photo.chat_id) == chat_id, col(Photo.parent_id).is_not(None)))
        await session.exec(delete(Photo).where(col(Photo.chat_id) == chat_id))
    async with db.session() as session:
        still_used = (
            set((await session.exec(select(Photo.sha256).where(col(Photo.sha256).in_(list(digests))))).all())
            if digests
            else set()
        )
    removed = await asyncio.to_thread(_delete_files, blobs, digests - still_used)
    if gallery is not None:
        removed += await gallery.delete_unused_files(example_files)
    return Forgotten(
        photos=held.photos,
        videos=held.videos,
        faces=held.faces,
        people=held.people,
        files=removed,
        pledges=pledges,
        examples=examples,
    )


def _delete_files(blobs: BlobStore, digests: set[str]) -> int:
    removed = 0
    for digest in digests:
        if blobs.exists(digest):
            blobs.delete(digest)
            removed += 1
    return removed


async def _anonymise_ledger(session: AsyncSession, chat_id: int) -> int:
    """Before the photos go: unlink the ledger so their deletion does not void pledges that were made."""
    result = await session.exec(
        update(Pledge).where(col(Pledge.chat_id) == chat_id).values(photo_id=None, sender_id=None, anonymised=True)
    )
    await session.exec(
        update(DonationWeek)
        .where(col(DonationWeek.chat_id) == chat_id)
        .values(closed_by=None, receipt_file_id=None, receipt_prompt_message_id=None)
    )
    await session.exec(update(DonationRule).where(col(DonationRule.chat_id) == chat_id).values(updated_by=None))
    await session.exec(update(CustomCharity).where(col(CustomCharity.chat_id) == chat_id).values(added_by=None))
    return int(result.rowcount or 0)
