"""The nonprofits a chat can choose from: a shipped TOML list (replaceable) plus the ones a chat's admins add.

Names are words, so the bot's catalogue holds them for the shipped keys (handlers: charity.<key>). An operator's own
list may give `name_ko`/`name_en` (they win over the catalogue); a key that is not in the shipped list must.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
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
    url: str
    # Language → name as a list file or a chat's admin wrote it ("" for a chat's one name in whatever language);
    # empty for the shipped keys, whose names are in the bot's catalogue.
    names: Mapping[str, str] = field(default_factory=dict, hash=False)


class CharityListError(ValueError):
    pass


def valid_url(url: str) -> bool:
    try:
        parts = urlsplit(url)
        parts.hostname  # noqa: B018 - raises for a malformed bracketed host ("http://[::1")
    except ValueError:
        return False
    return (
        parts.scheme in ("http", "https")
        and bool(parts.hostname)
        and "." in (parts.hostname or "")
        and (len(url) <= MAX_URL)
    )


def _entries(path: Path) -> list[dict[str, object]]:
    with path.open("rb") as handle:
        return list(tomllib.load(handle).get("charity", []))


def load_charities(path: Path = SHIPPED_LIST) -> tuple[Charity, ...]:
    """Read and check a charity list; a broken file is an error at start-up, not a surprise in a chat."""
    shipped_keys = {str(entry.get("key")) for entry in _entries(SHIPPED_LIST)}
    charities: list[Charity] = []
    for index, entry in enumerate(_entries(path)):
        try:
            charity = Charity(key=str(entry["key"]), url=str(entry["url"]), names=_names(entry))
        except KeyError as missing:
            raise CharityListError(f"{path}: charity #{index + 1} has no {missing}") from None
        if not _KEY.match(charity.key) or (charity.key.startswith(CUSTOM_PREFIX) and charity.key[1:].isdigit()):
            raise CharityListError(f"{path}: bad key {charity.key!r}")
        if not valid_url(charity.url):
            raise CharityListError(f"{path}: {charity.key} has a bad url")
        if not charity.names and charity.key not in shipped_keys:
            raise CharityListError(f"{path}: {charity.key} needs name_ko and name_en (it is not one of the shipped)")
        if any(len(name) > MAX_NAME for name in charity.names.values()):
            raise CharityListError(f"{path}: {charity.key} has a name longer than {MAX_NAME}")
        charities.append(charity)
    keys = [c.key for c in charities]
    if len(set(keys)) != len(keys):
        raise CharityListError(f"{path}: duplicate keys")
    if not charities:
        raise CharityListError(f"{path}: no charities")
    return tuple(charities)


def _names(entry: Mapping[str, object]) -> dict[str, str]:
    """name_ko and name_en together, or neither (then the bot's catalogue names a shipped key)."""
    given = {key: str(entry[key]) for key in ("name_ko", "name_en") if key in entry}
    if len(given) == 1:
        raise KeyError("name_ko" if "name_en" in given else "name_en")
    return {key.removeprefix("name_"): name for key, name in given.items()}


def chat_charity(charity_id: int, name: str, url: str) -> Charity:
    """A nonprofit a chat's admin added: one name, in whatever language it was typed."""
    return Charity(custom_key(charity_id), url, {"": name})


def custom_key(charity_id: int) -> str:
    return f"{CUSTOM_PREFIX}{charity_id}"


def custom_id(key: str) -> int | None:
    return int(key[1:]) if key.startswith(CUSTOM_PREFIX) and key[1:].isdigit() else None
