"""Find booth QR URLs in a plain text message, and name the brand of a URL."""

from __future__ import annotations

import re

from yarl import URL

from booths.brands import handler_for
from booths.hosts import parse_url
from booths.models import Brand

_WITH_SCHEME = re.compile(r"https?://[^\s<>\"'`]+", re.IGNORECASE)
_BARE_HOST = re.compile(
    r"(?<![\w@./:-])((?:[a-z0-9](?:[a-z0-9-]*[a-z0-9])?\.)+[a-z]{2,}(?::\d+)?/[^\s<>\"'`]*)", re.IGNORECASE
)
_TRAILING = ".,;:!?)]}>'\"…。、」』】"
PHOTOISM_CODE_LENGTH = 7  # every public example (8ijZsg_, RQ1Tl~L, IMfkz6.) has 7 characters


def _parse(candidate: str) -> URL | None:
    try:
        url = parse_url(candidate)
        host = url.host  # decoded lazily: an invalid IDNA label ("xn--.com") raises only here
    except ValueError:
        return None
    return url if url.scheme in ("http", "https") and host else None


def identify(url: str) -> Brand | None:
    """The booth brand a URL belongs to (exact host or allowed subdomain), or None."""
    parsed = _parse(url.strip())
    handler = handler_for(parsed) if parsed is not None else None
    return handler.brand if handler else None


def _trim(candidate: str) -> str:
    """Drop sentence punctuation glued to the end, but keep Photoism codes, which may end in '.' or '~'."""
    parsed = _parse(candidate)
    if parsed is not None and parsed.host == "qr.seobuk.kr" and parsed.raw_path.startswith("/s/"):
        prefix, _, code = candidate.partition("/s/")
        return f"{prefix}/s/{code[:PHOTOISM_CODE_LENGTH]}" if len(code) > PHOTOISM_CODE_LENGTH else candidate
    while candidate and candidate[-1] in _TRAILING:
        if candidate[-1] == ")" and candidate.count("(") >= candidate.count(")"):
            break
        candidate = candidate[:-1]
    return candidate


def find_urls(text: str, *, include_unknown: bool = False) -> list[str]:
    """Booth URLs in `text`, in order, without duplicates; scheme-less booth links get their brand's scheme.

    Unknown hosts are left out unless `include_unknown` (then any http/https URL with a scheme is returned).
    """
    found: list[str] = []
    spans: list[tuple[int, int]] = []
    for match in _WITH_SCHEME.finditer(text):
        spans.append(match.span())
        candidate = _trim(match.group(0))
        if identify(candidate) is not None or (include_unknown and _parse(candidate) is not None):
            found.append(candidate)
    for match in _BARE_HOST.finditer(text):
        if any(start <= match.start() < end for start, end in spans):
            continue
        for scheme in ("https", "http"):
            parsed = _parse(f"{scheme}://{match.group(1)}")
            handler = handler_for(parsed) if parsed is not None else None
            if handler is not None:
                found.append(_trim(f"{handler.default_scheme}://{match.group(1)}"))
                break
    return list(dict.fromkeys(found))
