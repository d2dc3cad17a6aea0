"""Telegram's length limits on what the bot sends (counted after the HTML is parsed, in UTF-16 code units), and
texts cut to fit them at line boundaries."""

from __future__ import annotations

import html
import re

CAPTION_LIMIT = 1024
MESSAGE_LIMIT = 4096
ELLIPSIS = "…"
_TAG = re.compile(r"<[^>]*>")


def visible_length(text_html: str) -> int:
    """What Telegram counts of an HTML text: the text without its tags, entities decoded, in UTF-16 code units."""
    shown = html.unescape(_TAG.sub("", text_html))
    return len(shown.encode("utf-16-le")) // 2


def fits(text_html: str, limit: int = CAPTION_LIMIT) -> bool:
    return visible_length(text_html) <= limit


def first_lines(lines: list[str], limit: int, tail: str = ELLIPSIS) -> str:
    """As many whole lines as fit in `limit` together with `tail` (added only when lines were left out)."""
    if fits("\n".join(lines), limit):
        return "\n".join(lines)
    kept: list[str] = []
    for line in lines:
        if not fits("\n".join([*kept, line, tail]), limit):
            break
        kept.append(line)
    return "\n".join([*kept, tail])


def shortened(text_html: str, limit: int = CAPTION_LIMIT) -> str:
    """`text_html` itself when it fits, else its first lines and an ellipsis (a line is never cut inside its tags)."""
    return first_lines(text_html.split("\n"), limit)


def chunks(lines: list[str], limit: int = MESSAGE_LIMIT) -> list[str]:
    """Lines grouped into texts that each fit `limit` (a single over-long line is shortened on its own)."""
    texts: list[str] = []
    current: list[str] = []
    for line in lines:
        if current and not fits("\n".join([*current, line]), limit):
            texts.append("\n".join(current))
            current = []
        current.append(line if fits(line, limit) else _cut_plain(line, limit))
    if current:
        texts.append("\n".join(current))
    return texts


def _cut_plain(line: str, limit: int) -> str:
    """One line too long on its own: its visible text, escaped again, cut to the limit (its formatting is lost)."""
    plain = html.unescape(_TAG.sub("", line))
    while visible_length(html.escape(plain) + ELLIPSIS) > limit:
        plain = plain[: max(0, len(plain) - max(1, len(plain) // 20))]
    return html.escape(plain) + ELLIPSIS
