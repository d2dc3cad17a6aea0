"""Database tables. Every schema change also gets an Alembic migration in storage/migrations/versions."""

from __future__ import annotations

from datetime import UTC, date, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    BigInteger,
    Column,
    Date,
    DateTime,
    ForeignKey,
    Index,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlmodel import Field, SQLModel


def utcnow() -> datetime:
    return datetime.now(UTC)


def saved_id(row_id: int | None) -> int:
    """The primary key of a row that was read back or flushed; None there would be a bug, not data."""
    if row_id is None:
        raise ValueError("the row has no id: it was never flushed")
    return row_id


def _when(description: str | None = None) -> Any:
    # Any, as sqlmodel's own Field() returns: the class attribute is a column default, the instance value a datetime.
    return Field(default_factory=utcnow, sa_type=DateTime(timezone=True), description=description)


class ChatType(StrEnum):
    private = "private"
    group = "group"
    supergroup = "supergroup"
    channel = "channel"


class PhotoSource(StrEnum):
    upload = "upload"
    qr = "qr"


class MediaKind(StrEnum):
    photo = "photo"
    video = "video"


class Chat(SQLModel, table=True):
    id: int = Field(sa_column=Column(BigInteger, primary_key=True, autoincrement=False))
    type: str = Field(max_length=16)
    title: str | None = Field(default=None, max_length=255)
    language: str | None = Field(default=None, max_length=8, description="Set by /lang in a group")
    timezone: str | None = Field(default=None, max_length=64)
    last_person_number: int = Field(
        default=0, sa_column_kwargs={"server_default": "0"}, description="Person numbers are never given twice"
    )
    created_at: datetime = _when()
    left_at: datetime | None = Field(default=None, sa_type=DateTime(timezone=True))


class User(SQLModel, table=True):
    __tablename__ = "tg_user"

    id: int = Field(sa_column=Column(BigInteger, primary_key=True, autoincrement=False))
    first_name: str = Field(max_length=255)
    username: str | None = Field(default=None, max_length=64)
    language_code: str | None = Field(default=None, max_length=16, description="As Telegram reports it")
    language: str | None = Field(default=None, max_length=8, description="Chosen with /lang")
    created_at: datetime = _when()


class Member(SQLModel, table=True):
    chat_id: int = Field(sa_column=Column(BigInteger, ForeignKey("chat.id", ondelete="CASCADE"), primary_key=True))
    user_id: int = Field(sa_column=Column(BigInteger, ForeignKey("tg_user.id", ondelete="CASCADE"), primary_key=True))
    joined_at: datetime = _when()


class Photo(SQLModel, table=True):
    """One file in a chat's album. The bytes live in the blob store under `sha256`."""

    __table_args__ = (
        UniqueConstraint("chat_id", "sha256", name="uq_photo_chat_sha256"),
        Index("ix_photo_chat_created", "chat_id", "created_at"),
        Index("ix_photo_chat_source_url", "chat_id", "source_url"),
    )

    id: int | None = Field(default=None, primary_key=True)
    chat_id: int = Field(sa_column=Column(BigInteger, ForeignKey("chat.id", ondelete="CASCADE"), nullable=False))
    sender_id: int | None = Field(
        default=None, sa_column=Column(BigInteger, ForeignKey("tg_user.id", ondelete="SET NULL"), nullable=True)
    )
    sha256: str = Field(sa_column=Column(String(64), nullable=False))
    kind: str = Field(default=MediaKind.photo, max_length=8)
    mime: str = Field(max_length=64)
    width: int | None = None
    height: int | None = None
    size_bytes: int
    source: str = Field(default=PhotoSource.upload, max_length=8)
    source_url: str | None = Field(default=None, max_length=2048)
    brand: str | None = Field(default=None, max_length=32)
    parent_id: int | None = Field(
        default=None, foreign_key="photo.id", ondelete="CASCADE", description="The photo a booth video belongs to"
    )
    telegram_file_id: str | None = Field(default=None, max_length=255, description="Reused to resend cheaply")
    media_group_id: str | None = Field(default=None, max_length=64)
    analysed_at: datetime | None = Field(
        default=None, sa_type=DateTime(timezone=True), description="Faces found; NULL = still to do (resumed on start)"
    )
    analysis_attempts: int = Field(default=0, description="Analyses started (storage.analysis_attempts caps them)")
    analysis_failed_at: datetime | None = Field(
        default=None, sa_type=DateTime(timezone=True), description="Given up after too many failed analyses"
    )
    analysis_failure_told_at: datetime | None = Field(
        default=None, sa_type=DateTime(timezone=True), description="The chat was told its analysis was given up"
    )
    created_at: datetime = _when()


class Person(SQLModel, table=True):
    """A person in a chat's person album: a cluster of faces, maybe named by the members.

    `number` is the person's label in the chat ("Person 13") from creation on: it never changes and is never reused.
    """

    __table_args__ = (
        Index("ix_person_chat", "chat_id"),
        UniqueConstraint("chat_id", "number", name="uq_person_chat_number"),
    )

    id: int | None = Field(default=None, primary_key=True)
    chat_id: int = Field(sa_column=Column(BigInteger, ForeignKey("chat.id", ondelete="CASCADE"), nullable=False))
    number: int
    name: str | None = Field(default=None, max_length=64)
    hidden: bool = False
    claimed_by: int | None = Field(
        default=None,
        sa_column=Column(
            BigInteger,
            ForeignKey("tg_user.id", ondelete="SET NULL", name="fk_person_claimed_by_tg_user"),
            nullable=True,
        ),
        description="The member who said 'this is me' (/myface)",
    )
    created_at: datetime = _when()


class Face(SQLModel, table=True):
    """One face found in one photo. `embedding` is float32 bytes; `smile` is our 0–100 score."""

    __table_args__ = (
        Index("ix_face_chat_person", "chat_id", "person_id"),
        Index("ix_face_photo", "photo_id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    chat_id: int = Field(sa_column=Column(BigInteger, ForeignKey("chat.id", ondelete="CASCADE"), nullable=False))
    photo_id: int = Field(foreign_key="photo.id", ondelete="CASCADE")
    frame: int = Field(default=0, description="Which cut of a 4-cut strip")
    x: int
    y: int
    w: int
    h: int
    detection_score: float
    smile: float = Field(description="0–100")
    embedding: bytes = Field(sa_type=LargeBinary)
    yaw: float | None = Field(default=None, description="Head turn from the landmarks (vision.faces.FaceQuality)")
    sharpness: float | None = Field(default=None, description="Laplacian sharpness (vision.faces.FaceQuality)")
    person_id: int | None = Field(default=None, foreign_key="person.id", ondelete="SET NULL")
    manual: bool = Field(default=False, description="Assigned by a person; re-clustering keeps it")
    created_at: datetime = _when()


class Pose(SQLModel, table=True):
    """A pose seen in one cut of a photo (a key of vision/poses/catalogue.toml): a person's own pose (`face_id`), or
    a two-person pose (`face_id` makes it, `partner_face_id` is the other). Recorded once with the analysis."""

    __table_args__ = (
        Index("ix_pose_chat_key", "chat_id", "key"),
        Index("ix_pose_photo", "photo_id"),
        Index("ix_pose_face", "face_id"),
        Index("ix_pose_partner_face", "partner_face_id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    chat_id: int = Field(sa_column=Column(BigInteger, ForeignKey("chat.id", ondelete="CASCADE"), nullable=False))
    photo_id: int = Field(foreign_key="photo.id", ondelete="CASCADE")
    frame: int = Field(default=0, description="Which cut of a 4-cut strip")
    face_id: int = Field(foreign_key="face.id", ondelete="CASCADE")
    partner_face_id: int | None = Field(default=None, foreign_key="face.id", ondelete="CASCADE")
    key: str = Field(max_length=32)
    confidence: float = Field(description="0–1")
    source: str = Field(default="device", max_length=8, description="device (our landmarks) or openai (opt-in step)")


class CutMood(SQLModel, table=True):
    """A mood's score in one cut of a photo (a key of vision/moods/moods.toml). `source` device: every mood scored
    on this server, one row each; openai: the mood the opt-in OpenAI step named for a cut the device was unsure of."""

    __table_args__ = (Index("ix_cutmood_photo", "photo_id"), Index("ix_cutmood_chat_key", "chat_id", "key"))

    id: int | None = Field(default=None, primary_key=True)
    chat_id: int = Field(sa_column=Column(BigInteger, ForeignKey("chat.id", ondelete="CASCADE"), nullable=False))
    photo_id: int = Field(foreign_key="photo.id", ondelete="CASCADE")
    frame: int = Field(default=0, description="Which cut of a 4-cut strip")
    key: str = Field(max_length=16)
    score: float = Field(description="0–1")
    confidence: float = Field(description="0–1")
    source: str = Field(default="device", max_length=8)


class ChatRefinement(SQLModel, table=True):
    """A chat's choice to have its photos also read by OpenAI (off when there is no row). /settings, admins."""

    chat_id: int = Field(sa_column=Column(BigInteger, ForeignKey("chat.id", ondelete="CASCADE"), primary_key=True))
    openai: bool = False
    changed_at: datetime = _when()


class FaceExclusion(SQLModel, table=True):
    """'Not this person': a face a member removed from a person never goes back to it."""

    face_id: int = Field(foreign_key="face.id", ondelete="CASCADE", primary_key=True)
    person_id: int = Field(foreign_key="person.id", ondelete="CASCADE", primary_key=True)


class FaceOptOut(SQLModel, table=True):
    """'Stop recognising me': new faces this close to `signature` are not stored (pipeline.opt_outs).

    `signature` is the mean of the member's face embeddings (float32 bytes) as they were when they opted out: no
    photo and no single face is kept. `chat_id` NULL = every chat ('forget me everywhere').
    """

    __table_args__ = (Index("ix_faceoptout_chat", "chat_id"), Index("ix_faceoptout_user", "user_id"))

    id: int | None = Field(default=None, primary_key=True)
    chat_id: int | None = Field(
        default=None, sa_column=Column(BigInteger, ForeignKey("chat.id", ondelete="CASCADE"), nullable=True)
    )
    user_id: int = Field(sa_column=Column(BigInteger, ForeignKey("tg_user.id", ondelete="CASCADE"), nullable=False))
    signature: bytes = Field(sa_type=LargeBinary)
    face_count: int = Field(description="How many faces the mean was taken over")
    created_at: datetime = _when()


class PledgeStatus(StrEnum):
    active = "active"
    void = "void"  # its photo was deleted while the week was still open


class AnswerMode(StrEnum):
    each = "each"  # every photo answered with its annotated picture (private chats' default)
    quiet = "quiet"  # a reaction on each photo, a digest every few minutes (groups' default)


class DigestStatus(StrEnum):
    claimed = "claimed"  # a run owns this window and is sending it
    posted = "posted"
    empty = "empty"  # no photo in the window: nothing was sent
    failed = "failed"  # Telegram refused it for good (logged)
    unconfirmed = "unconfirmed"  # its answer was lost (timed out, connection cut): maybe posted, never sent again


class WeeklyPostStatus(StrEnum):
    claimed = "claimed"  # a run owns this week's post and is sending it
    posted = "posted"
    empty = "empty"  # the week had no photos: nothing was sent
    chat_gone = "chat_gone"  # the bot was removed from the chat
    failed = "failed"  # Telegram refused the post for good (logged)
    unconfirmed = "unconfirmed"  # its answer was lost (timed out, connection cut): maybe posted, never sent again


class ChatSchedule(SQLModel, table=True):
    """When the weekly post goes out: local weekday (0 = Monday … 6 = Sunday) and time in the chat's timezone."""

    chat_id: int = Field(sa_column=Column(BigInteger, ForeignKey("chat.id", ondelete="CASCADE"), primary_key=True))
    weekday: int = 6
    hour: int = 20
    minute: int = 0
    enabled: bool = True
    since: datetime = _when(description="Slots before this moment are never posted (a new schedule starts here)")


class ChatAnswers(SQLModel, table=True):
    """How photos are answered in a chat. No row: the default of its type (quiet in groups, each photo elsewhere)."""

    chat_id: int = Field(sa_column=Column(BigInteger, ForeignKey("chat.id", ondelete="CASCADE"), primary_key=True))
    mode: str = Field(default=AnswerMode.each, max_length=8)
    digest_minutes: int = 10
    changed_at: datetime = _when(description="Digests cover photos filed from here on")


class ChatDigest(SQLModel, table=True):
    """One quiet-mode digest: the photos filed in [since, until). The next one starts at `until`; the primary key
    (chat, since) is the claim that makes each window go out once."""

    chat_id: int = Field(sa_column=Column(BigInteger, ForeignKey("chat.id", ondelete="CASCADE"), primary_key=True))
    since: datetime = Field(sa_column=Column(DateTime(timezone=True), primary_key=True))
    until: datetime = Field(sa_type=DateTime(timezone=True))
    status: str = Field(default=DigestStatus.claimed, max_length=16)
    message_id: int | None = Field(default=None, sa_column=Column(BigInteger, nullable=True))
    claimed_at: datetime = _when()
    finished_at: datetime | None = Field(default=None, sa_type=DateTime(timezone=True))


class WeeklyPost(SQLModel, table=True):
    """One row per chat and week, claimed before posting: the database makes the weekly post happen once."""

    chat_id: int = Field(sa_column=Column(BigInteger, ForeignKey("chat.id", ondelete="CASCADE"), primary_key=True))
    week_start: date = Field(sa_column=Column(Date, primary_key=True))
    status: str = Field(default=WeeklyPostStatus.claimed, max_length=16)
    message_id: int | None = Field(default=None, sa_column=Column(BigInteger, nullable=True))
    claimed_at: datetime = _when()
    attempt: int = Field(default=1, description="Raised when a lapsed claim is taken over: only its holder may send")
    sending_at: datetime | None = Field(
        default=None, sa_type=DateTime(timezone=True), description="Set just before the post is sent: never taken over"
    )
    finished_at: datetime | None = Field(default=None, sa_type=DateTime(timezone=True))


class DonationRule(SQLModel, table=True):
    """A chat's chosen nonprofit and pledge rule. Pledges only: no money is ever moved by the bot."""

    chat_id: int = Field(sa_column=Column(BigInteger, ForeignKey("chat.id", ondelete="CASCADE"), primary_key=True))
    charity_key: str | None = Field(default=None, max_length=32)
    won_per_point: int | None = Field(default=None, description="₩ pledged per smile point; None = no pledges yet")
    weekly_cap_won: int | None = Field(default=None, description="Most ₩ pledged in one week; None = no cap")
    since: datetime | None = Field(
        default=None,
        sa_type=DateTime(timezone=True),
        description="When a rate was first set: older photos pledge nothing",
    )
    updated_by: int | None = Field(default=None, sa_column=Column(BigInteger, nullable=True))
    updated_at: datetime = _when()


class CustomCharity(SQLModel, table=True):
    """A nonprofit a chat's admin added to the shipped list."""

    __table_args__ = (UniqueConstraint("chat_id", "url", name="uq_customcharity_chat_url"),)

    id: int | None = Field(default=None, primary_key=True)
    chat_id: int = Field(sa_column=Column(BigInteger, ForeignKey("chat.id", ondelete="CASCADE"), nullable=False))
    name: str = Field(max_length=64)
    url: str = Field(max_length=255)
    added_by: int | None = Field(default=None, sa_column=Column(BigInteger, nullable=True))
    created_at: datetime = _when()


class Pledge(SQLModel, table=True):
    """The ledger: one row per photo that pledged smile points. Amounts are frozen when the week is closed."""

    __table_args__ = (
        UniqueConstraint("chat_id", "photo_id", name="uq_pledge_chat_photo"),
        Index("ix_pledge_chat_week", "chat_id", "week_start"),
    )

    id: int | None = Field(default=None, primary_key=True)
    chat_id: int = Field(sa_column=Column(BigInteger, ForeignKey("chat.id", ondelete="CASCADE"), nullable=False))
    week_start: date = Field(sa_column=Column(Date, nullable=False), description="Monday, in the chat's timezone")
    photo_id: int | None = Field(default=None, foreign_key="photo.id", ondelete="SET NULL")
    sender_id: int | None = Field(
        default=None, sa_column=Column(BigInteger, ForeignKey("tg_user.id", ondelete="SET NULL"), nullable=True)
    )
    photo_taken_at: datetime = Field(sa_type=DateTime(timezone=True), description="Orders pledges for the cap")
    points: int
    status: str = Field(default=PledgeStatus.active, max_length=8)
    anonymised: bool = Field(default=False, description="/forget removed its links to photos and people")
    won_per_point: int | None = Field(default=None, description="Set when the week is closed")
    amount_won: int | None = Field(default=None, description="Set when the week is closed (after the cap)")
    created_at: datetime = _when()
    voided_at: datetime | None = Field(default=None, sa_type=DateTime(timezone=True))


class DonationWeek(SQLModel, table=True):
    """A week an admin marked as actually donated: closed, its pledges frozen."""

    chat_id: int = Field(sa_column=Column(BigInteger, ForeignKey("chat.id", ondelete="CASCADE"), primary_key=True))
    week_start: date = Field(sa_column=Column(Date, primary_key=True))
    total_won: int
    pledges: int
    points: int
    won_per_point: int
    weekly_cap_won: int | None = None
    charity_name: str = Field(max_length=64)
    charity_url: str = Field(max_length=255)
    closed_by: int | None = Field(default=None, sa_column=Column(BigInteger, nullable=True))
    closed_at: datetime = _when()
    receipt_file_id: str | None = Field(default=None, max_length=255)
    receipt_prompt_message_id: int | None = Field(default=None, sa_column=Column(BigInteger, nullable=True))


class GalleryShare(SQLModel, table=True):
    """`/share on`: the community gallery may take stylised, de-identified examples of poses from this chat's
    photos. No row: the chat does not share (the default). `/share off` deletes the row and every example taken."""

    chat_id: int = Field(sa_column=Column(BigInteger, ForeignKey("chat.id", ondelete="CASCADE"), primary_key=True))
    shared_by: int | None = Field(
        default=None,
        sa_column=Column(
            BigInteger, ForeignKey("tg_user.id", ondelete="SET NULL", name="fk_galleryshare_shared_by"), nullable=True
        ),
        description="The member (an admin in groups) who turned sharing on",
    )
    since: datetime = _when()


class GalleryExample(SQLModel, table=True):
    """One de-identified example of a pose, made from one cut of a photo of a sharing chat (`chat_id`). The picture
    lives in the gallery's own blob store under `sha256`; it is never the photo itself."""

    __table_args__ = (
        UniqueConstraint("photo_id", "frame", "key", name="uq_galleryexample_cut_pose"),
        Index("ix_galleryexample_key", "key"),
        Index("ix_galleryexample_chat", "chat_id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    chat_id: int = Field(sa_column=Column(BigInteger, ForeignKey("chat.id", ondelete="CASCADE"), nullable=False))
    photo_id: int = Field(foreign_key="photo.id", ondelete="CASCADE")
    frame: int = Field(default=0, description="Which cut of a 4-cut strip")
    key: str = Field(max_length=32, description="A key of vision/poses/catalogue.toml")
    sha256: str = Field(sa_column=Column(String(64), nullable=False))
    width: int
    height: int
    telegram_file_id: str | None = Field(default=None, max_length=255, description="Reused to resend cheaply")
    created_at: datetime = _when()


class GalleryRefusal(SQLModel, table=True):
    """A cut whose de-identified example failed the check (a face in it still matched a face of its source): never
    shown, counted, and not tried again."""

    __table_args__ = (
        UniqueConstraint("photo_id", "frame", "key", name="uq_galleryrefusal_cut_pose"),
        Index("ix_galleryrefusal_chat", "chat_id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    chat_id: int = Field(sa_column=Column(BigInteger, ForeignKey("chat.id", ondelete="CASCADE"), nullable=False))
    photo_id: int = Field(foreign_key="photo.id", ondelete="CASCADE")
    frame: int = 0
    key: str = Field(max_length=32)
    created_at: datetime = _when()


class PoseSuggestion(SQLModel, table=True):
    """A pose `/pose` showed a chat: the last few are not suggested again (kept short per chat)."""

    __table_args__ = (Index("ix_posesuggestion_chat_created", "chat_id", "created_at"),)

    id: int | None = Field(default=None, primary_key=True)
    chat_id: int = Field(sa_column=Column(BigInteger, ForeignKey("chat.id", ondelete="CASCADE"), nullable=False))
    key: str = Field(max_length=32)
    created_at: datetime = _when()


class SeenUpdate(SQLModel, table=True):
    """An update_id some webhook replica has taken (storage/seen_updates.py); rows older than a day are pruned.
    While it is being handled the row holds the update itself (`payload`, JSON) and its owner's lease; both are
    cleared when the handling ended. A row whose lease lapsed is taken over by exactly one other replica."""

    __table_args__ = (
        Index("ix_seenupdate_created_at", "created_at"),
        Index("ix_seenupdate_lease_until", "lease_until"),
    )

    bot_id: int = Field(sa_column=Column(BigInteger, primary_key=True, autoincrement=False))
    update_id: int = Field(sa_column=Column(BigInteger, primary_key=True, autoincrement=False))
    created_at: datetime = _when()
    owner: str | None = Field(default=None, max_length=128)
    lease_until: datetime | None = Field(default=None, sa_type=DateTime(timezone=True))
    payload: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    takeovers: int = 0


class ChatKey(SQLModel, table=True):
    """A small value a handler remembers between updates, shared by every replica (storage/chat_keys.py): an open
    name question, the photo messages of a page on screen, a counter. Rows past `expires_at` count as gone."""

    __table_args__ = (Index("ix_chatkey_expires_at", "expires_at"),)

    chat_id: int = Field(sa_column=Column(BigInteger, primary_key=True, autoincrement=False))
    key: str = Field(sa_column=Column(String(128), primary_key=True))
    value: str = Field(description="JSON")
    expires_at: datetime = Field(sa_type=DateTime(timezone=True))


class MediaGroup(SQLModel, table=True):
    """A Telegram album being answered (storage/media_groups.py): its items arrive as separate updates, maybe at
    different replicas; `pending` counts items still being handled, `seq` counts finished ones, and the answer is
    taken (the row deleted) by whoever finds it quiet."""

    __table_args__ = (Index("ix_mediagroup_created_at", "created_at"),)

    chat_id: int = Field(sa_column=Column(BigInteger, primary_key=True, autoincrement=False))
    media_group_id: str = Field(sa_column=Column(String(64), primary_key=True))
    language: str = Field(max_length=8)
    sender: str = Field(max_length=255)
    quiet: bool
    pending: int = 0
    seq: int = 0
    created_at: datetime = _when()


class MediaGroupItem(SQLModel, table=True):
    """What became of one photo of a MediaGroup (JSON: problem, saved, duplicate, photo id, own answer)."""

    chat_id: int = Field(sa_column=Column(BigInteger, primary_key=True, autoincrement=False))
    media_group_id: str = Field(sa_column=Column(String(64), primary_key=True))
    message_id: int = Field(sa_column=Column(BigInteger, primary_key=True, autoincrement=False))
    value: str = Field(description="JSON")


class ReplyState(StrEnum):
    claimed = "claimed"  # owed and being produced by `owner` until `lease_until`
    sent = "sent"  # on Telegram (`message_id`): never sent again
    finished = "finished"  # nothing left to do


class Reply(SQLModel, table=True):
    """One answer the bot owes a chat after an analysis (storage/replies.py), produced from these fields by whichever
    process holds the claim: claimed → sent (with Telegram's message id) → finished. A claim whose owner died lapses
    at `lease_until` and is taken over by exactly one other process."""

    __table_args__ = (Index("ix_reply_state_lease", "state", "lease_until"),)

    kind: str = Field(sa_column=Column(String(16), primary_key=True))
    subject: int = Field(sa_column=Column(BigInteger, primary_key=True, autoincrement=False))
    chat_id: int = Field(sa_column=Column(BigInteger, nullable=False))
    reply_to: int = Field(sa_column=Column(BigInteger, nullable=False))
    language: str = Field(max_length=8)
    header: str = ""
    state: ReplyState = Field(sa_column=Column(String(16), nullable=False))
    owner: str = Field(max_length=128)
    lease_until: datetime = Field(sa_type=DateTime(timezone=True))
    message_id: int | None = Field(default=None, sa_column=Column(BigInteger, nullable=True))
    created_at: datetime = _when()
    # What else the reply is made from (JSON; a booth link's URL and sender, an album's items), and the status
    # message its owner showed while it worked (the one who takes the reply over edits or deletes it, never adds one).
    payload: str = Field(default="", sa_column=Column(Text, nullable=False, server_default=""))
    status_id: int | None = Field(default=None, sa_column=Column(BigInteger, nullable=True))


class JobClaim(SQLModel, table=True):
    """A run of a scheduled job, or one piece of background work (a photo's analysis), claimed by one process until
    `expires_at` (storage/job_claims.py). No chat: `slot` names the run ("2026-12-05", a photo id)."""

    __table_args__ = (Index("ix_jobclaim_expires_at", "expires_at"),)

    name: str = Field(sa_column=Column(String(64), primary_key=True))
    slot: str = Field(sa_column=Column(String(64), primary_key=True))
    owner: str = Field(max_length=128)
    claimed_at: datetime = _when()
    expires_at: datetime = Field(sa_type=DateTime(timezone=True))
