"""Drawn hands that MediaPipe's hand models read: 21 points from finger bends, painted as a shaded hand.

Flat cartoon hands are not found by the palm detector at all; the same outline with a rounded shading (darker
towards the edges), a little skin texture and a soft blur is found and its shape named (V-sign, open palm, thumbs
up; measured when this was written). The playground's sample strips use them so their poses are recognised, and the
pipeline's smoke test puts one beside a real face.
"""

from __future__ import annotations

import io
import itertools

import cv2
import numpy as np

# An upright right hand, palm to the camera, wrist at the origin, palm length 100: knuckle positions and the three
# segment lengths of each finger, then the thumb's base joints.
KNUCKLES = {"index": (30.0, -95.0), "middle": (8.0, -100.0), "ring": (-14.0, -95.0), "pinky": (-34.0, -85.0)}
SEGMENTS = {
    "index": (40.0, 25.0, 20.0),
    "middle": (45.0, 28.0, 20.0),
    "ring": (42.0, 26.0, 19.0),
    "pinky": (32.0, 20.0, 17.0),
}
FIRST_POINT = {"index": 5, "middle": 9, "ring": 13, "pinky": 17}
THUMB_BASE, THUMB_KNUCKLE = (22.0, -22.0), (42.0, -42.0)
CURLED = (75.0, 100.0, 60.0)  # degrees at the three joints of a folded finger

# shape → (curled fingers, thumb tip or None when tucked, sideways spread per finger in degrees, turn of the hand)
SHAPES: dict[str, tuple[tuple[str, ...], tuple[float, float] | None, dict[str, float], float]] = {
    "v_sign": (("ring", "pinky"), None, {"index": 10.0, "middle": -8.0}, 0.0),
    "open_palm": ((), (85.0, -70.0), {"index": 6.0, "ring": -5.0, "pinky": -10.0}, 0.0),
    "thumbs_up": (("index", "middle", "ring", "pinky"), (95.0, -40.0), {}, -90.0),
}


def hand_points(shape: str, size: float, centre: tuple[float, float]) -> np.ndarray:
    """(21, 2) image points of a hand showing `shape`, `size` pixels from wrist to middle knuckle, centred there."""
    curled, thumb_tip, spread, turn = SHAPES[shape]
    points = np.zeros((21, 2))
    for finger, knuckle in KNUCKLES.items():
        base = np.array(knuckle)
        angle = np.arctan2(base[1], base[0]) + np.radians(spread.get(finger, 0.0))
        direction = np.array([np.cos(angle), np.sin(angle)])
        first = FIRST_POINT[finger]
        points[first] = base
        current, bent = base.copy(), 0.0
        for joint, (length, bend) in enumerate(
            zip(SEGMENTS[finger], CURLED if finger in curled else (0.0, 0.0, 0.0), strict=True)
        ):
            bent += np.radians(bend)
            current = current + length * np.cos(bent) * direction  # a finger bending towards the camera shortens
            points[first + 1 + joint] = current
    tip = np.array(thumb_tip if thumb_tip is not None else (0.0, -62.0))
    points[1], points[2] = THUMB_BASE, THUMB_KNUCKLE
    points[3] = points[2] + 0.55 * (tip - points[2])
    points[4] = tip
    rotation = np.radians(turn)
    matrix = np.array([[np.cos(rotation), -np.sin(rotation)], [np.sin(rotation), np.cos(rotation)]])
    points = points @ matrix.T
    points = (points - points.mean(axis=0)) * size / 100.0
    return points + np.array(centre)


def draw_hand(canvas: np.ndarray, points: np.ndarray, skin: tuple[int, int, int], rng: np.random.Generator) -> None:
    """Paint the hand (and a stub of forearm) into `canvas` (RGB or BGR, the colour in the same order), shaded."""
    layer = canvas.copy()
    pixels = np.round(points).astype(np.int32)
    size = float(np.linalg.norm(points[9] - points[0]))
    width = max(3, int(size * 0.22))
    outline = tuple(int(c * 0.7) for c in skin)
    chains = ((0, 1, 2, 3, 4), (5, 6, 7, 8), (9, 10, 11, 12), (13, 14, 15, 16), (17, 18, 19, 20))
    palm = cv2.convexHull(pixels[[0, 1, 2, 5, 9, 13, 17]])
    away = points[0] - points[9]
    elbow = np.round(points[0] + away / (np.linalg.norm(away) or 1.0) * size * 1.8).astype(np.int32)
    cv2.line(layer, tuple(pixels[0]), tuple(elbow), skin, int(size * 0.7), cv2.LINE_AA)
    for colour, extra in ((outline, 4), (skin, 0)):
        for chain in chains:
            for a, b in itertools.pairwise(chain):
                cv2.line(layer, tuple(pixels[a]), tuple(pixels[b]), colour, width + extra, cv2.LINE_AA)
        cv2.fillConvexPoly(layer, palm, colour, cv2.LINE_AA)
    for chain in chains:
        for joint in chain:
            cv2.circle(layer, tuple(pixels[joint]), width // 2, skin, -1, cv2.LINE_AA)
    mask = np.any(layer != canvas, axis=2)
    inside = cv2.distanceTransform(mask.astype(np.uint8), cv2.DIST_L2, 5)
    shade = 0.65 + 0.35 * np.clip(inside / max(4.0, size * 0.1), 0.0, 1.0)
    texture = cv2.GaussianBlur(rng.normal(0.0, 8.0, mask.shape).astype(np.float32), (0, 0), 2)
    painted = layer.astype(np.float32) * shade[..., None] + texture[..., None]
    soft = cv2.GaussianBlur(np.clip(painted, 0, 255).astype(np.uint8), (0, 0), 1.2)
    canvas[mask] = soft[mask]


def hand_beside_face(face_jpeg: bytes, shape: str, seed: int = 0) -> bytes:
    """A face photo widened to the right, with a drawn hand showing `shape` at the face's height (JPEG)."""
    from PIL import Image

    face = np.asarray(Image.open(io.BytesIO(face_jpeg)).convert("RGB").resize((300, 300)))
    canvas = np.full((420, 560, 3), (222, 226, 234), dtype=np.uint8)
    canvas[60:360, 0:300] = face
    draw_hand(canvas, hand_points(shape, 80.0, (420.0, 190.0)), (205, 160, 130), np.random.default_rng(seed))
    out = io.BytesIO()
    Image.fromarray(canvas).save(out, "JPEG", quality=92)
    return out.getvalue()
