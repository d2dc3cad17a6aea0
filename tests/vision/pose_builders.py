"""Constructed landmark sets for the pose tests: hands from finger bends, bodies from a few joints, in pixels."""

from __future__ import annotations

import numpy as np

from vision.poses.hand_shapes import HandShape
from vision.poses.landmarks import BodyLandmarks, HandLandmarks

# Knuckles of an upright right hand, palm to the camera (index knuckle on the viewer's right), palm length 100 px.
KNUCKLES = {"index": (30.0, -95.0), "middle": (8.0, -100.0), "ring": (-14.0, -95.0), "pinky": (-34.0, -85.0)}
SEGMENTS = {"index": (40, 25, 20), "middle": (45, 28, 20), "ring": (42, 26, 19), "pinky": (32, 20, 17)}
FIRST = {"index": 5, "middle": 9, "ring": 13, "pinky": 17}
STRAIGHT = (0.0, 0.0, 0.0)
FOLDED = (75.0, 100.0, 60.0)


def _chain(start: np.ndarray, direction: np.ndarray, lengths: tuple[float, ...], bends: tuple[float, ...]):
    """Joint positions after `start`: each bend turns the finger further towards the camera (-z)."""
    points, current, angle = [], start.copy(), 0.0
    toward = np.array([0.0, 0.0, -1.0])
    for length, bend in zip(lengths, bends, strict=True):
        angle += np.radians(bend)
        current = current + length * (np.cos(angle) * direction + np.sin(angle) * toward)
        points.append(current)
    return points


def hand_points(
    bends: dict[str, tuple[float, float, float]],
    thumb_tip: tuple[float, float] | None = None,
    *,
    tilt: dict[str, float] | None = None,
    rotate: float = 0.0,
    scale: float = 1.0,
    at: tuple[float, float] = (0.0, 0.0),
) -> np.ndarray:
    """(21, 3) points. `bends` per finger (MCP, PIP, DIP degrees; missing fingers straight); `thumb_tip` where the
    thumb ends in the upright frame (None: tucked over the folded fingers); `tilt` turns a finger sideways (degrees,
    + towards the thumb); `rotate` turns the whole hand in the picture (degrees, + clockwise on screen)."""
    points = np.zeros((21, 3))
    for finger, knuckle in KNUCKLES.items():
        start = np.array([*knuckle, 0.0])
        direction = start / np.linalg.norm(start)
        turn = np.radians((tilt or {}).get(finger, 0.0))
        direction = np.array(
            [
                direction[0] * np.cos(turn) - direction[1] * np.sin(turn),
                direction[0] * np.sin(turn) + direction[1] * np.cos(turn),
                0.0,
            ]
        )
        first = FIRST[finger]
        points[first] = start
        joints = _chain(start, direction, SEGMENTS[finger], bends.get(finger, STRAIGHT))
        points[first + 1 : first + 4] = joints
    cmc, mcp = np.array([22.0, -22.0, 0.0]), np.array([42.0, -42.0, 0.0])
    tip = np.array([*thumb_tip, 0.0]) if thumb_tip is not None else np.array([0.0, -62.0, -30.0])
    points[1], points[2] = cmc, mcp
    points[3] = mcp + 0.55 * (tip - mcp)
    points[4] = tip
    angle = np.radians(rotate)
    rotation = np.array([[np.cos(angle), -np.sin(angle)], [np.sin(angle), np.cos(angle)]])
    points[:, :2] = points[:, :2] @ rotation.T
    points *= scale
    points[:, :2] += np.array(at)
    return points


def folded(*fingers: str) -> dict[str, tuple[float, float, float]]:
    return {finger: FOLDED for finger in fingers}


SHAPE_POINTS = {
    "open_palm": lambda: hand_points({}, (85.0, -70.0), tilt={"index": 6, "ring": -5, "pinky": -10}),
    "fist": lambda: hand_points(folded("index", "middle", "ring", "pinky")),
    "v_sign": lambda: hand_points(folded("ring", "pinky"), tilt={"index": 10, "middle": -8}),
    "point": lambda: hand_points(folded("middle", "ring", "pinky")),
    "thumbs_up": lambda: hand_points(folded("index", "middle", "ring", "pinky"), (95.0, -40.0), rotate=-90),
    "ok_sign": lambda: hand_points({"index": (35.0, 70.0, 50.0)}, None, tilt={"ring": -5, "pinky": -10}),
    "gyaru_peace": lambda: hand_points(folded("ring", "pinky"), tilt={"index": 10, "middle": -8}, rotate=160),
    "cat_paw": lambda: hand_points({f: (5.0, 75.0, 60.0) for f in KNUCKLES}),
    # Not named shapes: "rock" (index and pinky up), "call" (thumb and pinky out), a claw with every finger half bent.
    "rock": lambda: hand_points(folded("middle", "ring")),
    "call": lambda: hand_points(folded("index", "middle", "ring"), (95.0, -40.0)),
    "claw": lambda: hand_points({f: (35.0, 45.0, 10.0) for f in KNUCKLES}, (70.0, -60.0)),
}


def ok_points() -> np.ndarray:
    """An OK sign: index curled so its tip meets the thumb tip, three fingers up."""
    points = hand_points({"index": (35.0, 70.0, 50.0)}, tilt={"ring": -5, "pinky": -10})
    tip = points[8].copy()
    points[4] = tip + np.array([3.0, 4.0, 0.0])
    points[3] = points[2] + 0.55 * (points[4] - points[2])
    return points


def finger_heart_points() -> np.ndarray:
    """A finger heart: the index bent at its knuckle, the thumb stretched up along it with its tip crossing the
    index's middle bone on the thumb side; three fingers folded. (A thumb ending at the tip of a nearly straight
    index, as this builder first drew it, is 1.5 times longer than a thumb.)"""
    points = hand_points({**folded("middle", "ring", "pinky"), "index": (70.0, 45.0, 15.0)})
    points[4] = (points[6] + points[7]) / 2 + np.array([10.0, 0.0, 0.0])
    points[3] = points[2] + 0.55 * (points[4] - points[2])
    return points


SHAPE_POINTS["ok_sign"] = ok_points
SHAPE_POINTS["finger_heart"] = finger_heart_points


def hand(points: np.ndarray, side: str = "right", shape: str | None = None, confidence: float = 0.9):
    """A HandLandmarks, with its HandShape when `shape` is given (for body and pair rules)."""
    landmarks = HandLandmarks(points, side, 0.95)
    return (landmarks, HandShape(shape, confidence)) if shape else landmarks


def body(joints: dict[int, tuple[float, float]], visibility: float = 0.95) -> BodyLandmarks:
    """A body with the given joints (Pose indices) visible and every other joint unseen."""
    points = np.zeros((33, 2))
    seen = np.zeros(33)
    for index, point in joints.items():
        points[index] = point
        seen[index] = visibility
    return BodyLandmarks(points, seen)


def upright_body(
    face: tuple[float, float, float, float],
    wrists: tuple[tuple[float, float], tuple[float, float]],
    elbows: tuple[tuple[float, float], tuple[float, float]] | None = None,
) -> BodyLandmarks:
    """A frontal body under `face` (left shoulder on the viewer's right) with the given (left, right) wrists."""
    x, y, w, h = face
    cx = x + w / 2
    left_shoulder, right_shoulder = (cx + 1.1 * w, y + 1.6 * h), (cx - 1.1 * w, y + 1.6 * h)
    if elbows is None:
        elbows = ((cx + 1.4 * w, y + 2.8 * h), (cx - 1.4 * w, y + 2.8 * h))
    return body(
        {
            0: (cx, y + 0.55 * h),
            11: left_shoulder,
            12: right_shoulder,
            13: elbows[0],
            14: elbows[1],
            15: wrists[0],
            16: wrists[1],
            23: (cx + 0.8 * w, y + 4.5 * h),
            24: (cx - 0.8 * w, y + 4.5 * h),
        }
    )
