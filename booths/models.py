"""Data shapes shared by the fetcher, the brand extractors and the public API."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

from booths.sniff import MediaKind


@dataclass(frozen=True)
class Brand:
    """`id` is stable (the bot words it as brand.<id>); `name` is a plain English name for logs only."""

    id: str
    name: str


UNKNOWN_BRAND = Brand("unknown", "Unknown booth")


@dataclass(frozen=True)
class Media:
    data: bytes
    mime: str
    url: str
    sha256: str
    kind: MediaKind

    @classmethod
    def of(cls, data: bytes, mime: str, url: str, kind: MediaKind) -> Media:
        return cls(data=data, mime=mime, url=url, sha256=hashlib.sha256(data).hexdigest(), kind=kind)

    @property
    def size(self) -> int:
        return len(self.data)


@dataclass(frozen=True)
class MediaRef:
    """A file an extractor expects at `url`; `alternates` are tried in order when the first is missing."""

    url: str
    kind: MediaKind
    referer: str | None = None
    alternates: tuple[str, ...] = ()


@dataclass
class Extraction:
    photos: list[MediaRef] = field(default_factory=list)
    videos: list[MediaRef] = field(default_factory=list)
    ready: list[Media] = field(default_factory=list)


@dataclass(frozen=True)
class BoothDownload:
    brand: Brand
    source_url: str
    photos: list[Media]
    videos: list[Media]
