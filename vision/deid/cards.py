"""Pose cards: a drawn figure per catalogue pose (pose_templates.toml), for when no de-identified example exists.

Figures are simple rounded shapes (head, torso, arms, hands whose fingers show the hand shape) on a pastel ground,
drawn at twice the size and scaled down for smooth edges. The band under the figure holds the caller's text
(e.g. the pose's Korean and English names); fonts that write Hangul come from vision.render.
"""

from __future__ import annotations

import math
import tomllib
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw

from vision.render import font

TEMPLATES_TOML = Path(__file__).with_name("pose_templates.toml")
HAND_SHAPES = ("v", "fist", "palm", "point", "thumb", "ok", "finger_heart", "half_heart", "cup", "paw")
FACES = ("smile", "wink", "cool")
SUPERSAMPLE = 2
CARD_RATIO = 1.0  # height / width
BAND = 0.2  # share of the card's height under the figure, for the text

Point = tuple[float, float]
Colour = tuple[int, int, int]

HEAD: Point = (0.5, 0.27)
HEAD_RADIUS = 0.14
RIGHT_SHOULDER: Point = (0.35, 0.45)
LEFT_SHOULDER: Point = (0.65, 0.45)
RIGHT_HIP: Point = (0.4, 0.86)
LEFT_HIP: Point = (0.6, 0.86)
ARM_WIDTH = 0.07
FINGER_WIDTH = 0.024
INK: Colour = (70, 55, 60)
SKIN: Colour = (255, 222, 200)
HAIR: Colour = (84, 64, 62)
BLUSH: Colour = (255, 170, 180)
HEART: Colour = (240, 80, 110)
SHIRTS: tuple[Colour, ...] = ((120, 170, 235), (245, 150, 160), (130, 205, 160))
GROUND_TOP: Colour = (255, 240, 246)
GROUND_BOTTOM: Colour = (235, 240, 255)
BAND_COLOUR: Colour = (255, 255, 255)
TEXT_COLOUR: Colour = (50, 45, 60)


@dataclass(frozen=True)
class Hand:
    shape: str
    angle: float  # degrees: 0 fingers up, 90 to the viewer's right
    mirror: bool = False  # thumb on the other side (a left hand seen from the back, or a mirrored half heart)


@dataclass(frozen=True)
class Figure:
    right_arm: tuple[Point, Point]  # elbow, wrist
    left_arm: tuple[Point, Point]
    right_hand: Hand
    left_hand: Hand
    face: str = "smile"
    tilt: float = 0.0
    hearts: tuple[tuple[float, float, float], ...] = ()  # x, y, size


def _point(raw: list[float]) -> Point:
    x, y = raw
    return float(x), float(y)


def _hand(raw: dict[str, object], where: str) -> Hand:
    shape = str(raw["shape"])
    if shape not in HAND_SHAPES:
        raise ValueError(f"{where}: unknown hand shape {shape!r}")
    angle = raw.get("angle", 0.0)
    return Hand(shape, float(angle) if isinstance(angle, int | float) else 0.0, bool(raw.get("mirror", False)))


def load_templates(path: Path = TEMPLATES_TOML) -> dict[str, tuple[Figure, ...]]:
    with path.open("rb") as handle:
        raw = tomllib.load(handle)
    templates: dict[str, tuple[Figure, ...]] = {}
    for key, entry in raw.items():
        figures = []
        for index, item in enumerate(entry["figure"]):
            where = f"{path.name}: {key} figure {index + 1}"
            face = str(item.get("face", "smile"))
            if face not in FACES:
                raise ValueError(f"{where}: unknown face {face!r}")
            figures.append(
                Figure(
                    right_arm=(_point(item["right_arm"][0]), _point(item["right_arm"][1])),
                    left_arm=(_point(item["left_arm"][0]), _point(item["left_arm"][1])),
                    right_hand=_hand(item["right_hand"], where),
                    left_hand=_hand(item["left_hand"], where),
                    face=face,
                    tilt=float(item.get("tilt", 0.0)),
                    hearts=tuple((float(x), float(y), float(s)) for x, y, s in item.get("hearts", [])),
                )
            )
        templates[key] = tuple(figures)
    return templates


@cache
def templates() -> dict[str, tuple[Figure, ...]]:
    return load_templates()


def pose_card(key: str, width: int = 640, title: str = "") -> np.ndarray:
    """An (H, W, 3) uint8 RGB card of the pose `key` (a catalogue key with a template), `title` written in the band
    under the figure (empty: the band stays blank for the caller). KeyError for a pose without a template."""
    figures = templates()[key]
    scale = SUPERSAMPLE
    big_w = width * scale
    big_h = round(width * CARD_RATIO) * scale
    band = round(big_h * BAND)
    image = _ground(big_w, big_h - band)
    canvas = Image.new("RGB", (big_w, big_h), BAND_COLOUR)
    canvas.paste(image, (0, 0))
    draw = ImageDraw.Draw(canvas)
    area_h = big_h - band
    cell = min(area_h * 0.92, big_w * 0.9 / max(1, len(figures)) * (1.0 if len(figures) == 1 else 1.05))
    top = (area_h - cell) / 2 + cell * 0.04
    left = (big_w - cell * len(figures)) / 2
    for index, figure in enumerate(figures):
        _Painter(draw, left + index * cell, top, cell).figure(figure, SHIRTS[index % len(SHIRTS)])
    if title:
        _title(draw, title, (0, big_h - band, big_w, big_h))
    small = canvas.resize((width, big_h // scale), Image.Resampling.LANCZOS)
    return np.asarray(small)


def _ground(width: int, height: int) -> Image.Image:
    t = np.linspace(0.0, 1.0, height)[:, None, None]
    top, bottom = np.array(GROUND_TOP, dtype=float), np.array(GROUND_BOTTOM, dtype=float)
    rows = (top * (1 - t) + bottom * t).astype(np.uint8)
    return Image.fromarray(np.repeat(rows, width, axis=1))


def _title(draw: ImageDraw.ImageDraw, text: str, box: tuple[int, int, int, int]) -> None:
    left, top, right, bottom = box
    size = round((bottom - top) * 0.42)
    face = font(size)
    while size > 10 and draw.textlength(text, font=face) > (right - left) * 0.92:
        size -= 2
        face = font(size)
    draw.text(((left + right) / 2, (top + bottom) / 2), text, font=face, fill=TEXT_COLOUR, anchor="mm")


class _Painter:
    """Draws one figure in a square cell given in canvas pixels."""

    def __init__(self, draw: ImageDraw.ImageDraw, left: float, top: float, side: float) -> None:
        self.draw, self.left, self.top, self.side = draw, left, top, side

    def at(self, point: Point) -> Point:
        return self.left + point[0] * self.side, self.top + point[1] * self.side

    def px(self, length: float) -> float:
        return length * self.side

    def figure(self, figure: Figure, shirt: Colour) -> None:
        self._torso(shirt)
        self._head(figure)
        for shoulder, (elbow, wrist), hand in (
            (RIGHT_SHOULDER, figure.right_arm, figure.right_hand),
            (LEFT_SHOULDER, figure.left_arm, figure.left_hand),
        ):
            self._arm(shoulder, elbow, wrist, shirt)
            self._hand(wrist, hand)
        for x, y, size in figure.hearts:
            self._heart(self.at((x, y)), self.px(size))

    def _torso(self, shirt: Colour) -> None:
        outline = [self.at(p) for p in (RIGHT_SHOULDER, LEFT_SHOULDER, LEFT_HIP, RIGHT_HIP)]
        radius = self.px(ARM_WIDTH / 2)
        self.draw.polygon(outline, fill=shirt, outline=INK, width=max(2, round(radius / 4)))
        for shoulder in (RIGHT_SHOULDER, LEFT_SHOULDER):
            self._disc(self.at(shoulder), radius * 1.1, shirt)
        neck = self.at((0.5, 0.42))
        self._disc(neck, self.px(0.045), SKIN)

    def _head(self, figure: Figure) -> None:
        cx, cy = self.at(HEAD)
        r = self.px(HEAD_RADIUS)
        line = max(2, round(r / 14))
        self.draw.ellipse((cx - r, cy - r, cx + r, cy + r), fill=SKIN, outline=INK, width=line)
        tilt = math.radians(figure.tilt)
        # hair: a cap over the top of the head, turned with the tilt
        self.draw.chord(
            (cx - r, cy - r, cx + r, cy + r), 180 + figure.tilt + 8, 360 + figure.tilt - 8, fill=HAIR, outline=INK
        )
        u = (math.cos(tilt), math.sin(tilt))
        v = (-math.sin(tilt), math.cos(tilt))

        def face_point(du: float, dv: float) -> Point:
            return cx + (u[0] * du + v[0] * dv) * r, cy + (u[1] * du + v[1] * dv) * r

        eye = r * 0.11
        for side in (-1, 1):
            ex, ey = face_point(0.38 * side, 0.16)
            if figure.face == "cool":
                self.draw.line((ex - eye * 1.8, ey, ex + eye * 1.8, ey), fill=INK, width=line * 2)
            elif figure.face == "wink" and side == 1:
                self.draw.arc(
                    (ex - eye * 1.6, ey - eye, ex + eye * 1.6, ey + eye * 1.6), 200, 340, fill=INK, width=line
                )
            else:
                self.draw.ellipse((ex - eye, ey - eye * 1.2, ex + eye, ey + eye * 1.2), fill=INK)
            bx, by = face_point(0.55 * side, 0.4)
            self.draw.ellipse((bx - eye * 1.6, by - eye, bx + eye * 1.6, by + eye), fill=BLUSH)
        mx, my = face_point(0.0, 0.42)
        if figure.face == "cool":
            self.draw.line((mx - r * 0.18, my, mx + r * 0.18, my), fill=INK, width=line)
        else:
            self.draw.arc((mx - r * 0.25, my - r * 0.2, mx + r * 0.25, my + r * 0.16), 20, 160, fill=INK, width=line)

    def _arm(self, shoulder: Point, elbow: Point, wrist: Point, shirt: Colour) -> None:
        width = self.px(ARM_WIDTH)
        upper = [self.at(shoulder), self.at(elbow)]
        lower = [self.at(elbow), self.at(wrist)]
        self._stroke(upper, width, shirt)
        self._stroke(lower, width * 0.8, SKIN)

    def _stroke(self, points: list[Point], width: float, colour: Colour) -> None:
        """A thick polyline with round ends and an ink outline."""
        outline = max(2.0, width / 9)
        for fill, thickness in ((INK, width + 2 * outline), (colour, width)):
            self.draw.line(points, fill=fill, width=round(thickness), joint="curve")
            for x, y in (points[0], points[-1]):
                self.draw.ellipse(
                    (x - thickness / 2, y - thickness / 2, x + thickness / 2, y + thickness / 2), fill=fill
                )

    def _disc(self, centre: Point, radius: float, colour: Colour) -> None:
        x, y = centre
        self.draw.ellipse((x - radius, y - radius, x + radius, y + radius), fill=colour)

    def _hand(self, wrist: Point, hand: Hand) -> None:
        angle = math.radians(hand.angle)
        up = (math.sin(angle), -math.cos(angle))  # the fingers' direction
        side = (math.cos(angle), math.sin(angle))  # from the thumb towards the little finger
        if hand.mirror:
            side = (-side[0], -side[1])
        palm_r = 0.05
        palm = _offset(wrist, up, palm_r * 0.8)
        strokes = list(_finger_strokes(hand.shape, palm, up, side, palm_r))
        width = self.px(FINGER_WIDTH)
        outline = max(2.0, width / 6)
        for fill, extra in ((INK, 2 * outline), (SKIN, 0.0)):
            self._disc(self.at(palm), self.px(palm_r) + extra / 2, fill)
            for points in strokes:
                canvas = [self.at(p) for p in points]
                thickness = width + extra
                self.draw.line(canvas, fill=fill, width=round(thickness), joint="curve")
                for x, y in (canvas[0], canvas[-1]):
                    r = thickness / 2
                    self.draw.ellipse((x - r, y - r, x + r, y + r), fill=fill)
        if hand.shape == "ok":
            ring = _offset(_offset(palm, up, palm_r * 1.25), side, -palm_r * 0.45)
            self._ring(self.at(ring), self.px(palm_r * 0.42), width)
        if hand.shape == "finger_heart":
            tip = _offset(palm, up, palm_r * 1.9)
            self._heart(self.at(tip), self.px(0.028))

    def _ring(self, centre: Point, radius: float, width: float) -> None:
        x, y = centre
        outline = max(2.0, width / 6)
        box = (x - radius, y - radius, x + radius, y + radius)
        self.draw.ellipse(box, outline=INK, width=round(width + 2 * outline))
        inner = (x - radius + outline, y - radius + outline, x + radius - outline, y + radius - outline)
        self.draw.ellipse(inner, outline=SKIN, width=round(width))

    def _heart(self, centre: Point, size: float) -> None:
        x, y = centre
        points = []
        for step in range(48):
            t = 2 * math.pi * step / 48
            hx = 16 * math.sin(t) ** 3
            hy = 13 * math.cos(t) - 5 * math.cos(2 * t) - 2 * math.cos(3 * t) - math.cos(4 * t)
            points.append((x + hx * size / 16, y - hy * size / 16))
        self.draw.polygon(points, fill=HEART, outline=INK)


def _offset(point: Point, direction: Point, length: float) -> Point:
    return point[0] + direction[0] * length, point[1] + direction[1] * length


def _turn(direction: Point, degrees: float) -> Point:
    a = math.radians(degrees)
    x, y = direction
    return x * math.cos(a) - y * math.sin(a), x * math.sin(a) + y * math.cos(a)


# Per finger (index, middle, ring, little): where it leaves the palm across its top (side units of the palm radius)
# and its length (cell units) when extended.
FINGERS = ((-0.55, 0.075), (-0.18, 0.085), (0.2, 0.078), (0.55, 0.062))
FOLDED = 0.018


def _finger_strokes(shape: str, palm: Point, up: Point, side: Point, palm_r: float) -> Iterator[list[Point]]:
    """Polylines (cell units) of the fingers of one hand shape, drawn from the palm's centre outwards."""
    extended = {
        "v": (True, True, False, False),
        "palm": (True, True, True, True),
        "cup": (True, True, True, True),
        "point": (True, False, False, False),
        "ok": (False, True, True, True),
    }.get(shape, (False, False, False, False))
    spread = {"v": (-12.0, 12.0, 0.0, 0.0), "palm": (-14.0, -4.0, 6.0, 16.0), "cup": (-30.0, -10.0, 10.0, 30.0)}
    sign = 1.0 if side[0] * up[1] - side[1] * up[0] < 0 else -1.0  # turning towards `side` is + or - degrees
    for index, ((across, length), out) in enumerate(zip(FINGERS, extended, strict=True)):
        if shape == "thumb":  # a fist turned sideways: the folded fingers point to the side, stacked down the palm
            base = _offset(_offset(palm, up, -across * palm_r * 1.1), side, palm_r * 0.6)
            yield [base, _offset(base, side, FOLDED * 1.3)]
            continue
        base = _offset(_offset(palm, side, across * palm_r), up, palm_r * 0.7)
        if shape == "paw":
            knuckle = _offset(base, up, 0.02)
            yield [base, knuckle, _offset(knuckle, side, 0.004)]
            continue
        if shape == "half_heart":
            continue
        if out:
            direction = _turn(up, sign * spread.get(shape, (0.0, 0.0, 0.0, 0.0))[index])
            reach = length * (0.7 if shape == "cup" else 1.0)
            yield [base, _offset(base, direction, reach)]
        else:
            yield [base, _offset(base, up, FOLDED)]
    thumb_base = _offset(palm, side, -palm_r * 0.9)
    if shape in ("palm", "cup"):
        yield [thumb_base, _offset(thumb_base, _turn(up, -sign * 50), 0.055)]
    elif shape == "thumb":
        base = _offset(_offset(palm, up, palm_r * 0.6), side, -palm_r * 0.45)
        yield [base, _offset(base, up, 0.065)]
    elif shape == "finger_heart":
        tip = _offset(palm, up, palm_r * 1.6)
        yield [_offset(palm, side, -palm_r * 0.6), _offset(tip, side, palm_r * 0.3)]
        yield [_offset(palm, side, palm_r * 0.2), _offset(tip, side, -palm_r * 0.5)]
    elif shape == "half_heart":
        # the fingers bend over in one curve towards the little-finger side, the thumb closes the heart below
        centre = _offset(palm, side, palm_r * 0.9)
        arc = []
        for step in range(9):
            t = math.radians(180 - 180 * step / 8)
            arc.append(
                _offset(_offset(centre, side, math.cos(t) * palm_r * 1.4), up, math.sin(t) * palm_r * 2.0 + palm_r)
            )
        yield arc
        yield [thumb_base, _offset(_offset(thumb_base, up, -0.03), side, 0.05)]
    else:
        yield [thumb_base, _offset(thumb_base, up, FOLDED)]
