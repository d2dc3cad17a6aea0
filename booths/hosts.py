"""Host matching by exact name, allowed parent domain or full-host pattern (never by substring)."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from yarl import URL


def parse_url(text: str) -> URL:
    """yarl's URL(text), where every malformed input raises ValueError (yarl 1.25 raises IndexError on 'http://[::1]@')."""
    try:
        return URL(text)
    except (IndexError, TypeError) as exc:
        raise ValueError(f"malformed URL {text!r}") from exc


def normalize_host(host: str | None) -> str:
    """Lower-case, IDNA-encoded host without a trailing dot; empty string when unusable."""
    if not host:
        return ""
    host = host.strip().rstrip(".").lower()
    if host.startswith("[") and host.endswith("]"):
        return host
    try:
        return host.encode("idna").decode("ascii")
    except UnicodeError:
        return ""


@dataclass(frozen=True)
class HostRule:
    """`exact` names, `suffixes` (the domain itself or any subdomain of it) and full-match `patterns`."""

    exact: frozenset[str] = frozenset()
    suffixes: frozenset[str] = frozenset()
    patterns: tuple[re.Pattern[str], ...] = field(default=())

    @classmethod
    def of(cls, exact: Iterable[str] = (), suffixes: Iterable[str] = (), patterns: Iterable[str] = ()) -> HostRule:
        return cls(
            frozenset(exact),
            frozenset(suffixes),
            tuple(re.compile(p) for p in patterns),
        )

    def matches(self, host: str | None) -> bool:
        name = normalize_host(host)
        if not name:
            return False
        if name in self.exact:
            return True
        if any(name == s or name.endswith("." + s) for s in self.suffixes):
            return True
        return any(p.fullmatch(name) for p in self.patterns)
