"""Typed failures of booth downloads, each with a stable reason code the bot can show to users."""

from __future__ import annotations

from typing import ClassVar


class BoothError(Exception):
    """Base class: `reason` is a stable code, `message_ko`/`message_en` are user-facing texts."""

    reason: ClassVar[str] = "booth_error"
    message_ko: ClassVar[str] = "사진을 가져오지 못했어요."
    message_en: ClassVar[str] = "Could not fetch the photo."

    def __init__(self, detail: str = "", *, url: str | None = None) -> None:
        super().__init__(detail or self.message_en)
        self.detail = detail
        self.url = url

    def __str__(self) -> str:
        base = f"{self.reason}: {self.detail or self.message_en}"
        return f"{base} ({self.url})" if self.url else base


class UnsafeUrl(BoothError):
    reason = "unsafe_url"
    message_ko = "안전하지 않은 링크라서 열지 않았어요."
    message_en = "This link is not safe to open."


class TooManyRedirects(BoothError):
    reason = "too_many_redirects"
    message_ko = "링크가 너무 많이 이동해서 멈췄어요."
    message_en = "The link redirected too many times."


class TooLarge(BoothError):
    reason = "too_large"
    message_ko = "파일이 너무 커요."
    message_en = "The file is too large."


class FetchTimeout(BoothError):
    reason = "timeout"
    message_ko = "부스 서버가 너무 늦게 응답해요. 잠시 후 다시 시도해 주세요."
    message_en = "The booth server took too long to answer."


class NotMedia(BoothError):
    reason = "not_media"
    message_ko = "링크에서 사진을 찾지 못했어요."
    message_en = "No photo or video was found at this link."


class LinkExpired(BoothError):
    reason = "expired"
    message_ko = "QR 링크가 만료되었어요. (보통 촬영 후 24~72시간)"
    message_en = "This QR link has expired (usually 24-72 h after the shoot)."


class LinkUnreachable(BoothError):
    reason = "unreachable"
    message_ko = "부스 서버에 연결할 수 없어요."
    message_en = "The booth server could not be reached."
