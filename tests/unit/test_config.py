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
