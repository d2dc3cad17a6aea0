"""Settings from the environment or a `.env` file."""

from __future__ import annotations

import re
from functools import cached_property
from pathlib import Path
from typing import Annotated
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from storage.models import AnswerMode

Language = str  # "ko" or "en"
SUPPORTED_LANGUAGES: tuple[Language, ...] = ("ko", "en")
# Telegram's rule for setWebhook's secret_token (sent back in X-Telegram-Bot-Api-Secret-Token).
WEBHOOK_SECRET_PATTERN = re.compile(r"[A-Za-z0-9_-]{1,256}")


class Settings(BaseSettings):
    # hide_input_in_errors: a refused token or secret must not be printed in the error that refuses it.
    model_config = SettingsConfigDict(
        env_file=".env", env_file_encoding="utf-8", extra="ignore", hide_input_in_errors=True
    )

    telegram_bot_token: SecretStr | None = Field(default=None, description="Token from @BotFather")
    database_url: str | None = Field(default=None, description="SQLAlchemy async URL; SQLite under DATA_DIR if empty")
    data_dir: Path = Field(default=Path("data"), description="Photos, SQLite file and caches")
    default_language: Language = "ko"
    timezone: str = "Asia/Seoul"
    admin_ids: Annotated[list[int], NoDecode] = Field(
        default_factory=list, description="Telegram user ids with bot-wide admin rights"
    )
    webhook_url: str | None = Field(default=None, description="Public HTTPS URL; polling when empty")
    webhook_listen: str = "0.0.0.0"
    webhook_port: int = 8443
    webhook_secret: SecretStr | None = None
    bot_api_base_url: str | None = Field(default=None, description="Bot API server, e.g. a local one")
    bot_api_base_file_url: str | None = None
    playground_port: int = 8080
    loopback_booth: str | None = Field(
        default=None,
        description="host:port — fetch this made-up booth host (reserved .test domain only) from a loopback port: "
        "the load tests and benchmarks run the bot as a process against a local booth site",
    )
    max_upload_mb: int = Field(default=20, description="Largest photo or document the bot accepts")
    max_image_pixels: int = Field(default=60_000_000, description="Larger images are refused as decompression bombs")
    album_page_size: int = 6
    media_group_wait_s: float = Field(default=1.5, description="Quiet time before answering a sent album")
    analysis_workers: int = Field(default=1, description="Processes for face and QR work")
    model_dir: Path | None = Field(default=None, description="Model cache (vision.models); default ~/.cache")
    charities_file: Path | None = Field(default=None, description="TOML list of nonprofits; the shipped one if empty")
    weekly_post_check_s: float = Field(default=60, description="How often due weekly posts are looked for; 0 = never")
    group_answers: AnswerMode = Field(
        default=AnswerMode.quiet, description="How groups' photos are answered until an admin chooses in /settings"
    )
    digest_check_s: float = Field(default=60, description="How often quiet chats' digests are looked for; 0 = never")

    @field_validator(
        "telegram_bot_token",
        "database_url",
        "webhook_url",
        "webhook_secret",
        "bot_api_base_url",
        "bot_api_base_file_url",
        "model_dir",
        "charities_file",
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
    def max_upload_bytes(self) -> int:
        return self.max_upload_mb * 1024 * 1024


def normalise_database_url(url: str) -> str:
    """Accept the plain URLs people paste (postgres://, postgresql://, sqlite://) and pick the async drivers."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+asyncpg://" + url[len(prefix) :]
    if url.startswith("sqlite:///"):
        return "sqlite+aiosqlite:///" + url[len("sqlite:///") :]
    return url
