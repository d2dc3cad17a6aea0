"""Cover every face, in place, at the face's size and tilt, so the picture still reads as people posing. Hands in
front of a face can be kept (`keep`): those pixels are put back afterwards. Three styles (`CoverStyle`):

- MOSAIC: the head (face, hair, ears) pixelated into a few coarse cells. The default first try.
- SOLID: the mosaic, then the face itself filled with one flat colour: nothing face-like is left for a detector. The
  fallback when the check still finds a face in the mosaic (a small face's blocks can look like one).
- DRAWN: the mosaic with a flat cartoon face (dot eyes, blush, smile) drawn over it. Not used by default: the face
  detector finds such drawn faces and the embedder puts them 0.39-0.53 from real people, inside the clustering
  threshold, so the check refuses most of them (`deid.drawn_rejected_share`, README "De-identified examples")."""

from __future__ import annotations

import math
from collections.abc import Sequence
from enum import StrEnum

import cv2
import numpy as np

from vision.faces import DetectedFace

# The pixelated area around the face box (hair, ears), as a multiple of the box's half sides.
HEAD_SCALE_X = 1.45
HEAD_SCALE_Y = 1.6
# Mosaic cells across the head: too few for any identity to survive, enough to keep the hair's colour and shape.
MOSAIC_CELLS = 5
# The drawn face, as a multiple of the box's half sides (YuNet's box runs from the brows to the chin).
FACE_SCALE_X = 1.05
FACE_SCALE_Y = 1.2
# Every drawn face has the same pastel skin, half-way towards the photo's own colour so the picture stays coherent.
PASTEL_SKIN = np.array([255, 221, 196], dtype=np.float32)
SKIN_MIX = 0.5
INK = (60, 45, 40)
BLUSH = (255, 150, 160)
SUBPIXEL = 4  # cv2 drawing with fractional coordinates: shift bits
# Fingers kept in front of a face: strokes along MediaPipe's finger chains this thick (share of the hand's
# wrist-to-middle-knuckle length), and the palm polygon. Only the fingers, not their convex hull: the face between
# a V-sign's fingers stays covered.
FINGER_THICKNESS = 0.32
FINGER_CHAINS = ((0, 1, 2, 3, 4), (5, 6, 7, 8), (9, 10, 11, 12), (13, 14, 15, 16), (17, 18, 19, 20))
PALM = (0, 1, 5, 9, 13, 17)
# Around each hand the photo shows through the style: the hand's outline grown by this share of its length, with
# edges feathered over this share. The landmarker also reads the hand's surroundings: on 37 named-pose photos a
# margin of 0.35 kept 67 % of the poses, 1.0 kept 73 % (no style at all: 95 %).
HAND_MARGIN = 1.0
HAND_FEATHER = 0.15


class CoverStyle(StrEnum):
    MOSAIC = "mosaic"
    SOLID = "solid"
    DRAWN = "drawn"


def cover_faces(
    rgb: np.ndarray,
    faces: Sequence[DetectedFace],
    keep: np.ndarray | None = None,
    *,
    style: CoverStyle = CoverStyle.MOSAIC,
) -> np.ndarray:
    """A copy of `rgb` with every face in `faces` covered in `style`. `keep` (H, W) bool: pixels (hands) that stay
    as they are in `rgb`, even inside a face."""
    out = rgb.copy()
    for face in sorted(faces, key=lambda f: f.box[2] * f.box[3]):
        _mosaic_head(out, face)
        if style is CoverStyle.SOLID:
            _fill_face(out, face)
        elif style is CoverStyle.DRAWN:
            _draw_face(out, face, _skin_colour(rgb, face))
    if keep is not None and keep.any():
        out[keep] = rgb[keep]
    return out


def finger_mask(shape: tuple[int, ...], hands: Sequence[np.ndarray]) -> np.ndarray:
    """(H, W) bool: the fingers and palms of hands given as (21, 2+) MediaPipe points in image pixels."""
    mask = np.zeros(shape[:2], dtype=np.uint8)
    for points in hands:
        xy = np.asarray(points, dtype=np.float64)[:, :2]
        size = float(np.linalg.norm(xy[9] - xy[0])) or 1.0
        thickness = max(2, round(size * FINGER_THICKNESS))
        cv2.fillPoly(mask, [np.round(xy[list(PALM)]).astype(np.int32)], 255)
        for chain in FINGER_CHAINS:
            line = np.round(xy[list(chain)]).astype(np.int32)
            cv2.polylines(mask, [line], False, 255, thickness, cv2.LINE_8)
    return mask > 0


def unstyled_hands(styled: np.ndarray, photo: np.ndarray, hands: Sequence[np.ndarray]) -> np.ndarray:
    """`styled` with the photo's own pixels faded back in around each hand (its outline grown by HAND_MARGIN of the
    hand's length, feathered): neural styles blur fingers past what the hand landmarker reads (deid.pose_kept)."""
    mask = np.zeros(photo.shape[:2], dtype=np.float32)
    feather = 1.0
    for points in hands:
        xy = np.asarray(points, dtype=np.float64)[:, :2]
        size = float(np.linalg.norm(xy[9] - xy[0])) or 1.0
        hull = cv2.convexHull(np.round(xy).astype(np.int32))
        cv2.fillConvexPoly(mask, hull, 1.0)
        grow = max(1, round(size * HAND_MARGIN))
        mask = np.maximum(mask, cv2.dilate((mask > 0).astype(np.float32), np.ones((2 * grow + 1,) * 2, np.uint8)))
        feather = max(feather, size * HAND_FEATHER)
    alpha = cv2.GaussianBlur(mask, (0, 0), feather)[:, :, None]
    blended: np.ndarray = styled.astype(np.float32) * (1.0 - alpha) + photo.astype(np.float32) * alpha
    return (blended + 0.5).astype(np.uint8)


def _geometry(face: DetectedFace) -> tuple[float, float, float, float, float]:
    """Centre x, y, half width, half height and tilt (degrees, the eye line) of a face."""
    x, y, w, h = face.box
    (rx, ry), (lx, ly) = face.landmarks[0], face.landmarks[1]
    tilt = math.degrees(math.atan2(ly - ry, lx - rx)) if lx != rx or ly != ry else 0.0
    tilt = max(-45.0, min(45.0, tilt))
    return x + w / 2, y + h / 2, w / 2, h / 2, tilt


def _ellipse_mask(shape: tuple[int, ...], cx: float, cy: float, ax: float, ay: float, tilt: float) -> np.ndarray:
    mask = np.zeros(shape[:2], dtype=np.uint8)
    scale = 1 << SUBPIXEL
    cv2.ellipse(
        mask,
        (round(cx * scale), round(cy * scale)),
        (max(1, round(ax * scale)), max(1, round(ay * scale))),
        tilt,
        0,
        360,
        255,
        -1,
        cv2.LINE_8,
        SUBPIXEL,
    )
    return mask > 0


def _mosaic_head(out: np.ndarray, face: DetectedFace) -> None:
    cx, cy, hw, hh, tilt = _geometry(face)
    ax, ay = hw * HEAD_SCALE_X, hh * HEAD_SCALE_Y
    height, width = out.shape[:2]
    left, top = max(0, int(cx - ax)), max(0, int(cy - ay))
    right, bottom = min(width, math.ceil(cx + ax)), min(height, math.ceil(cy + ay))
    if right - left < 2 or bottom - top < 2:
        return
    patch = out[top:bottom, left:right]
    cell = max(2.0, 2 * ax / MOSAIC_CELLS)
    small = cv2.resize(
        patch,
        (max(1, round((right - left) / cell)), max(1, round((bottom - top) / cell))),
        interpolation=cv2.INTER_AREA,
    )
    blocks = cv2.resize(small, (right - left, bottom - top), interpolation=cv2.INTER_NEAREST)
    mask = _ellipse_mask(out.shape, cx - left, cy - top, ax, ay, tilt)[: bottom - top, : right - left]
    patch[mask] = blocks[mask]


def _fill_face(out: np.ndarray, face: DetectedFace) -> None:
    cx, cy, hw, hh, tilt = _geometry(face)
    mask = _ellipse_mask(out.shape, cx, cy, hw * FACE_SCALE_X, hh * FACE_SCALE_Y, tilt)
    if mask.any():
        out[mask] = np.median(out[mask], axis=0).astype(np.uint8)


def _skin_colour(rgb: np.ndarray, face: DetectedFace) -> tuple[int, int, int]:
    x, y, w, h = face.box
    height, width = rgb.shape[:2]
    # the cheeks and nose: below the eyes, above the mouth, away from the box's edges
    inner = rgb[
        max(0, int(y + 0.45 * h)) : min(height, int(y + 0.75 * h)),
        max(0, int(x + 0.25 * w)) : min(width, int(x + 0.75 * w)),
    ]
    own = np.median(inner.reshape(-1, 3), axis=0) if inner.size else PASTEL_SKIN
    mixed = PASTEL_SKIN * (1 - SKIN_MIX) + np.asarray(own, dtype=np.float32) * SKIN_MIX
    red, green, blue = (int(v) for v in np.clip(mixed, 0, 255))
    return red, green, blue


def _point(x: float, y: float) -> tuple[int, int]:
    scale = 1 << SUBPIXEL
    return round(x * scale), round(y * scale)


def _axes(ax: float, ay: float) -> tuple[int, int]:
    scale = 1 << SUBPIXEL
    return max(1, round(ax * scale)), max(1, round(ay * scale))


def _draw_face(out: np.ndarray, face: DetectedFace, skin: tuple[int, int, int]) -> None:
    cx, cy, hw, hh, tilt = _geometry(face)
    line = max(1, round(hw / 12))
    aa = cv2.LINE_AA
    cv2.ellipse(out, _point(cx, cy), _axes(hw * FACE_SCALE_X, hh * FACE_SCALE_Y), tilt, 0, 360, skin, -1, aa, SUBPIXEL)
    cv2.ellipse(out, _point(cx, cy), _axes(hw * FACE_SCALE_X, hh * FACE_SCALE_Y), tilt, 0, 360, INK, line, aa, SUBPIXEL)
    # features on the face's own axes: u along the eye line, v down the face
    angle = math.radians(tilt)
    u = np.array([math.cos(angle), math.sin(angle)])
    v = np.array([-math.sin(angle), math.cos(angle)])
    centre = np.array([cx, cy])

    def at(du: float, dv: float) -> np.ndarray:
        return centre + u * du * hw + v * dv * hh

    eye_r = max(1.0, hw * 0.13)
    for side in (-1, 1):
        eye = at(0.36 * side, -0.12)
        cv2.ellipse(out, _point(*eye), _axes(eye_r * 0.8, eye_r), tilt, 0, 360, INK, -1, aa, SUBPIXEL)
        shine = eye + u * eye_r * 0.3 - v * eye_r * 0.4
        cv2.circle(out, _point(*shine), max(1, round(eye_r * 0.3 * (1 << SUBPIXEL))), (255, 255, 255), -1, aa, SUBPIXEL)
        cheek = at(0.55 * side, 0.22)
        blush = out.copy()
        cv2.ellipse(blush, _point(*cheek), _axes(hw * 0.16, hh * 0.09), tilt, 0, 360, BLUSH, -1, aa, SUBPIXEL)
        cv2.addWeighted(blush, 0.55, out, 0.45, 0, dst=out)
    mouth = at(0.0, 0.38)
    cv2.ellipse(out, _point(*mouth), _axes(hw * 0.26, hh * 0.16), tilt, 15, 165, INK, line, aa, SUBPIXEL)
