"""Pictures the bot sends: annotated smiles and contact sheets. Pure: RGB arrays in, RGB arrays out."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFont

FONT_CANDIDATES = (
    Path("/usr/share/fonts/truetype/nanum/NanumGothicBold.ttf"),
    Path("/usr/share/fonts/truetype/nanum/NanumGothic.ttf"),
    Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc"),
    Path("/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf"),
)


@cache
def font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    """A font that can write Hangul when one is installed (fonts-nanum), else Pillow's own."""
    for path in FONT_CANDIDATES:
        if path.exists():
            return ImageFont.truetype(str(path), size)
    return ImageFont.load_default(size)


@dataclass(frozen=True)
class FaceMark:
    box: tuple[float, float, float, float]  # x, y, w, h
    label: str
    strength: float  # 0–1: colours the box from grey (no smile) to warm yellow (big smile)


def _colour(strength: float) -> tuple[int, int, int]:
    s = min(max(strength, 0.0), 1.0)
    grey, warm = np.array([150, 160, 175]), np.array([255, 196, 0])
    red, green, blue = (int(v) for v in grey + (warm - grey) * s)
    return red, green, blue


def annotate_faces(rgb: np.ndarray, marks: Sequence[FaceMark], max_side: int = 1280) -> np.ndarray:
    """Boxes and labels on a copy of the photo, scaled so the longest side is at most `max_side`."""
    image = Image.fromarray(rgb)
    scale = min(1.0, max_side / max(image.size))
    if scale < 1.0:
        image = image.resize((round(image.width * scale), round(image.height * scale)), Image.Resampling.LANCZOS)
    draw = ImageDraw.Draw(image)
    line = max(2, round(max(image.size) / 400))
    label_font = font(max(14, round(max(image.size) / 45)))
    for mark in marks:
        x, y, w, h = (v * scale for v in mark.box)
        colour = _colour(mark.strength)
        draw.rectangle((x, y, x + w, y + h), outline=colour, width=line)
        left, top, right, bottom = draw.textbbox((0, 0), mark.label, font=label_font)
        text_w, text_h = right - left, bottom - top
        pad = max(2, line)
        ty = y - text_h - 2 * pad if y - text_h - 2 * pad >= 0 else y + h
        draw.rectangle((x, ty, x + text_w + 2 * pad, ty + text_h + 2 * pad), fill=colour)
        draw.text((x + pad - left, ty + pad - top), mark.label, font=label_font, fill=(20, 20, 20))
    return np.asarray(image)


def face_crop(
    rgb: np.ndarray, box: tuple[float, float, float, float], size: int = 160, margin: float = 0.35
) -> np.ndarray:
    """A square crop around a face with some context, resized to `size`."""
    x, y, w, h = box
    side = max(w, h) * (1 + 2 * margin)
    cx, cy = x + w / 2, y + h / 2
    left, top = round(cx - side / 2), round(cy - side / 2)
    right, bottom = left + round(side), top + round(side)
    height, width = rgb.shape[:2]
    canvas = np.full((max(bottom - top, 1), max(right - left, 1), 3), 235, dtype=np.uint8)
    src = rgb[max(top, 0) : min(bottom, height), max(left, 0) : min(right, width)]
    canvas[max(-top, 0) : max(-top, 0) + src.shape[0], max(-left, 0) : max(-left, 0) + src.shape[1]] = src
    return np.asarray(Image.fromarray(canvas).resize((size, size), Image.Resampling.LANCZOS))


def contact_sheet(
    tiles: Sequence[tuple[np.ndarray, str]], columns: int = 4, tile: int = 160, badges: Sequence[str] | None = None
) -> np.ndarray:
    """Thumbnails with a badge (1, 2, 3 … unless `badges` gives each one's) and a caption under each (names may be
    Korean)."""
    count = max(len(tiles), 1)
    columns = min(columns, count)
    rows = -(-count // columns)
    caption_h, gap = round(tile * 0.22), round(tile * 0.08)
    sheet = Image.new("RGB", (columns * (tile + gap) + gap, rows * (tile + caption_h + gap) + gap), (246, 246, 250))
    draw = ImageDraw.Draw(sheet)
    number_font, caption_font = font(round(tile * 0.16)), font(round(tile * 0.12))
    for index, (crop, caption) in enumerate(tiles):
        row, col = divmod(index, columns)
        x0, y0 = gap + col * (tile + gap), gap + row * (tile + caption_h + gap)
        sheet.paste(Image.fromarray(crop).resize((tile, tile)), (x0, y0))
        badge = round(tile * 0.24)
        draw.ellipse((x0 + 4, y0 + 4, x0 + 4 + badge, y0 + 4 + badge), fill=(36, 129, 204))
        mark = badges[index] if badges is not None else str(index + 1)
        size = number_font if len(mark) <= 2 else font(round(tile * 0.16 * 2 / len(mark)))
        draw.text((x0 + 4 + badge / 2, y0 + 4 + badge / 2), mark, font=size, fill="white", anchor="mm")
        text = (
            caption
            if draw.textlength(caption, font=caption_font) <= tile
            else caption[: max(1, len(caption) - 3)] + "…"
        )
        while draw.textlength(text, font=caption_font) > tile and len(text) > 2:
            text = text[:-2] + "…"
        draw.text((x0 + tile / 2, y0 + tile + caption_h / 2), text, font=caption_font, fill=(40, 40, 40), anchor="mm")
    return np.asarray(sheet)
