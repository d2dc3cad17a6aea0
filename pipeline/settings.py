"""Settings from the environment or a `.env` file."""

from __future__ import annotations

import re
from functools import cached_property
from pathlib import Path
from typing import Annotated
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from pipeline.downloads import TELEGRAM_DOWNLOAD_LIMIT
from storage.blobs import BlobStore, S3Config, open_blob_store
from storage.models import AnswerMode

Language = str  # "ko" or "en"
SUPPORTED_LANGUAGES: tuple[Language, ...] = ("ko", "en")
# Telegram's rule for setWebhook's secret_token (sent back in X-Telegram-Bot-Api-Secret-Token).
WEBHOOK_SECRET_PATTERN = re.compile(r"[A-Za-z0-9_-]{1,256}")
OPENAI_HOST = "api.openai.com"  # the openai client's default base URL
THIS_SERVER = frozenset({"localhost", "127.0.0.1", "::1"})  # a database or Redis here is "this server" in /privacy


def _other_host(url: str | None) -> str | None:
    """The host of a server URL when it is another machine (None: no URL, a Unix socket, or this machine)."""
    if not url:
        return None
    host = urlsplit(url).hostname
    return None if not host or host in THIS_SERVER or host.startswith("127.") else host


class Settings(BaseSettings):
    # hide_input_in_errors: a refused token or secret must not be printed in the error that refuses it.
    model_config = SettingsConfigDict(
        env_file=".env", env_file_encoding="utf-8", extra="ignore", hide_input_in_errors=True
    )

    telegram_bot_token: SecretStr | None = Field(default=None, description="Token from @BotFather")
    database_url: str | None = Field(default=None, description="SQLAlchemy async URL; SQLite under DATA_DIR if empty")
    data_dir: Path = Field(default=Path("data"), description="Photos, SQLite file and caches")
    blob_url: str | None = Field(
        default=None, description="Empty: photos under DATA_DIR. s3://bucket/prefix: S3-compatible object storage"
    )
    blob_s3_endpoint: str | None = Field(default=None, description="S3 endpoint URL; empty for AWS itself")
    blob_s3_region: str = "us-east-1"
    blob_s3_key_id: str | None = None
    blob_s3_secret: SecretStr | None = None
    blob_cache_mb: int = Field(
        default=1024, ge=1, description="Local copies of S3 photos for the worker processes, least recent evicted"
    )
    default_language: Language = "ko"
    timezone: str = "Asia/Seoul"
    admin_ids: Annotated[list[int], NoDecode] = Field(
        default_factory=list, description="Telegram user ids with bot-wide admin rights"
    )
    webhook_url: str | None = Field(default=None, description="Public HTTPS URL; polling when empty")
    webhook_listen: str = "0.0.0.0"
    webhook_port: int = 8443
    webhook_secret: SecretStr | None = None
    redis_url: SecretStr | None = Field(
        default=None,
        description="Redis shared by webhook replicas (update de-duplication), e.g. redis://host:6379/0; the "
        "database does it when empty",
    )
    redis_key_prefix: str = Field(default="choosecheese", description="Prefix of this bot's keys in Redis")
    work_queue_url: SecretStr | None = Field(
        default=None,
        description="Redis for the work queue (photo analysis by `make worker` processes); empty: the bot's own "
        "process analyses",
    )
    work_queue_idle_s: float = Field(
        default=600, gt=0, description="A task whose worker died is run again by another worker after this long"
    )
    work_queue_wait_s: float = Field(default=600, gt=0, description="Longest wait for a photo's analysis task")
    work_queue_fetch: int = Field(
        default=1,
        ge=1,
        description="Tasks a worker takes from the stream per read: 1 leaves a backlog to whichever worker has room "
        "(more lets one worker hold tasks it cannot start yet while another idles)",
    )
    worker_health_port: int = Field(
        default=9100,
        ge=0,
        description="A `make worker` process serves /healthz, /readyz and /metrics here (its Nth process on port + N); "
        "0 = not served",
    )
    reply_lease_s: float = Field(
        default=60, gt=0, description="An answer whose process died before sending it is sent by another after this"
    )
    update_lease_s: float = Field(
        default=5,
        gt=0,
        description="An update whose webhook replica died before handling it is handled by another after this (and "
        "up to half of it more, the sweep's interval): short, so a button press is still answered inside Telegram's "
        "callback window (~15 s; the spinner turns until then)",
    )
    bot_api_base_url: str | None = Field(default=None, description="Bot API server, e.g. a local one")
    bot_api_base_file_url: str | None = None
    playground_port: int = 8080
    loopback_booth: str | None = Field(
        default=None,
        description="host:port — fetch this made-up booth host (reserved .test domain only) from a loopback port: "
        "the load tests and benchmarks run the bot as a process against a local booth site",
    )
    max_upload_mb: int = Field(
        default=20, ge=1, description="Largest photo or document the bot accepts (at most 20: Telegram's getFile limit)"
    )
    max_image_pixels: int = Field(default=60_000_000, description="Larger images are refused as decompression bombs")
    album_page_size: int = Field(
        default=6, ge=1, le=10, description="Photos per /album page: one media group, which holds at most 10"
    )
    media_group_wait_s: float = Field(default=1.5, description="Quiet time before answering a sent album")
    group_messages_per_minute: int = Field(
        default=20,
        ge=1,
        description="Messages the bot posts into one group a minute (Telegram's limit is 20; replies over it wait)",
    )
    group_status_settle_s: float = Field(
        default=2.0,
        ge=0,
        description="In a group, a photo's status message waits this long before it is shown or edited, and then "
        "shows the latest text (an answer ready by then is sent without one): edits count against the group's 20 "
        "messages a minute; 0 = every stage at once, as in private chats",
    )
    analysis_workers: int = Field(default=1, ge=1, description="Processes for face and QR work")
    intake_concurrency: int = Field(
        default=16,
        ge=1,
        description="Members' files a process takes in at once (downloaded, scanned, filed, analysed); the rest wait "
        "their turn, oldest first, before any of that work starts",
    )
    analysis_niceness: int = Field(
        default=10,
        ge=0,
        le=19,
        description="CPU priority the analysis workers give up (os.nice): QR decoding and face analysis yield to the "
        "bot's event loop answering commands and to the pictures members wait for",
    )
    picture_workers: int = Field(
        default=2,
        ge=1,
        description="Processes for the pictures members wait for (/rank, /album, /people, answers); photos' answers "
        "use all but one of them",
    )
    picture_niceness: int = Field(
        default=5,
        ge=0,
        le=19,
        description="CPU priority the picture workers give up (os.nice): they also draw every photo's answer, and "
        "the event loop answering text commands comes first; still ahead of the analysis",
    )
    model_dir: Path | None = Field(default=None, description="Model cache (vision.models); default ~/.cache")
    charities_file: Path | None = Field(default=None, description="TOML list of nonprofits; the shipped one if empty")
    animegan_model: Path | None = Field(
        default=None,
        description="AnimeGANv3 ONNX file for the gallery's examples (non-commercial licence; never downloaded by the "
        "bot); the shipped style if empty",
    )
    weekly_post_check_s: float = Field(default=60, description="How often due weekly posts are looked for; 0 = never")
    weekly_post_lease_s: float = Field(
        default=300,
        gt=0,
        description="A weekly post claimed by a process that died before it began sending is made by another after "
        "this (one cut off while sending is not made again: at most once)",
    )
    weekly_post_send_timeout_s: float = Field(
        default=60,
        gt=0,
        description="How long the weekly post's upload and Telegram's answer may take: past it the post may or may not "
        "be in the chat, and it is not sent again (status unconfirmed)",
    )
    group_answers: AnswerMode = Field(
        default=AnswerMode.quiet, description="How groups' photos are answered until an admin chooses in /settings"
    )
    digest_check_s: float = Field(default=60, description="How often quiet chats' digests are looked for; 0 = never")
    openai_api_key: SecretStr | None = Field(
        default=None, description="Enables the OpenAI step for chats whose admins opt in (/settings); unset: never"
    )
    openai_base_url: str | None = Field(default=None, description="OpenAI-compatible API; api.openai.com if empty")
    openai_model: str = Field(default="gpt-4o-mini", description="A vision model with structured output")
    openai_timeout_s: float = Field(default=20.0, gt=0, description="Longest wait for one answer; then device only")
    openai_max_side: int = Field(default=768, ge=64, le=2048, description="Longer side of the JPEG sent, in pixels")
    miniapp_url: str | None = Field(
        default=None, description="Public HTTPS URL of the album Mini App; no Open album button if empty"
    )
    miniapp_short_name: str | None = Field(default=None, description="The Mini App's short name from BotFather /newapp")
    miniapp_listen: str = "0.0.0.0"
    miniapp_port: int = Field(default=8081, description="The Mini App's own server (polling mode); 0 = not served")
    miniapp_jwt_secret: SecretStr | None = Field(
        default=None, description="Signs the Mini App's sessions and links; generated once into DATA_DIR if empty"
    )
    miniapp_auth_max_age_s: float = Field(default=3600, description="Oldest Telegram initData accepted (auth_date)")

    @field_validator(
        "telegram_bot_token",
        "database_url",
        "webhook_url",
        "webhook_secret",
        "redis_url",
        "work_queue_url",
        "bot_api_base_url",
        "bot_api_base_file_url",
        "model_dir",
        "charities_file",
        "openai_api_key",
        "openai_base_url",
        "blob_url",
        "blob_s3_endpoint",
        "blob_s3_key_id",
        "blob_s3_secret",
        "animegan_model",
        "miniapp_url",
        "miniapp_short_name",
        "miniapp_jwt_secret",
        "loopback_booth",
        mode="before",
    )
    @classmethod
    def _empty_is_unset(cls, value: object) -> object:
        return None if isinstance(value, str) and not value.strip() else value

    @field_validator("webhook_secret")
    @classmethod
    def _telegram_accepts_the_secret(cls, value: SecretStr | None) -> SecretStr | None:
        if value is None:
            return None
        secret = value.get_secret_value()
        if WEBHOOK_SECRET_PATTERN.fullmatch(secret) is None:
            others = sorted({char for char in secret if not re.fullmatch(r"[A-Za-z0-9_-]", char)})
            raise ValueError(
                "WEBHOOK_SECRET must be 1 to 256 characters, each a letter A-Z or a-z, a digit, '_' or '-' "
                f"(Telegram refuses anything else); it has {len(secret)} characters"
                + (f" and {len(others)} kind(s) of character not allowed" if others else "")
            )
        return value

    @field_validator("animegan_model")
    @classmethod
    def _animegan_file_exists(cls, value: Path | None) -> Path | None:
        # Checked at start: a wrong path would otherwise only show as every gallery example failing.
        if value is not None and not value.is_file():
            raise ValueError(f"ANIMEGAN_MODEL: no such file {value}")
        return value

    @field_validator("miniapp_jwt_secret")
    @classmethod
    def _long_enough_secret(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and len(value.get_secret_value()) < 32:
            raise ValueError("MINIAPP_JWT_SECRET must be at least 32 characters (or empty: one is generated)")
        return value

    @field_validator("loopback_booth")
    @classmethod
    def _only_test_hosts(cls, value: str | None) -> str | None:
        if value is None:
            return None
        host, _, port = value.rpartition(":")
        if not host.endswith(".test") or not port.isdigit():
            raise ValueError("LOOPBACK_BOOTH must be host:port with a host under the reserved .test domain")
        return value

    @field_validator("default_language")
    @classmethod
    def _known_language(cls, value: str) -> str:
        if value not in SUPPORTED_LANGUAGES:
            raise ValueError(f"default_language must be one of {SUPPORTED_LANGUAGES}")
        return value

    @field_validator("admin_ids", mode="before")
    @classmethod
    def _split_ids(cls, value: object) -> object:
        if isinstance(value, str):
            return [int(part) for part in value.replace(",", " ").split()]
        if isinstance(value, int):
            return [value]
        return value

    @field_validator("timezone")
    @classmethod
    def _known_timezone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown timezone {value!r}") from exc
        return value

    @cached_property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def resolved_database_url(self) -> str:
        if self.database_url:
            return normalise_database_url(self.database_url)
        return f"sqlite+aiosqlite:///{(self.data_dir / 'choosecheese.sqlite3').resolve()}"

    @property
    def openai_configured(self) -> bool:
        return self.openai_api_key is not None

    @property
    def openai_host(self) -> str:
        """Where the OpenAI step sends photos: the host of OPENAI_BASE_URL, else OpenAI's own API."""
        if not self.openai_base_url:
            return OPENAI_HOST
        return urlsplit(self.openai_base_url).hostname or self.openai_base_url

    @property
    def loopback_booth_route(self) -> dict[str, tuple[str, int]]:
        """The SafeFetcher host map for LOOPBACK_BOOTH (empty when unset)."""
        if self.loopback_booth is None:
            return {}
        host, _, port = self.loopback_booth.rpartition(":")
        return {host: ("127.0.0.1", int(port))}

    @property
    def blob_dir(self) -> Path:
        return self.data_dir / "blobs"

    @property
    def blob_host(self) -> str | None:
        """Where photo files go besides this server (for /privacy): the S3 endpoint's host, else Amazon S3."""
        if not self.blob_url:
            return None
        if self.blob_s3_endpoint:
            return urlsplit(self.blob_s3_endpoint).hostname or self.blob_s3_endpoint
        return f"Amazon S3 ({self.blob_s3_region})"

    @property
    def database_host(self) -> str | None:
        """The database server when it is another machine (for /privacy: every row lives there)."""
        return _other_host(self.database_url)

    @property
    def redis_hosts(self) -> tuple[str, ...]:
        """The Redis servers (REDIS_URL, WORK_QUEUE_URL) that are other machines (for /privacy)."""
        urls = (url.get_secret_value() for url in (self.redis_url, self.work_queue_url) if url is not None)
        return tuple(dict.fromkeys(host for url in urls if (host := _other_host(url))))

    @property
    def blob_cache_dir(self) -> Path:
        return self.data_dir / "blob-cache"

    def blob_store(self, name: str, local_root: Path) -> BlobStore:
        """The store for one kind of blob ("blobs": the albums, "gallery"): on disk, or in S3 under prefix/name."""
        secret = self.blob_s3_secret.get_secret_value() if self.blob_s3_secret else None
        s3 = S3Config(self.blob_s3_endpoint, self.blob_s3_region, self.blob_s3_key_id, secret)
        cache_bytes = self.blob_cache_mb * 1024 * 1024
        return open_blob_store(
            self.blob_url, local_root, s3=s3, cache_dir=self.blob_cache_dir, cache_bytes=cache_bytes, name=name
        )

    @property
    def gallery_dir(self) -> Path:
        """The community gallery's de-identified examples (never the chats' photos)."""
        return self.data_dir / "gallery"

    @property
    def upload_limit_mb(self) -> int:
        """MAX_UPLOAD_MB, but never over what Telegram's getFile serves to bots (20 MiB)."""
        return min(self.max_upload_mb, TELEGRAM_DOWNLOAD_LIMIT // (1024 * 1024))

    @property
    def max_upload_bytes(self) -> int:
        return self.upload_limit_mb * 1024 * 1024


def normalise_database_url(url: str) -> str:
    """Accept the plain URLs people paste (postgres://, postgresql://, sqlite://) and pick the async drivers."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+asyncpg://" + url[len(prefix) :]
    if url.startswith("sqlite:///"):
        return "sqlite+aiosqlite:///" + url[len("sqlite:///") :]
    return url
