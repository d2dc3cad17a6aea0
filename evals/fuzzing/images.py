"""Uploaded picture bytes: what `pipeline.tasks.scan_upload` and the pictures' workers decode (vision.images).
Seeds in every format a member can send (JPEG, PNG, WebP, HEIC, GIF, PDF, a zip bomb, 0 bytes), pictures with odd
and oversized EXIF blocks and decompression bombs, then seeded mutations of them. A result must be a whole RGB array
of the size the probe announced; a refusal is `ImageRejected`."""

from __future__ import annotations

import io
import random
import struct
import zipfile
import zlib
from collections.abc import Iterator
from functools import cache

import numpy as np
from PIL import Image

from evals.fuzzing.mutate import mutate_bytes
from evals.fuzzing.run import Outcome, Target
from vision.images import ImageRejected, load_rgb, probe_image

MAX_PIXELS = 4_000_000  # smaller than the bot's default so a bomb that slips through shows as a hang, not a swap


def _picture(fmt: str, size: tuple[int, int] = (48, 36), **options: object) -> bytes:
    pixels = np.random.default_rng(len(fmt)).integers(0, 255, (size[1], size[0], 3), dtype=np.uint8)
    out = io.BytesIO()
    Image.fromarray(pixels).save(out, fmt, **options)
    return out.getvalue()


def _exif(orientation: int, extra_entries: int = 0) -> bytes:
    exif = Image.Exif()
    exif[0x0112] = orientation  # Orientation: 1-8 are valid, anything else is not
    for tag in range(extra_entries):
        exif[0x9000 + tag] = "x" * 40
    return exif.tobytes()


def _png_chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))


def _png_claiming(width: int, height: int) -> bytes:
    """A PNG whose header claims `width`×`height`, with one row of data."""
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + _png_chunk(b"IHDR", header) + _png_chunk(b"IDAT", zlib.compress(b"\0" * 64))


def _bomb_png(side: int) -> bytes:
    out = io.BytesIO()
    Image.new("1", (side, side)).save(out, "PNG")
    return out.getvalue()


def _jpeg_claiming(width: int, height: int) -> bytes:
    """A real JPEG with the frame header's size rewritten."""
    data = bytearray(_picture("JPEG"))
    at = data.find(b"\xff\xc0")
    data[at + 5 : at + 9] = struct.pack(">HH", height, width)
    return bytes(data)


def _zip_bomb() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("strip.jpg", b"\0" * 5_000_000)
    return out.getvalue()


@cache
def seeds() -> tuple[bytes, ...]:
    return (
        _picture("JPEG"),
        _picture("PNG"),
        _picture("WEBP"),
        _picture("HEIF"),
        _picture("GIF"),
        *(_picture("JPEG", exif=_exif(value)) for value in (0, 3, 6, 8, 9, 65535)),
        _picture("JPEG", exif=_exif(6, extra_entries=1200)),  # an EXIF block near its 64 KB limit
        _picture("WEBP", exif=_exif(5)),
        _picture("PNG", exif=_exif(7)),
        _png_claiming(30000, 30000),
        _png_claiming(0, 10),
        _png_claiming(2**31 - 1, 1),
        _jpeg_claiming(65535, 65535),
        _jpeg_claiming(0, 0),
        _bomb_png(4000),
        b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF",
        _zip_bomb(),
        b"",
        b"\xff\xd8\xff",
        b"RIFF\0\0\0\0WEBPVP8 ",
        b"\0\0\0\x18ftypheic\0\0\0\0mif1heic",
    )


def cases(rng: random.Random, n: int) -> Iterator[bytes]:
    pool = seeds()
    for index in range(n):
        seed = pool[index % len(pool)] if index < len(pool) else rng.choice(pool)
        if index >= len(pool) and rng.random() < 0.15:  # a mislabelled file: one format's head, another's body
            other = rng.choice(pool)
            cut = rng.randrange(1, 64)
            seed = seed[:cut] + other[cut:]
        yield seed if index < len(pool) else mutate_bytes(seed, rng)


def check(data: bytes) -> Outcome:
    info = probe_image(data, MAX_PIXELS)
    rgb = load_rgb(data, MAX_PIXELS)
    assert rgb.dtype == np.uint8 and rgb.ndim == 3 and rgb.shape[2] == 3, f"not an RGB array: {rgb.shape}"
    assert rgb.shape[:2] == (info.height, info.width), f"probe said {info.width}x{info.height}, got {rgb.shape}"
    assert rgb.shape[0] * rgb.shape[1] <= MAX_PIXELS
    return Outcome.result


TARGETS = (Target("images", cases, check, (ImageRejected,), budget_s=5.0),)
