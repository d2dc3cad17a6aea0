"""Every user-facing text, and how numbers, ₩ amounts, dates and weekdays are written, per language.

The texts are one gettext catalogue per language, `handlers/locales/<language>/LC_MESSAGES/messages.po`, whose msgids
are plain keys ("upload.saved"). They are read with Babel and compiled in memory at import, so no build step runs at
install time. `t(language, key, **values)` fills str.format {placeholders}; an entry with plural forms is picked by
`n` (gettext's ngettext; Korean has one form), and `{n}` is shown with the locale's digit grouping.

Lower layers word nothing: booth errors, booth brands and nonprofits are looked up here by their stable code, id or
key (`booth_error.<code>`, `brand.<id>`, `charity.<key>`). A nonprofit list an operator ships instead of ours may
carry its own names; those win, and a key without names must be one of ours (ranking.charities checks at load).
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Final, Literal

from babel import Locale
from babel.dates import format_skeleton, get_day_names
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import format_currency, format_decimal
from babel.support import Translations

from booths import UNKNOWN_BRAND
from ranking.charities import Charity

LANGUAGES: Final = ("ko", "en")
DEFAULT_LANGUAGE: Final = "ko"
LOCALES_DIR: Final = Path(__file__).resolve().parent / "locales"
DOMAIN: Final = "messages"


@dataclass(frozen=True)
class Catalogue:
    language: str
    translations: Translations
    forms: dict[str, tuple[str, ...]]  # key → its one text, or its plural forms in the language's order
    plural_keys: frozenset[str]  # the keys written with msgid_plural (Korean's single form included)


def catalogue_path(language: str) -> Path:
    return LOCALES_DIR / language / "LC_MESSAGES" / f"{DOMAIN}.po"


def load_catalogue(language: str) -> Catalogue:
    """Read a .po file and compile it in memory; an entry left empty is an error, not a key shown to users."""
    path = catalogue_path(language)
    with path.open("rb") as handle:
        catalog = read_po(handle, locale=language, domain=DOMAIN)
    forms: dict[str, tuple[str, ...]] = {}
    plural_keys: set[str] = set()
    for message in catalog:
        if not message.id:
            continue  # the header
        key = message.id[0] if isinstance(message.id, tuple | list) else message.id
        texts = tuple(message.string) if isinstance(message.string, tuple | list) else (message.string or "",)
        if message.pluralizable:
            plural_keys.add(key)
        if message.fuzzy or not all(texts):
            raise ValueError(f"{path}: {key!r} is fuzzy or has an empty text")
        forms[key] = texts
    compiled = io.BytesIO()
    write_mo(compiled, catalog)
    compiled.seek(0)
    return Catalogue(language, Translations(compiled, domain=DOMAIN), forms, frozenset(plural_keys))


_CATALOGUES: Final[dict[str, Catalogue]] = {language: load_catalogue(language) for language in LANGUAGES}


def catalogue(language: str) -> Catalogue:
    return _CATALOGUES.get(language) or _CATALOGUES[DEFAULT_LANGUAGE]


def normalise_language(code: str | None, default: str = DEFAULT_LANGUAGE) -> str:
    """Map Telegram's language_code (e.g. 'en-US', 'ko') to one we speak."""
    if not code:
        return default
    base = code.split("-")[0].lower()
    return base if base in LANGUAGES else "en"


def t(language: str, key: str, n: int | None = None, **values: object) -> str:
    """The text `key` in `language`, its plural form chosen by `n` when it has plural forms."""
    book = catalogue(language)
    if key not in book.forms:
        raise KeyError(key)
    if key in book.plural_keys:
        if n is None:
            raise TypeError(f"{key!r} has plural forms: pass n")
        text = book.translations.ngettext(key, key, n)
    else:
        text = book.translations.gettext(key)
    if n is not None:
        values["n"] = format_number(n, language)
    return text.format(**values) if values else text


# ----- names of things lower layers only know by id ----------------------------------------------------------------
def brand_name(brand_id: str, language: str) -> str:
    return t(language, f"brand.{brand_id}")


def booth_text(language: str, key: str, brand_id: str, n: int | None = None, **values: object) -> str:
    """A text about a booth link: `key` with the booth's name as {brand}, or, when the booth is unknown (a pasted
    link, a QR of a site we do not know), `<key>_unbranded`, which leaves the name out instead of saying 'unknown'."""
    if brand_id == UNKNOWN_BRAND.id:
        return t(language, f"{key}_unbranded", n=n, **values)
    return t(language, key, n=n, brand=brand_name(brand_id, language), **values)


def booth_error_text(code: str, language: str) -> str:
    return t(language, f"booth_error.{code}")


def charity_name(charity: Charity, language: str) -> str:
    """The list file's (or a chat admin's) own name when it has one, else ours for a key we ship."""
    if charity.names:
        return charity.names.get(language) or charity.names.get(DEFAULT_LANGUAGE) or next(iter(charity.names.values()))
    return t(language, f"charity.{charity.key}")


# ----- locale formatting ---------------------------------------------------------------------------------------------
def locale_of(language: str) -> Locale:
    return Locale.parse(language if language in LANGUAGES else DEFAULT_LANGUAGE)


def format_number(value: int | float, language: str) -> str:
    return format_decimal(value, locale=locale_of(language))


def format_won(amount: int, language: str) -> str:
    return format_currency(amount, "KRW", locale=locale_of(language))


def format_day(day: date, language: str) -> str:
    """Month and day: '11월 23일', 'Nov 23'."""
    return format_skeleton("MMMd", day, locale=locale_of(language))


def format_week(monday: date, language: str) -> str:
    """Both ends of a week written out: '11월 23일 – 11월 29일', 'Nov 23 – Nov 29'."""
    return f"{format_day(monday, language)} – {format_day(monday + timedelta(days=6), language)}"


def format_moment(moment: datetime, language: str) -> str:
    """Weekday, date and 24-hour time in the moment's own timezone: '2026년 11월 29일 (일) 20:00'."""
    locale = locale_of(language)
    return f"{format_skeleton('yMMMEd', moment, locale=locale)} {format_skeleton('Hm', moment, locale=locale)}"


def weekday_name(weekday: int, language: str, width: Literal["wide", "short"] = "wide") -> str:
    """Monday = 0, as datetime.weekday(): 'Monday'/'월요일' wide, 'Mo'/'월' short."""
    return get_day_names(width, locale=locale_of(language))[weekday]


_WEEKDAY_WIDTHS: tuple[Literal["abbreviated", "wide"], ...] = ("abbreviated", "wide")


def weekday_by_word() -> dict[str, int]:
    """Weekday names people type, in every language we speak, lower-cased → Monday = 0 ('mon', 'monday', '월')."""
    return {
        name.lower(): weekday
        for language in LANGUAGES
        for width in _WEEKDAY_WIDTHS
        for weekday, name in get_day_names(width, locale=locale_of(language)).items()
    }
