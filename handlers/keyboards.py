"""Inline keyboards shared by features."""

from __future__ import annotations

from collections.abc import Callable

from telegram import InlineKeyboardButton

from handlers.i18n import t

NOOP = "noop"


def pager_row(data: Callable[[int], str], page: int, pages: int, language: str) -> list[InlineKeyboardButton]:
    """◀ 2/5 ▶ — `data(page)` is a page's callback data; the middle button does nothing."""
    row = []
    if page > 0:
        row.append(InlineKeyboardButton(t(language, "album.prev"), callback_data=data(page - 1)))
    row.append(InlineKeyboardButton(f"{page + 1}/{pages}", callback_data=NOOP))
    if page + 1 < pages:
        row.append(InlineKeyboardButton(t(language, "album.next"), callback_data=data(page + 1)))
    return row
