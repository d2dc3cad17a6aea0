"""The one label of a person, the same on every screen: the name members gave them, or 'Person 13' by the number
the chat gave them when they first appeared (storage.models.Person.number: never changes, never reused)."""

from __future__ import annotations

import html

from handlers.i18n import t


def person_label(number: int, name: str | None, language: str) -> str:
    """Plain text (for pictures and buttons)."""
    return name.strip() if name and name.strip() else t(language, "people.unnamed", number=number)


def person_html(number: int, name: str | None, language: str) -> str:
    """HTML-safe, for captions."""
    return html.escape(person_label(number, name, language))
