"""Numbers that describe a hand's shape from its 21 landmarks, independent of its size, place and roll.

Bends are in degrees (0 = a straight finger). `reach` is how far a fingertip is from the wrist against its own
middle joint (> 1.25 extended, < 1 folded back into the palm). Distances are in palm lengths (wrist to middle-finger
knuckle). Directions are in the picture: +1 = pointing straight up, -1 = straight down.
"""

from __future__ import annotations

import numpy as np

WRIST = 0
THUMB = (1, 2, 3, 4)
INDEX = (5, 6, 7, 8)
MIDDLE = (9, 10, 11, 12)
RING = (13, 14, 15, 16)
PINKY = (17, 18, 19, 20)
FINGERS = {"index": INDEX, "middle": MIDDLE, "ring": RING, "pinky": PINKY}

FEATURES: tuple[str, ...] = (
    *(f"bend.{name}" for name in ("thumb", *FINGERS)),
    *(f"reach.{name}" for name in ("thumb", *FINGERS)),
    "pip_bend.index",
    "mcp_bend.index",
    "mcp_bend.fingers",
    "curl_bend.fingers",
    "thumb_index_tips",
    "thumb_middle_tips",
    "thumb_tip_to_index_mcp",
    "thumb_tip_to_pinky_mcp",
    "thumb_tip_to_index_pip",
    "index_middle_spread",
    "index_middle_tips",
    "middle_ring_tips",
    "up.hand",
    "up.thumb",
    "up.index",
    "thumb_highest",
    "palm_facing",
)
# Read by the rule shapes only (not by the classifier, whose fitted weights cover FEATURES).
RULE_FEATURES: tuple[str, ...] = ("thumb_tip_to_index_middle",)


def _angle(a: np.ndarray, b: np.ndarray) -> float:
    """Angle in degrees between two vectors."""
    norm = float(np.linalg.norm(a) * np.linalg.norm(b))
    if norm == 0.0:
        return 0.0
    return float(np.degrees(np.arccos(np.clip(np.dot(a, b) / norm, -1.0, 1.0))))


def _bends(points: np.ndarray, chain: tuple[int, ...]) -> list[float]:
    """Bend at each joint of wrist→chain: the angle between the bone before and the bone after."""
    joints = [points[WRIST], *(points[i] for i in chain)]
    return [_angle(joints[k] - joints[k - 1], joints[k + 1] - joints[k]) for k in range(1, len(joints) - 1)]


def _up(points: np.ndarray, start: int, end: int) -> float:
    vector = points[end, :2] - points[start, :2]
    length = float(np.linalg.norm(vector)) or 1.0
    return float(-vector[1] / length)


def hand_features(points: np.ndarray, side: str) -> dict[str, float]:
    """The named features of one hand; `points` is (21, 3) (z may be zeros), `side` the person's "left"/"right"."""
    p = np.asarray(points, dtype=np.float64)
    palm = float(np.linalg.norm(p[9, :2] - p[WRIST, :2])) or 1.0

    def dist(i: int, j: int) -> float:
        return float(np.linalg.norm(p[i] - p[j])) / palm

    out: dict[str, float] = {}
    thumb_bends = _bends(p, THUMB)
    out["bend.thumb"] = sum(thumb_bends[1:])  # the CMC joint swings the whole thumb and says little
    for name, chain in FINGERS.items():
        out[f"bend.{name}"] = sum(_bends(p, chain))
    out["reach.thumb"] = dist(WRIST, 4) / max(dist(WRIST, 2), 1e-6)
    for name, chain in FINGERS.items():
        out[f"reach.{name}"] = dist(WRIST, chain[3]) / max(dist(WRIST, chain[1]), 1e-6)
    index_bends = _bends(p, INDEX)
    out["mcp_bend.index"] = index_bends[0]
    out["pip_bend.index"] = index_bends[1]
    finger_bends = [_bends(p, chain) for chain in FINGERS.values()]
    out["mcp_bend.fingers"] = float(np.mean([bends[0] for bends in finger_bends]))
    out["curl_bend.fingers"] = float(np.mean([bends[1] + bends[2] for bends in finger_bends]))
    out["thumb_index_tips"] = dist(4, 8)
    out["thumb_middle_tips"] = dist(4, 12)
    out["thumb_tip_to_index_mcp"] = dist(4, 5)
    out["thumb_tip_to_pinky_mcp"] = dist(4, 17)
    out["thumb_tip_to_index_pip"] = dist(4, 6)
    out["thumb_tip_to_index_middle"] = _to_segment(p[4], p[6], p[7]) / palm
    out["index_middle_spread"] = _angle(p[8, :2] - p[5, :2], p[12, :2] - p[9, :2])
    out["index_middle_tips"] = dist(8, 12)
    out["middle_ring_tips"] = dist(12, 16)
    out["up.hand"] = _up(p, WRIST, 9)
    out["up.thumb"] = _up(p, 2, 4)
    out["up.index"] = _up(p, 5, 8)
    others = np.delete(p[:, 1], [1, 2, 3, 4])
    out["thumb_highest"] = float((others.min() - p[4, 1]) / palm)
    out["palm_facing"] = _palm_facing(p, side)
    return out


def _to_segment(point: np.ndarray, start: np.ndarray, end: np.ndarray) -> float:
    """Distance from `point` to the segment start-end (3D)."""
    along = end - start
    share = float(np.clip(np.dot(point - start, along) / max(float(np.dot(along, along)), 1e-9), 0.0, 1.0))
    return float(np.linalg.norm(start + share * along - point))


def _palm_facing(p: np.ndarray, side: str) -> float:
    """+1 when the palm faces the camera, -1 when the back of the hand does (from the winding of wrist, index
    and pinky knuckles in the picture, which flips between a left and a right hand: a right hand held up palm to
    the camera has its index knuckle on the viewer's right)."""
    a = p[5, :2] - p[WRIST, :2]
    b = p[17, :2] - p[WRIST, :2]
    cross = float(a[0] * b[1] - a[1] * b[0]) / (float(np.linalg.norm(a) * np.linalg.norm(b)) or 1.0)
    return -cross if side == "right" else cross


def feature_vector(points: np.ndarray, side: str) -> np.ndarray:
    values = hand_features(points, side)
    return np.array([values[name] for name in FEATURES], dtype=np.float64)
