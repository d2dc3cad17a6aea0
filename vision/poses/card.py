"""A pose's card: the picture `/pose` shows when the community gallery has no example of the pose. Drawn from the
catalogue alone (names in both languages, how-to lines, people needed), so it shows no one. Pure: key in, RGB out."""

from __future__ import annotations

import textwrap
import zlib

import numpy as np
from PIL import Image, ImageDraw, ImageFont

from vision.poses.catalogue import catalogue
from vision.render import font

CARD_SIZE = (720, 960)  # width, height: a portrait card, as booth cuts are
MARGIN = 56
# Soft backgrounds in the bot's colours; a pose always gets the same one.
PALETTE = ((255, 228, 236), (255, 243, 214), (222, 242, 255), (230, 246, 226), (240, 232, 255), (255, 236, 222))
INK = (52, 40, 60)
SOFT_INK = (110, 96, 120)
PERSON = (236, 112, 150)


def pose_card(key: str) -> np.ndarray:
    """The card of catalogue pose `key` (KeyError for a key the catalogue lacks)."""
    pose = catalogue()[key]
    width, height = CARD_SIZE
    background = PALETTE[zlib.crc32(key.encode()) % len(PALETTE)]
    image = Image.new("RGB", CARD_SIZE, background)
    draw = ImageDraw.Draw(image)
    draw.rounded_rectangle(
        (MARGIN // 2, MARGIN // 2, width - MARGIN // 2, height - MARGIN // 2), radius=48, fill=(255, 255, 255)
    )
    _people(draw, pose.people, width)
    y = 380
    y = _lines(draw, [pose.ko], font(72), INK, y, width) + 12
    y = _lines(draw, [pose.en], font(44), SOFT_INK, y, width) + 48
    y = _lines(draw, textwrap.wrap(pose.how_ko, 22), font(32), INK, y, width) + 28
    _lines(draw, textwrap.wrap(pose.how_en, 40), font(28), SOFT_INK, y, width)
    return np.asarray(image)


def _people(draw: ImageDraw.ImageDraw, people: int, width: int) -> None:
    """One round figure per person the pose needs, side by side at the top of the card."""
    spacing = 170
    left = width // 2 - spacing * (people - 1) // 2
    for index in range(people):
        cx = left + index * spacing
        draw.ellipse((cx - 52, 120, cx + 52, 224), fill=PERSON)
        draw.rounded_rectangle((cx - 78, 236, cx + 78, 330), radius=60, fill=PERSON)


def _lines(
    draw: ImageDraw.ImageDraw,
    lines: list[str],
    face: ImageFont.FreeTypeFont | ImageFont.ImageFont,
    colour: tuple[int, int, int],
    y: int,
    width: int,
) -> int:
    for line in lines:
        box = draw.textbbox((0, 0), line, font=face)
        draw.text(((width - (box[2] - box[0])) // 2, y), line, font=face, fill=colour)
        y += round(box[3] - box[1]) + 14
    return y
