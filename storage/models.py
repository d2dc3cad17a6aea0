"""Database tables. Every schema change also gets an Alembic migration in storage/migrations/versions."""

from __future__ import annotations

from datetime import UTC, datetime
from enum import StrEnum

from sqlalchemy import BigInteger, Column, DateTime, ForeignKey, Index, LargeBinary, String, UniqueConstraint
from sqlmodel import Field, SQLModel


def utcnow() -> datetime:
    return datetime.now(UTC)


def _when(**kwargs: object) -> object:
    return Field(default_factory=utcnow, sa_type=DateTime(timezone=True), **kwargs)


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
    created_at: datetime = _when()


class Person(SQLModel, table=True):
    """A person in a chat's person album: a cluster of faces, maybe named by the members."""

    __table_args__ = (Index("ix_person_chat", "chat_id"),)

    id: int | None = Field(default=None, primary_key=True)
    chat_id: int = Field(sa_column=Column(BigInteger, ForeignKey("chat.id", ondelete="CASCADE"), nullable=False))
    name: str | None = Field(default=None, max_length=64)
    hidden: bool = False
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
    person_id: int | None = Field(default=None, foreign_key="person.id", ondelete="SET NULL")
    manual: bool = Field(default=False, description="Assigned by a person; re-clustering keeps it")
    created_at: datetime = _when()


class FaceExclusion(SQLModel, table=True):
    """'Not this person': a face a member removed from a person never goes back to it."""

    face_id: int = Field(foreign_key="face.id", ondelete="CASCADE", primary_key=True)
    person_id: int = Field(foreign_key="person.id", ondelete="CASCADE", primary_key=True)
