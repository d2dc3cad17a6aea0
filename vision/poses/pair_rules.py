"""Two-person poses: joint heart, arms over shoulders, bunny ears. Distances in the pair's face widths."""

from __future__ import annotations

from collections.abc import Sequence
from itertools import permutations

import numpy as np

from vision.poses.body_rules import (
    INDEX_TIP,
    LEFT_ELBOW,
    LEFT_WRIST,
    RIGHT_ELBOW,
    RIGHT_WRIST,
    THUMB_TIP,
    WRIST,
    Person,
    _ramp,
)
from vision.poses.types import PoseHit

MIN_CONFIDENCE = 0.5
MIDDLE_TIP = 12
# A wrist this many face heights above the other's shoulder is raised, not resting on it.
RAISED_ABOVE_SHOULDER = 0.6


def joint_heart(a: Person, b: Person) -> float:
    """합동 하트: a hand of each person, index tips touching above thumb tips touching, between the two faces."""
    unit = (a.width + b.width) / 2
    left, right = sorted((a.centre[0], b.centre[0]))
    best = 0.0
    for hand_a, _ in a.hands:
        for hand_b, _ in b.hands:
            tops = float(np.linalg.norm(hand_a.points[INDEX_TIP, :2] - hand_b.points[INDEX_TIP, :2])) / unit
            bottoms = float(np.linalg.norm(hand_a.points[THUMB_TIP, :2] - hand_b.points[THUMB_TIP, :2])) / unit
            meet = (hand_a.points[INDEX_TIP, :2] + hand_b.points[INDEX_TIP, :2]) / 2
            between = 1.0 if left - 0.5 * unit <= meet[0] <= right + 0.5 * unit else 0.0
            heart_way_up = _ramp(
                min(hand_a.points[THUMB_TIP, 1], hand_b.points[THUMB_TIP, 1]) - meet[1], 0.0, 0.3 * unit
            )
            best = max(best, _ramp(tops, 0.6, 0.3) * _ramp(bottoms, 0.8, 0.4) * between * heart_way_up)
    return best


def arms_over_shoulders(a: Person, b: Person) -> float:
    """어깨동무: one of a's arms lies along b's shoulders: its wrist at one of b's shoulders, not above it (a hand
    raised beside a's own face, e.g. a V-sign, is held well above b's shoulder: found on the pose renders), and its
    elbow up at shoulder height (an arm reaching forward past b, e.g. for a toast, has its elbow low)."""
    if a.body is None:
        return 0.0  # a hand near b's shoulder without a's body cannot be told from b's own hand
    shoulder_y = float(np.mean([p[1] for p in a.shoulders()]))
    best = 0.0
    for wrist_index, elbow_index in ((LEFT_WRIST, LEFT_ELBOW), (RIGHT_WRIST, RIGHT_ELBOW)):
        wrist, elbow = a.body_point(wrist_index, 0.2), a.body_point(elbow_index, 0.3)
        if wrist is None or elbow is None:
            continue
        elbow_up = _ramp(elbow[1] - shoulder_y, 0.8 * a.height, 0.3 * a.height)
        for shoulder in b.shoulders():
            at_shoulder = _ramp(float(np.linalg.norm(wrist - shoulder)) / b.width, 0.9, 0.5)
            resting = _ramp(shoulder[1] - wrist[1], RAISED_ABOVE_SHOULDER * b.height, 0.35 * b.height)
            best = max(best, at_shoulder * elbow_up * resting)
    return best


def bunny_ears(a: Person, b: Person) -> float:
    """토끼 귀: a's V-sign rises behind b's head (fingertips above b's face, within its width)."""
    x, y, w, h = b.face
    best = 0.0
    for hand, shape in a.hands:
        if shape.name not in {"v_sign", "gyaru_peace"}:
            continue
        tips = hand.points[[INDEX_TIP, MIDDLE_TIP], :2]
        above = min(_ramp(y + 0.2 * h - tip[1], 0.0, 0.2 * h) for tip in tips)
        over = min(_ramp(-abs(tip[0] - (x + w / 2)) / w, -0.9, -0.6) for tip in tips)
        not_too_high = _ramp(hand.points[WRIST, 1], y - 2.0 * h, y - 1.0 * h)
        best = max(best, shape.confidence * above * over * not_too_high)
    return best


PAIR_RULES = {"joint_heart": joint_heart, "arms_over_shoulders": arms_over_shoulders, "bunny_ears": bunny_ears}
SYMMETRIC = {"joint_heart"}


def pair_poses(people: Sequence[Person]) -> list[PoseHit]:
    """Every two-person pose with confidence ≥ MIN_CONFIDENCE (for a pose one person makes to the other, the
    first index is the maker: bunny ears (maker, wearer), arms over shoulders (arm's owner, the other))."""
    hits: dict[tuple[str, tuple[int, int]], float] = {}
    for a, b in permutations(people, 2):
        for key, rule in PAIR_RULES.items():
            if key in SYMMETRIC and a.index > b.index:
                continue
            confidence = rule(a, b)
            if confidence >= MIN_CONFIDENCE:
                hits[(key, (a.index, b.index))] = confidence
    return [PoseHit(key, round(c, 3), pair) for (key, pair), c in sorted(hits.items(), key=lambda item: -item[1])]
