"""The nonprofits a chat can choose from: a shipped TOML list (replaceable) plus the ones a chat's admins add."""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

SHIPPED_LIST = Path(__file__).resolve().parent / "charities.toml"
CUSTOM_PREFIX = "c"  # keys of chat-added charities: c<id>
_KEY = re.compile(r"^[a-z0-9][a-z0-9-]{0,30}$")
MAX_NAME = 64
MAX_URL = 255


@dataclass(frozen=True)
class Charity:
    key: str
    name_ko: str
    name_en: str
    url: str

    def name(self, language: str) -> str:
        return self.name_ko if language == "ko" else self.name_en


class CharityListError(ValueError):
    pass


def valid_url(url: str) -> bool:
    parts = urlsplit(url)
    return (
        parts.scheme in ("http", "https")
        and bool(parts.hostname)
        and "." in (parts.hostname or "")
        and (len(url) <= MAX_URL)
    )


def load_charities(path: Path = SHIPPED_LIST) -> tuple[Charity, ...]:
    """Read and check a charity list; a broken file is an error at start-up, not a surprise in a chat."""
    with path.open("rb") as handle:
        entries = tomllib.load(handle).get("charity", [])
    charities: list[Charity] = []
    for index, entry in enumerate(entries):
        try:
            charity = Charity(
                key=str(entry["key"]), name_ko=str(entry["name_ko"]), name_en=str(entry["name_en"]), url=entry["url"]
            )
        except KeyError as missing:
            raise CharityListError(f"{path}: charity #{index + 1} has no {missing}") from None
        if not _KEY.match(charity.key) or (charity.key.startswith(CUSTOM_PREFIX) and charity.key[1:].isdigit()):
            raise CharityListError(f"{path}: bad key {charity.key!r}")
        if not valid_url(charity.url):
            raise CharityListError(f"{path}: {charity.key} has a bad url")
        if max(len(charity.name_ko), len(charity.name_en)) > MAX_NAME:
            raise CharityListError(f"{path}: {charity.key} has a name longer than {MAX_NAME}")
        charities.append(charity)
    keys = [c.key for c in charities]
    if len(set(keys)) != len(keys):
        raise CharityListError(f"{path}: duplicate keys")
    if not charities:
        raise CharityListError(f"{path}: no charities")
    return tuple(charities)


def custom_key(charity_id: int) -> str:
    return f"{CUSTOM_PREFIX}{charity_id}"


def custom_id(key: str) -> int | None:
    return int(key[1:]) if key.startswith(CUSTOM_PREFIX) and key[1:].isdigit() else None
