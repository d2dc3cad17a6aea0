"""Decoding untrusted image bytes: sniff, bound, verify, orient. Pure functions, safe to run in worker processes."""

from __future__ import annotations

import contextlib
import io
from dataclasses import dataclass
from enum import StrEnum

import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError

try:
    from pillow_heif import register_heif_opener

    register_heif_opener()
except ImportError:  # pragma: no cover - HEIC support is optional at import time
    pass

# We bound pixels ourselves before decoding, so Pillow's own warning threshold only adds noise.
Image.MAX_IMAGE_PIXELS = None

DEFAULT_MAX_PIXELS = 60_000_000


class RejectReason(StrEnum):
    not_image = "not_image"
    unsupported = "unsupported"
    too_many_pixels = "too_many_pixels"
    truncated = "truncated"
    empty = "empty"


class ImageRejected(ValueError):
    def __init__(self, reason: RejectReason, detail: str = "") -> None:
        super().__init__(f"{reason}: {detail}" if detail else str(reason))
        self.reason = reason


@dataclass(frozen=True)
class ImageInfo:
    mime: str
    width: int
    height: int


_SIGNATURES: tuple[tuple[bytes, int, str], ...] = (
    (b"\xff\xd8\xff", 0, "image/jpeg"),
    (b"\x89PNG\r\n\x1a\n", 0, "image/png"),
    (b"GIF87a", 0, "image/gif"),
    (b"GIF89a", 0, "image/gif"),
)
_HEIF_BRANDS = {b"heic", b"heix", b"hevc", b"hevx", b"mif1", b"msf1", b"heim", b"heis", b"avif"}
ACCEPTED_MIMES = frozenset({"image/jpeg", "image/png", "image/webp", "image/heic"})


def sniff_image_mime(data: bytes) -> str | None:
    """The image type told by the bytes themselves (never by a file name or a header)."""
    for magic, offset, mime in _SIGNATURES:
        if data[offset : offset + len(magic)] == magic:
            return mime
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    if data[4:8] == b"ftyp" and data[8:12] in _HEIF_BRANDS:
        return "image/heic"
    return None


def _open(data: bytes, max_pixels: int) -> tuple[Image.Image, str]:
    if not data:
        raise ImageRejected(RejectReason.empty)
    mime = sniff_image_mime(data)
    if mime is None:
        raise ImageRejected(RejectReason.not_image)
    if mime not in ACCEPTED_MIMES:
        raise ImageRejected(RejectReason.unsupported, mime)
    try:
        image = Image.open(io.BytesIO(data))
    except (UnidentifiedImageError, OSError, ValueError, EOFError) as exc:
        raise ImageRejected(RejectReason.not_image, str(exc)) from exc
    width, height = image.size
    if width <= 0 or height <= 0 or width * height > max_pixels:
        raise ImageRejected(RejectReason.too_many_pixels, f"{width}x{height}")
    return image, mime


def _decode(image: Image.Image) -> Image.Image:
    try:
        image.load()
    except (OSError, ValueError, SyntaxError, EOFError) as exc:  # pillow-heif says EOFError for a cut HEIC
        raise ImageRejected(RejectReason.truncated, str(exc)) from exc
    # In place: without an orientation to apply, Pillow's copying form returns a copy of every pixel. A broken EXIF
    # block should not lose the photo.
    with contextlib.suppress(OSError, ValueError, SyntaxError, EOFError):
        ImageOps.exif_transpose(image, in_place=True)
    return image


def _upright(data: bytes, max_pixels: int) -> tuple[Image.Image, ImageInfo]:
    """The decoded image as displayed (EXIF), and what `probe_image` tells of it."""
    image, mime = _open(data, max_pixels)
    upright = _decode(image)
    return upright, ImageInfo(mime=mime, width=upright.width, height=upright.height)


def probe_image(data: bytes, max_pixels: int = DEFAULT_MAX_PIXELS) -> ImageInfo:
    """Check that `data` is a whole, supported, reasonably sized image; width/height as displayed (EXIF)."""
    return _upright(data, max_pixels)[1]


def load_rgb(data: bytes, max_pixels: int = DEFAULT_MAX_PIXELS) -> np.ndarray:
    """Decode to an upright RGB uint8 array (H, W, 3)."""
    return probe_and_load_rgb(data, max_pixels)[1]


def probe_and_load_rgb(data: bytes, max_pixels: int = DEFAULT_MAX_PIXELS) -> tuple[ImageInfo, np.ndarray]:
    """`probe_image` and `load_rgb` with one decode (an RGB picture's pixels are not copied on the way)."""
    upright, info = _upright(data, max_pixels)
    return info, np.asarray(upright if upright.mode == "RGB" else upright.convert("RGB"))


def jpeg_preview(data: bytes, max_side: int = 1280, quality: int = 88, max_pixels: int = DEFAULT_MAX_PIXELS) -> bytes:
    """A JPEG Telegram can show as a photo (for HEIC/WebP originals or very large files)."""
    image, _ = _open(data, max_pixels)
    upright = _decode(image).convert("RGB")
    upright.thumbnail((max_side, max_side), Image.Resampling.LANCZOS)
    out = io.BytesIO()
    upright.save(out, format="JPEG", quality=quality, optimize=True)
    return out.getvalue()


def encode_jpeg(rgb: np.ndarray, quality: int = 90) -> bytes:
    out = io.BytesIO()
    Image.fromarray(rgb).save(out, format="JPEG", quality=quality)
    return out.getvalue()
