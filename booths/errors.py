"""Typed failures of booth downloads. Each class has a stable `code`; the bot words it (booth_error.<code> in the
handlers' catalogue), so nothing here is user-facing text."""

from __future__ import annotations

from typing import ClassVar


class BoothError(Exception):
    """Base class: `code` is stable (logs, the catalogue), `detail` says what happened for the logs."""

    code: ClassVar[str] = "failed"

    def __init__(self, detail: str = "", *, url: str | None = None) -> None:
        super().__init__(detail or self.code)
        self.detail = detail
        self.url = url

    def __str__(self) -> str:
        base = f"{self.code}: {self.detail}" if self.detail else self.code
        return f"{base} ({self.url})" if self.url else base


class UnsafeUrl(BoothError):
    code = "unsafe_url"


class TooManyRedirects(BoothError):
    code = "too_many_redirects"


class TooLarge(BoothError):
    code = "too_large"


class FetchTimeout(BoothError):
    code = "timeout"


class NotMedia(BoothError):
    code = "not_media"


class LinkExpired(BoothError):
    code = "expired"


class LinkUnreachable(BoothError):
    code = "unreachable"


def error_classes() -> tuple[type[BoothError], ...]:
    """Every booth error class, the base included (each needs a text in the bot's catalogue)."""
    found: list[type[BoothError]] = [BoothError]
    for known in found:  # grows while it is walked: subclasses of subclasses too
        found += known.__subclasses__()
    return tuple(found)
