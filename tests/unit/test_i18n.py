from __future__ import annotations

import re
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from booths.brands import known_brands
from booths.errors import error_classes
from handlers.i18n import (
    LANGUAGES,
    booth_error_text,
    brand_name,
    catalogue,
    charity_name,
    format_moment,
    format_number,
    format_week,
    format_won,
    normalise_language,
    t,
    weekday_by_word,
    weekday_name,
)
from ranking.charities import chat_charity, load_charities

KOREAN, ENGLISH = (catalogue(language) for language in LANGUAGES)


def _placeholders(text: str) -> set[str]:
    return set(re.findall(r"{(\w+)}", text))


def test_both_languages_have_the_same_entries_and_the_same_plural_entries() -> None:
    assert set(KOREAN.forms) == set(ENGLISH.forms)
    assert KOREAN.plural_keys == ENGLISH.plural_keys and KOREAN.plural_keys
    assert all(len(KOREAN.forms[key]) == 1 and len(ENGLISH.forms[key]) == 2 for key in KOREAN.plural_keys)


@pytest.mark.parametrize("key", sorted(ENGLISH.forms))
def test_every_text_exists_in_both_languages_with_the_same_placeholders(key: str) -> None:
    forms = [*KOREAN.forms[key], *ENGLISH.forms[key]]
    assert all(forms)
    assert all(_placeholders(form) == _placeholders(forms[0]) for form in forms), forms
    if key in ENGLISH.plural_keys:
        assert "n" in _placeholders(forms[0]), "a plural entry shows the count it was picked by"


def test_plural_forms() -> None:
    assert t("en", "count.photos", n=1) == "1 photo"
    assert t("en", "count.photos", n=2) == "2 photos"
    assert t("en", "count.photos", n=0) == "0 photos"
    assert t("en", "count.people", n=1) == "1 person" and t("en", "count.people", n=3) == "3 people"
    assert t("ko", "count.photos", n=1) == "사진 1장" and t("ko", "count.photos", n=2) == "사진 2장"
    assert (
        t("en", "donate.totals", n=1, open="₩1", donated="₩0") == "Pledged, not yet donated: ₩1 (1 week) · donated: ₩0"
    )
    assert t("en", "count.photos", n=12345) == "12,345 photos", "the count is written the locale's way"


def test_placeholders_and_mistakes() -> None:
    assert t("en", "upload.saved", count=3) == "Saved to the album ✓ · 3 in total"
    assert t("ko", "upload.saved", count=3) == "앨범에 저장했어요 ✓ · 모두 3장"
    assert t("ja", "lang.choose") == t("ko", "lang.choose"), "an unknown language falls back to Korean"
    with pytest.raises(KeyError):
        t("en", "no.such.key")
    with pytest.raises(TypeError):
        t("en", "count.photos")  # a plural entry without its count


@pytest.mark.parametrize(
    ("code", "expected"), [("ko", "ko"), ("ko-KR", "ko"), ("en-US", "en"), ("ja", "en"), (None, "ko")]
)
def test_language_codes(code: str | None, expected: str) -> None:
    assert normalise_language(code) == expected


def test_locale_formatting() -> None:
    assert (format_won(1234567, "ko"), format_won(5000, "en")) == ("₩1,234,567", "₩5,000")
    assert format_number(621, "en") == "621" and format_number(12345, "ko") == "12,345"
    monday = date(2026, 11, 23)
    assert format_week(monday, "ko") == "11월 23일 – 11월 29일"
    assert format_week(monday, "en") == "Nov 23 – Nov 29"
    assert format_week(date(2026, 12, 28), "en") == "Dec 28 – Jan 3"
    assert (weekday_name(6, "ko"), weekday_name(6, "en")) == ("일요일", "Sunday")
    assert (weekday_name(0, "ko", "short"), weekday_name(0, "en", "short")) == ("월", "Mo")
    post = datetime(2026, 11, 29, 20, 0, tzinfo=ZoneInfo("Asia/Seoul"))
    assert format_moment(post, "ko") == "2026년 11월 29일 (일) 20:00"
    assert format_moment(post, "en") == "Sun, Nov 29, 2026 20:00"


def test_typed_weekdays_in_either_language() -> None:
    words = weekday_by_word()
    assert words["sun"] == words["sunday"] == words["일"] == words["일요일"] == 6
    assert words["mon"] == words["월"] == 0 and len(set(words.values())) == 7


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_booth_error_code_and_brand_is_worded(language: str) -> None:
    codes = [error.code for error in error_classes()]
    assert len(set(codes)) == len(codes) > 1
    texts = [booth_error_text(code, language) for code in codes]
    assert len(set(texts)) == len(texts), "each failure says something of its own"
    brands = known_brands()
    assert "unknown" in {b.id for b in brands} and all(brand_name(b.id, language) for b in brands)
    assert brand_name("life4cut", "ko") == "인생네컷" and booth_error_text("expired", "en").startswith("This QR link")


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_shipped_charity_is_named_and_an_operators_own_names_win(language: str) -> None:
    shipped = load_charities()
    assert all(charity_name(c, language) for c in shipped)
    assert charity_name(shipped[0], "ko") == "초록우산 어린이재단"
    renamed = type(shipped[0])(shipped[0].key, shipped[0].url, {"ko": "우리 재단", "en": "Our fund"})
    assert charity_name(renamed, language) == {"ko": "우리 재단", "en": "Our fund"}[language]
    assert charity_name(chat_charity(7, "동네 푸드뱅크", "https://food.example.org"), language) == "동네 푸드뱅크"
