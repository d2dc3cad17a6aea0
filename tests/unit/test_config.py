from __future__ import annotations

from pathlib import Path

import pytest

from pipeline.settings import Settings, normalise_database_url


def test_empty_values_from_env_file_count_as_unset(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", "")
    monkeypatch.setenv("DATABASE_URL", " ")
    monkeypatch.setenv("ADMIN_IDS", "1, 2 3")
    monkeypatch.setenv("DATA_DIR", str(tmp_path))
    settings = Settings(_env_file=None)
    assert settings.telegram_bot_token is None
    assert settings.admin_ids == [1, 2, 3]
    assert settings.resolved_database_url == f"sqlite+aiosqlite:///{(tmp_path / 'choosecheese.sqlite3').resolve()}"


def test_token_is_never_shown_in_repr(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", "123456:SECRET-TOKEN")
    settings = Settings(_env_file=None)
    assert "SECRET-TOKEN" not in repr(settings)
    assert settings.telegram_bot_token.get_secret_value() == "123456:SECRET-TOKEN"


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("postgres://u:p@h/db", "postgresql+asyncpg://u:p@h/db"),
        ("postgresql://u@h:5432/db", "postgresql+asyncpg://u@h:5432/db"),
        ("sqlite:////tmp/x.db", "sqlite+aiosqlite:////tmp/x.db"),
        ("postgresql+asyncpg://u@h/db", "postgresql+asyncpg://u@h/db"),
    ],
)
def test_database_urls_pick_async_drivers(given: str, expected: str) -> None:
    assert normalise_database_url(given) == expected


def test_unknown_language_and_timezone_are_refused() -> None:
    with pytest.raises(ValueError):
        Settings(_env_file=None, default_language="fr")
    with pytest.raises(ValueError):
        Settings(_env_file=None, timezone="Mars/Olympus")


@pytest.mark.parametrize("secret", ["a", "Cheese_Bot-2026", "x" * 256, "0123456789_-ABCxyz"])
def test_webhook_secrets_telegram_accepts(secret: str) -> None:
    settings = Settings(_env_file=None, webhook_secret=secret)
    assert settings.webhook_secret is not None and settings.webhook_secret.get_secret_value() == secret


@pytest.mark.parametrize(
    ("secret", "why"),
    [
        ("x" * 257, "257 characters"),
        ("with space", "1 kind(s) of character not allowed"),
        ("päss+word/=", "4 kind(s) of character not allowed"),
        ("tab\there", "not allowed"),
    ],
)
def test_webhook_secrets_telegram_refuses_are_refused_at_start(
    monkeypatch: pytest.MonkeyPatch, secret: str, why: str
) -> None:
    monkeypatch.setenv("WEBHOOK_SECRET", secret)
    with pytest.raises(ValueError, match="WEBHOOK_SECRET must be 1 to 256 characters") as caught:
        Settings(_env_file=None)
    assert why in str(caught.value)
    assert secret not in str(caught.value), "the secret itself is not echoed"


def test_an_empty_webhook_secret_means_none(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WEBHOOK_SECRET", " ")
    assert Settings(_env_file=None).webhook_secret is None


def test_a_short_miniapp_secret_is_refused_and_an_empty_one_generated() -> None:
    with pytest.raises(ValueError, match="at least 32"):
        Settings(_env_file=None, miniapp_jwt_secret="too-short")
    assert Settings(_env_file=None, miniapp_jwt_secret="").miniapp_jwt_secret is None


@pytest.mark.parametrize("size", [0, 11, 50])
def test_album_pages_telegram_cannot_send_as_one_media_group_are_refused(size: int) -> None:
    with pytest.raises(ValueError, match="album_page_size"):
        Settings(_env_file=None, album_page_size=size)


def test_album_pages_of_one_to_ten_photos_are_accepted() -> None:
    assert [Settings(_env_file=None, album_page_size=size).album_page_size for size in (1, 10)] == [1, 10]
