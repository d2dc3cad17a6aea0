from __future__ import annotations

import re

import pytest

from handlers.i18n import TEXTS, normalise_language, t


@pytest.mark.parametrize("key", sorted(TEXTS))
def test_every_text_exists_in_both_languages_with_the_same_placeholders(key: str) -> None:
    entry = TEXTS[key]
    assert set(entry) == {"ko", "en"}
    placeholders = {lang: set(re.findall(r"{(\w+)}", text)) for lang, text in entry.items()}
    assert placeholders["ko"] == placeholders["en"]


@pytest.mark.parametrize(
    ("code", "expected"), [("ko", "ko"), ("ko-KR", "ko"), ("en-US", "en"), ("ja", "en"), (None, "ko")]
)
def test_language_codes(code: str | None, expected: str) -> None:
    assert normalise_language(code) == expected


def test_formatting() -> None:
    assert "3" in t("en", "upload.saved", count=3)
