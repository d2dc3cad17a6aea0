"""One person's poses from their face box, body landmarks, hands (with shapes) and face blendshapes.

All distances are in the person's face widths / heights, so a rule reads the same for a close-up and a group.
Each rule returns a confidence 0-1 (0 = not this pose); `person_poses` keeps those ≥ MIN_CONFIDENCE.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from vision.poses.hand_shapes import OTHER, HandShape
from vision.poses.landmarks import BodyLandmarks, Box, HandLandmarks
from vision.poses.types import PoseHit

MIN_CONFIDENCE = 0.5
LEFT_SHOULDER, RIGHT_SHOULDER, LEFT_ELBOW, RIGHT_ELBOW, LEFT_WRIST, RIGHT_WRIST = 11, 12, 13, 14, 15, 16
LEFT_HIP, RIGHT_HIP = 23, 24
INDEX_TIP, THUMB_TIP, WRIST = 8, 4, 0


@dataclass(frozen=True, eq=False)
class Person:
    index: int
    face: Box
    body: BodyLandmarks | None
    hands: tuple[tuple[HandLandmarks, HandShape], ...]
    blendshapes: Mapping[str, float] | None = None

    @property
    def centre(self) -> np.ndarray:
        x, y, w, h = self.face
        return np.array([x + w / 2, y + h / 2])

    @property
    def width(self) -> float:
        return float(self.face[2])

    @property
    def height(self) -> float:
        return float(self.face[3])

    @property
    def top(self) -> float:
        return float(self.face[1])

    @property
    def chin(self) -> float:
        return float(self.face[1] + self.face[3])

    def body_point(self, index: int, visibility: float = 0.5) -> np.ndarray | None:
        if self.body is None or not self.body.seen(index, visibility):
            return None
        point: np.ndarray = self.body.points[index]
        return point

    def wrists(self) -> list[np.ndarray]:
        """Both wrists when the body shows them, else the wrists of the person's hands."""
        from_body = [self.body_point(i) for i in (LEFT_WRIST, RIGHT_WRIST)]
        if all(point is not None for point in from_body):
            return [point for point in from_body if point is not None]
        return [hand.points[WRIST, :2] for hand, _ in self.hands]

    def shoulders(self) -> list[np.ndarray]:
        """Both shoulders from the body, else where they usually are below a frontal face."""
        from_body = [self.body_point(i) for i in (LEFT_SHOULDER, RIGHT_SHOULDER)]
        if all(point is not None for point in from_body):
            return [point for point in from_body if point is not None]
        x, y, w, h = self.face
        return [np.array([x + w / 2 + side * 1.1 * w, y + 1.6 * h]) for side in (1, -1)]


def _ramp(value: float, zero: float, one: float) -> float:
    return float(np.clip((value - zero) / (one - zero), 0.0, 1.0))


def hands_up(person: Person) -> float:
    """만세: both wrists well above the head and far apart."""
    wrists = person.wrists()
    if len(wrists) < 2:
        return 0.0
    a, b = wrists[:2]
    above = min(_ramp(person.top - point[1], 0.0, 0.4 * person.height) for point in (a, b))
    apart = _ramp(abs(a[0] - b[0]) / person.width, 1.4, 2.0)
    return above * apart


def arm_heart(person: Person) -> float:
    """머리 위 큰 하트: both hands meet above the head, the elbows out wider than the shoulders."""
    wrists = person.wrists()
    if len(wrists) < 2:
        return 0.0
    a, b = wrists[:2]
    above = min(_ramp(person.top - point[1], -0.1 * person.height, 0.3 * person.height) for point in (a, b))
    together = _ramp(float(np.linalg.norm(a - b)) / person.width, 1.4, 0.8)
    elbows = [person.body_point(i, 0.3) for i in (LEFT_ELBOW, RIGHT_ELBOW)]
    if all(e is not None for e in elbows):
        left, right = elbows
        span = abs(left[0] - right[0]) / person.width  # type: ignore[index]
        raised = min(_ramp(person.chin + person.height - e[1], 0.0, 0.5 * person.height) for e in elbows)  # type: ignore[index]
        arms = _ramp(span, 1.6, 2.4) * raised
    else:
        arms = 0.7  # hands alone: less sure
    return above * together * arms


def arms_crossed(person: Person) -> float:
    """팔짱: each wrist across the body's midline at chest height, below the shoulders."""
    left_shoulder, right_shoulder, left_wrist, right_wrist = (
        person.body_point(i) for i in (LEFT_SHOULDER, RIGHT_SHOULDER, LEFT_WRIST, RIGHT_WRIST)
    )
    if left_shoulder is None or right_shoulder is None or left_wrist is None or right_wrist is None:
        return 0.0
    midline = (left_shoulder[0] + right_shoulder[0]) / 2
    half_span = abs(left_shoulder[0] - right_shoulder[0]) / 2 or 1.0
    # The person's left shoulder is on the side of larger x in a frontal view: find which way "left" is.
    towards_left = np.sign(left_shoulder[0] - right_shoulder[0]) or 1.0
    left_across = (midline - left_wrist[0]) * towards_left / half_span  # > 0: left wrist on the right side
    right_across = (right_wrist[0] - midline) * towards_left / half_span
    shoulder_y = (left_shoulder[1] + right_shoulder[1]) / 2
    low_enough = min(_ramp(w[1] - shoulder_y, 0.0, 0.5 * person.height) for w in (left_wrist, right_wrist))
    not_too_low = min(
        _ramp(w[1] - shoulder_y, 3.0 * person.height, 2.0 * person.height) for w in (left_wrist, right_wrist)
    )
    return min(_ramp(left_across, -0.1, 0.3), _ramp(right_across, -0.1, 0.3)) * low_enough * not_too_low


def flower_cup(person: Person) -> float:
    """꽃받침: two open hands cupping the chin from below, one on each side of the face's middle."""
    hands = [(hand, shape) for hand, shape in person.hands if shape.name in {"open_palm", OTHER, "cat_paw"}]
    if len(hands) < 2:
        return 0.0
    x, _, w, h = person.face
    best = 0.0
    for i in range(len(hands)):
        for j in range(i + 1, len(hands)):
            pair = (hands[i][0], hands[j][0])
            heights = [_ramp(-abs(hand.centre[1] - (person.chin + 0.3 * h)) / h, -0.7, -0.3) for hand in pair]
            inside = [_ramp(-abs(hand.centre[0] - (x + w / 2)) / w, -1.1, -0.7) for hand in pair]
            sides = sorted(hand.centre[0] for hand in pair)
            straddle = _ramp(sides[1] - sides[0], 0.3 * w, 0.6 * w)
            best = max(best, min(*heights, *inside) * straddle)
    return best


def _on_cheek(person: Person, point: np.ndarray) -> float:
    """1 when `point` lies on a cheek: inside the face's outer third on either side, between the eyes and chin."""
    x, y, w, h = person.face
    horizontal = abs(point[0] - (x + w / 2)) / w  # 0 centre, 0.5 edge
    vertical = (point[1] - y) / h
    return (
        _ramp(horizontal, 0.1, 0.22)
        * _ramp(horizontal, 0.8, 0.6)
        * _ramp(vertical, 0.3, 0.45)
        * _ramp(vertical, 1.1, 0.95)
    )


def cheek_poke(person: Person) -> float:
    """볼콕: a pointing index finger whose tip is on a cheek."""
    scores = [
        shape.confidence * _on_cheek(person, hand.points[INDEX_TIP, :2])
        for hand, shape in person.hands
        if shape.name == "point"
    ]
    return max(scores, default=0.0)


def cheek_heart(person: Person) -> float:
    """볼하트: a finger heart held against the cheek, or two curled hands on both cheeks making one heart."""
    finger_hearts = [
        shape.confidence * _on_cheek(person, hand.points[INDEX_TIP, :2])
        for hand, shape in person.hands
        if shape.name == "finger_heart"
    ]
    curled = [hand for hand, shape in person.hands if shape.name in {OTHER, "cat_paw", "fist"}]
    both = 0.0
    cx = person.centre[0]
    for i in range(len(curled)):
        for j in range(i + 1, len(curled)):
            a, b = curled[i].points[INDEX_TIP, :2], curled[j].points[INDEX_TIP, :2]
            if (a[0] - cx) * (b[0] - cx) < 0:  # one hand on each side of the face
                both = max(both, min(_on_cheek(person, a), _on_cheek(person, b)))
    return max([both, *finger_hearts])


def wink(person: Person) -> float:
    """윙크: one eye closed, the other open (FaceLandmarker blendshapes)."""
    shapes = person.blendshapes
    if not shapes or "eyeBlinkLeft" not in shapes or "eyeBlinkRight" not in shapes:
        return 0.0
    closed, opened = sorted((shapes["eyeBlinkLeft"], shapes["eyeBlinkRight"]), reverse=True)
    return _ramp(closed, 0.35, 0.6) * _ramp(closed - opened, 0.25, 0.45)


BODY_RULES = {
    "hands_up": hands_up,
    "arm_heart": arm_heart,
    "arms_crossed": arms_crossed,
    "flower_cup": flower_cup,
    "cheek_poke": cheek_poke,
    "cheek_heart": cheek_heart,
    "wink": wink,
}
HAND_POSES = ("v_sign", "thumbs_up", "ok_sign", "open_palm", "fist", "point", "finger_heart", "gyaru_peace", "cat_paw")


def person_poses(person: Person) -> list[PoseHit]:
    """Every pose of the person with confidence ≥ MIN_CONFIDENCE: hand shapes (the surest hand of each shape) and
    the body and face rules."""
    best: dict[str, float] = {}
    for _, shape in person.hands:
        if shape.name in HAND_POSES:
            best[shape.name] = max(best.get(shape.name, 0.0), shape.confidence)
    for key, rule in BODY_RULES.items():
        best[key] = rule(person)
    return [
        PoseHit(key, round(confidence, 3), (person.index,))
        for key, confidence in sorted(best.items(), key=lambda item: -item[1])
        if confidence >= MIN_CONFIDENCE
    ]
