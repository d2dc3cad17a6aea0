"""Pictures the bot sends about faces, drawn in the worker processes (Services.pictures): a stored file's path (the
worker reads it, so megabytes are not pickled across) or bytes in, JPEG bytes out."""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw

from vision.images import encode_jpeg, jpeg_preview, load_rgb
from vision.render import FaceMark, annotate_faces, contact_sheet, face_crop, font

Box = tuple[int, int, int, int]
Source = bytes | Path  # a file's bytes, or the path of a stored blob


def read_source(source: Source) -> bytes:
    return source.read_bytes() if isinstance(source, Path) else source


def _key(source: Source) -> Hashable:
    """One decode per photo: paths compare by value, bytes by identity (hashing megabytes is not free)."""
    return source if isinstance(source, Path) else id(source)


def album_preview(source: Source, max_side: int, quality: int, max_pixels: int) -> bytes:
    """A JPEG Telegram shows as a photo (HEIC/WebP originals, very large files), at most `max_side` pixels."""
    return jpeg_preview(read_source(source), max_side, quality, max_pixels)


SHEET_COLUMNS = 4
SHEET_TILE = 160
THUMBNAIL = 96


def smiles_picture(data: Source, max_pixels: int, faces: Sequence[tuple[Box, int]], badge: str | None = None) -> bytes:
    """The photo with a box and its smile points on each face (points 0–100 also colour the box), and `badge`
    (a photo's number in an album answer) in its top-left corner."""
    marks = [FaceMark(box=box, label=str(points), strength=points / 100) for box, points in faces]
    annotated = annotate_faces(load_rgb(read_source(data), max_pixels), marks)
    return encode_jpeg(with_badge(annotated, badge) if badge else annotated, quality=88)


def with_badge(rgb: np.ndarray, text: str) -> np.ndarray:
    """A white-on-dark label in the corner, big enough to read in an album's thumbnail grid."""
    image = Image.fromarray(rgb)
    draw = ImageDraw.Draw(image)
    size = max(24, round(max(image.size) / 14))
    badge_font = font(size)
    left, top, right, bottom = draw.textbbox((0, 0), text, font=badge_font)
    pad = size // 3
    box = (pad, pad, pad + right - left + 2 * pad, pad + bottom - top + 2 * pad)
    draw.rounded_rectangle(box, radius=pad, fill=(25, 25, 30))
    draw.text((2 * pad - left, 2 * pad - top), text, font=badge_font, fill=(255, 255, 255))
    return np.asarray(image)


def faces_sheet(tiles: Sequence[tuple[Source, Box, str, str]], max_pixels: int, columns: int = SHEET_COLUMNS) -> bytes:
    """Face thumbnails, each with a badge (a person's number, a face's place) and a caption under it. Tiles of one
    photo decode it once."""
    decoded: dict[Hashable, np.ndarray] = {}
    crops = []
    for data, box, _badge, caption in tiles:
        key = _key(data)
        if key not in decoded:
            decoded[key] = load_rgb(read_source(data), max_pixels)
        crops.append((face_crop(decoded[key], box, size=SHEET_TILE), caption))
    badges = [badge for _, _, badge, _ in tiles]
    return encode_jpeg(contact_sheet(crops, columns=columns, tile=SHEET_TILE, badges=badges), quality=88)


def face_thumbnails(items: Sequence[tuple[Source, Box]], max_pixels: int, size: int = THUMBNAIL) -> list[np.ndarray]:
    """Square RGB crops of faces (a chart's row pictures). Items of one photo decode it once."""
    decoded: dict[Hashable, np.ndarray] = {}
    crops = []
    for data, box in items:
        if _key(data) not in decoded:
            decoded[_key(data)] = load_rgb(read_source(data), max_pixels)
        crops.append(face_crop(decoded[_key(data)], box, size=size, margin=0.2))
    return crops
