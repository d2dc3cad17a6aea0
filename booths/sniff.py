"""Recognise photo and video files by their first bytes, never by the server's Content-Type."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

MediaKind = Literal["photo", "video"]

SNIFF_BYTES = 64

_HEIF_BRANDS = {b"heic", b"heix", b"hevc", b"hevx", b"heim", b"heis", b"mif1", b"msf1", b"avif"}
_QUICKTIME_ATOMS = {b"moov", b"mdat", b"wide", b"free", b"skip", b"pnot"}


@dataclass(frozen=True)
class Sniffed:
    mime: str
    kind: MediaKind
    extension: str


def sniff(head: bytes) -> Sniffed | None:
    """The media type of a file from its first bytes, or None when it is not a photo or video we accept."""
    if head.startswith(b"\xff\xd8\xff"):
        return Sniffed("image/jpeg", "photo", "jpg")
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return Sniffed("image/png", "photo", "png")
    if len(head) >= 12 and head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return Sniffed("image/webp", "photo", "webp")
    if len(head) >= 12 and head[4:8] == b"ftyp":
        major = head[8:12]
        if major in _HEIF_BRANDS:
            if major == b"avif":
                return Sniffed("image/avif", "photo", "avif")
            return Sniffed("image/heic", "photo", "heic")
        if major == b"qt  ":
            return Sniffed("video/quicktime", "video", "mov")
        return Sniffed("video/mp4", "video", "mp4")
    if len(head) >= 8 and head[4:8] in _QUICKTIME_ATOMS:
        return Sniffed("video/quicktime", "video", "mov")
    return None
