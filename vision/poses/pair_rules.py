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
from vision.poses.landmarks import HandLandmarks
from vision.poses.types import PoseHit

MIN_CONFIDENCE = 0.5
MIDDLE_TIP = 12
INDEX_PIP = 6
# Joint heart read by its top: the nearest index/middle tips of the two hands within this many face widths.
HEART_TIPS_MEET = 0.45
# A wrist this many face heights above the other's shoulder is raised, not resting on it.
RAISED_ABOVE_SHOULDER = 0.6
# Arms over shoulders read from a hand: where a frontal face's shoulder usually is (face widths across, heights down),
# how near it the hanging hand's wrist lies (face widths), how far down its fingers point (cosine to straight down),
# and how far from a's face centre a's hand can be (face widths: a 3.3-width arm from a shoulder 1.2 widths out).
SHOULDER_ACROSS, SHOULDER_DOWN = 1.1, 1.6
HAND_AT_SHOULDER, HANG_MIN_DOWN, REACH_FROM_FACE = 0.8, 0.6, 5.0


def joint_heart(a: Person, b: Person) -> float:
    """합동 하트: a hand of each person between the two faces, the two making one heart. Each person's hand is the one
    on their side (its wrist nearer their face than the other's), whoever it was given to: the two hands meet between
    the people, where body wrists are easily swapped (pose renders). The heart is seen either way, the surer counts:
    by its point (`_heart_by_thumbs`) or by its top (`_heart_by_curl`)."""
    hands = [hand for hand, _ in (*a.hands, *b.hands)]
    sides = [_side(hand, a, b) for hand in hands]
    best = 0.0
    for hand_a, side_a in zip(hands, sides, strict=True):
        for hand_b, side_b in zip(hands, sides, strict=True):
            if side_a is a and side_b is b:
                best = max(best, _heart_by_thumbs(hand_a, hand_b, a, b), _heart_by_curl(hand_a, hand_b, a, b))
    return best


def _heart_by_thumbs(hand_a: HandLandmarks, hand_b: HandLandmarks, a: Person, b: Person) -> float:
    """Index tips touching above thumb tips touching, between the two faces."""
    unit = (a.width + b.width) / 2
    left, right = sorted((a.centre[0], b.centre[0]))
    tops = float(np.linalg.norm(hand_a.points[INDEX_TIP, :2] - hand_b.points[INDEX_TIP, :2])) / unit
    bottoms = float(np.linalg.norm(hand_a.points[THUMB_TIP, :2] - hand_b.points[THUMB_TIP, :2])) / unit
    meet = (hand_a.points[INDEX_TIP, :2] + hand_b.points[INDEX_TIP, :2]) / 2
    between = 1.0 if left - 0.5 * unit <= meet[0] <= right + 0.5 * unit else 0.0
    heart_way_up = _ramp(min(hand_a.points[THUMB_TIP, 1], hand_b.points[THUMB_TIP, 1]) - meet[1], 0.0, 0.3 * unit)
    return _ramp(tops, 0.6, 0.3) * _ramp(bottoms, 0.8, 0.4) * between * heart_way_up


def _heart_by_curl(hand_a: HandLandmarks, hand_b: HandLandmarks, a: Person, b: Person) -> float:
    """The heart's top, without its thumbs: the two hands' fingertips touching near the middle between the faces,
    each hand's fingers reaching in from its wrist, which is lower and out on its person's side, and curled over (the
    index tip not above its middle joint: a high five or palms pressed together point up). MediaPipe reads the back
    of a half-heart hand as the palm of the other hand (on the pose renders, 18 of 20 such hands were labelled
    "right"), which puts its thumb up the hand's outer edge, at the height of the index, instead of at the heart's
    point."""
    unit = (a.width + b.width) / 2
    middle = (a.centre[0] + b.centre[0]) / 2
    tips_a, tips_b = hand_a.points[[INDEX_TIP, MIDDLE_TIP], :2], hand_b.points[[INDEX_TIP, MIDDLE_TIP], :2]
    touching = min(float(np.linalg.norm(p - q)) for p in tips_a for q in tips_b) / unit
    meet = (tips_a.mean(axis=0) + tips_b.mean(axis=0)) / 2
    central = _ramp(abs(float(meet[0]) - middle) / abs(float(b.centre[0] - a.centre[0]) or 1.0), 0.25, 0.15)
    below_chins = _ramp(float(meet[1]) - max(a.chin, b.chin), -0.3 * unit, 0.0)
    score = _ramp(touching, HEART_TIPS_MEET + 0.15, HEART_TIPS_MEET) * central * below_chins
    for hand, tips in ((hand_a, tips_a), (hand_b, tips_b)):
        wrist = hand.points[WRIST, :2]
        reaching_in = _ramp(
            (abs(float(wrist[0]) - middle) - abs(float(tips.mean(axis=0)[0]) - middle)) / unit, 0.1, 0.25
        )
        wrist_lower = _ramp((float(wrist[1]) - float(tips[:, 1].min())) / unit, 0.1, 0.3)
        curled = _ramp((hand.points[INDEX_TIP, 1] - hand.points[INDEX_PIP, 1]) / unit, -0.3, -0.15)
        score *= reaching_in * wrist_lower * curled
    return score


def _side(hand: HandLandmarks, a: Person, b: Person) -> Person:
    """Of two people, the one on whose side of the picture the hand's wrist is."""
    wrist_x = float(hand.points[WRIST, 0])
    return a if abs(wrist_x - a.centre[0]) <= abs(wrist_x - b.centre[0]) else b


def arms_over_shoulders(a: Person, b: Person) -> float:
    """어깨동무: one of a's arms lies along b's shoulders. Seen either way, the surer one counts: a's body shows the arm
    (`_arm_on_shoulder`), or a hand hangs over b's far shoulder (`_hand_over_shoulder`)."""
    return max(_arm_on_shoulder(a, b), _hand_over_shoulder(a, b))


def _arm_on_shoulder(a: Person, b: Person) -> float:
    """a's body: its wrist at b's far shoulder (the arm lies across b's shoulders; a wrist at b's near shoulder is a
    hand on the shoulder, or a V-sign held beside a's own face, which on the pose renders Pose placed there), not
    above it (a hand raised is held well above b's shoulder), and its elbow up at shoulder height (an arm reaching
    forward past b, e.g. for a toast, has its elbow low)."""
    if a.body is None:
        return 0.0  # a hand near b's shoulder without a's body cannot be told from b's own hand
    shoulder_y = float(np.mean([p[1] for p in a.shoulders()]))
    away = 1.0 if b.centre[0] >= a.centre[0] else -1.0
    far = [p for p in b.shoulders() if (p[0] - b.centre[0]) * away > 0]
    best = 0.0
    for wrist_index, elbow_index in ((LEFT_WRIST, LEFT_ELBOW), (RIGHT_WRIST, RIGHT_ELBOW)):
        wrist, elbow = a.body_point(wrist_index, 0.2), a.body_point(elbow_index, 0.3)
        if wrist is None or elbow is None:
            continue
        elbow_up = _ramp(elbow[1] - shoulder_y, 0.8 * a.height, 0.3 * a.height)
        for shoulder in far:
            at_shoulder = _ramp(float(np.linalg.norm(wrist - shoulder)) / b.width, 0.9, 0.5)
            resting = _ramp(shoulder[1] - wrist[1], RAISED_ABOVE_SHOULDER * b.height, 0.35 * b.height)
            best = max(best, at_shoulder * elbow_up * resting)
    return best


def _hand_over_shoulder(a: Person, b: Person) -> float:
    """A hand hanging over b's shoulder on the side away from a, fingers down: it comes from behind b, over the
    shoulder, so it is a's (nobody's own hand rests on their shoulder fingers down; a hand raised to one's own
    shoulder points up or across). MediaPipe Pose mostly loses an arm lying behind a neighbour's neck (on the pose
    renders the reaching elbow and wrist came out 1.6-2.4 face widths off, or no body at all), and the hand itself
    is often given to b, whose shoulder it is on: so a's and b's hands are read alike, by where the hand is and how
    it hangs."""
    away = 1.0 if b.centre[0] >= a.centre[0] else -1.0
    x, y, w, h = b.face
    estimated = np.array([x + w / 2 + away * SHOULDER_ACROSS * w, y + SHOULDER_DOWN * h])
    seen = [p for p in b.shoulders() if (p[0] - b.centre[0]) * away > 0]
    best = 0.0
    for hand, _ in (*a.hands, *b.hands):
        wrist = hand.points[WRIST, :2]
        fingers = hand.points[MIDDLE_TIP, :2] - wrist
        down = float(fingers[1]) / max(float(np.linalg.norm(fingers)), 1e-6)
        hanging = _ramp(down, HANG_MIN_DOWN, HANG_MIN_DOWN + 0.2) * _ramp(float(fingers[1]) / hand.size, 0.3, 0.6)
        at_shoulder = max(
            _ramp(float(np.linalg.norm(wrist - shoulder)) / w, HAND_AT_SHOULDER + 0.4, HAND_AT_SHOULDER)
            for shoulder in (estimated, *seen)
        )
        far_side = _ramp((wrist[0] - b.centre[0]) * away / w, 0.3, 0.6)
        resting = _ramp(estimated[1] - wrist[1], RAISED_ABOVE_SHOULDER * h, 0.35 * h)
        within_reach = _ramp(float(np.linalg.norm(wrist - a.centre)) / a.width, REACH_FROM_FACE, REACH_FROM_FACE - 0.5)
        best = max(best, hanging * at_shoulder * far_side * resting * within_reach)
    return best


def bunny_ears(a: Person, b: Person) -> float:
    """토끼 귀: a's V-sign rises behind b's head (fingertips above b's face, the V's middle within its width: the two
    fingers stand either side of it, one may be past the face's edge)."""
    x, y, w, h = b.face
    best = 0.0
    for hand, shape in a.hands:
        if shape.name not in {"v_sign", "gyaru_peace"}:
            continue
        tips = hand.points[[INDEX_TIP, MIDDLE_TIP], :2]
        above = min(_ramp(y + 0.2 * h - tip[1], 0.0, 0.2 * h) for tip in tips)
        over = _ramp(-abs(float(tips[:, 0].mean()) - (x + w / 2)) / w, -0.9, -0.6)
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
