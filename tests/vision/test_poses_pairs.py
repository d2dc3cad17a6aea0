"""The two-person rules as MediaPipe sees pairs (found on the pose renders): a hand hanging over a shoulder without
the arm's body landmarks, bunny ears whose maker's wrist is hidden behind the wearer's head, joint-heart hands
given to the wrong person. Each rule fires on its pose and not on a near miss."""

from __future__ import annotations

import numpy as np

from tests.vision.pose_builders import body, hand, hand_points, upright_body
from vision.poses import pair_rules
from vision.poses.body_rules import Person
from vision.poses.landmarks import HandLandmarks
from vision.poses.pair_rules import pair_poses
from vision.poses.recognise import assign_hands

LEFT_FACE, RIGHT_FACE = (200.0, 300.0, 100.0, 120.0), (420.0, 300.0, 100.0, 120.0)  # centres (250, 360), (470, 360)
B_FAR_SHOULDER = (470 + 110, 300 + 1.6 * 120)  # b's left shoulder, away from a: (580, 492)
RELAXED = {f: (15.0, 20.0, 10.0) for f in ("index", "middle", "ring", "pinky")}


def person(face, body=None, hands=(), index=0) -> Person:
    return Person(index, face, body, tuple(hands))


def hanging(wrist: tuple[float, float], rotate: float = 180.0) -> np.ndarray:
    """A relaxed hand, 50 px palm, fingers down (rotate 180) from the wrist at `wrist`."""
    return hand_points(RELAXED, (60.0, -60.0), rotate=rotate, scale=0.5, at=wrist)


def test_a_hand_hanging_over_the_far_shoulder_is_an_arm_over_shoulders_without_the_arm_seen() -> None:
    over = hand(hanging((B_FAR_SHOULDER[0], B_FAR_SHOULDER[1] - 10)), side="left", shape="other")
    a = person(LEFT_FACE, index=0)  # no body: Pose lost the arm behind b's neck
    for owner in ("a", "b"):  # given to b, whose shoulder it is on, it still counts
        a_hands, b_hands = ([over], []) if owner == "a" else ([], [over])
        pair = [person(LEFT_FACE, hands=a_hands, index=0), person(RIGHT_FACE, hands=b_hands, index=1)]
        assert pair_rules.arms_over_shoulders(*pair) > 0.9
        assert [(hit.key, hit.people) for hit in pair_poses(pair)] == [("arms_over_shoulders", (0, 1))]
    b = person(RIGHT_FACE, index=1)
    # Near misses: b's own hand raised to the shoulder (fingers up), a hand hanging at b's near shoulder (a's own
    # hand on the partner's arm), a hand hanging a face height above the shoulder, and a partner out of reach.
    up = hand(hanging((B_FAR_SHOULDER[0], B_FAR_SHOULDER[1] + 40), rotate=0.0), side="left", shape="other")
    assert pair_rules.arms_over_shoulders(a, person(RIGHT_FACE, hands=[up], index=1)) == 0.0
    near = hand(hanging((470 - 110, B_FAR_SHOULDER[1] - 10)), side="left", shape="other")
    assert pair_rules.arms_over_shoulders(person(LEFT_FACE, hands=[near]), b) == 0.0
    raised = hand(hanging((B_FAR_SHOULDER[0], B_FAR_SHOULDER[1] - 130)), side="left", shape="other")
    assert pair_rules.arms_over_shoulders(person(LEFT_FACE, hands=[raised]), b) == 0.0
    far_a = person((-400.0, 300.0, 100.0, 120.0), index=0)
    assert pair_rules.arms_over_shoulders(far_a, person(RIGHT_FACE, hands=[over], index=1)) == 0.0


def test_bunny_ears_count_the_v_by_its_middle_as_its_fingers_straddle_the_head() -> None:
    b = person(RIGHT_FACE, index=1)
    straddling = np.zeros((21, 3))
    straddling[:, :2] = (470, 330)  # wrist hidden behind b's head
    straddling[8, :2], straddling[12, :2] = (405, 250), (480, 245)  # index tip past the face's left edge
    a = person(LEFT_FACE, hands=[hand(straddling, shape="v_sign")], index=0)
    assert pair_rules.bunny_ears(a, b) > 0.8
    beside = straddling.copy()
    beside[8, :2], beside[12, :2] = (330, 250), (385, 245)  # the V's middle past b's face edge: beside the head
    assert pair_rules.bunny_ears(person(LEFT_FACE, hands=[hand(beside, shape="v_sign")]), b) == 0.0


def v_behind(face: tuple[float, float, float, float]) -> HandLandmarks:
    """A V pointing up whose wrist lies in the head above the face's middle (60 px palm)."""
    x, y, w, h = face
    points = hand_points({f: (75.0, 100.0, 60.0) for f in ("ring", "pinky")}, scale=0.6, at=(x + w / 2, y + 0.1 * h))
    return HandLandmarks(points, "left", 0.9)


def test_a_v_rising_from_behind_a_head_goes_to_the_neighbour_unless_the_head_raises_an_elbow() -> None:
    ears = v_behind(RIGHT_FACE)
    faces = [LEFT_FACE, RIGHT_FACE]
    # Pose on a pair: the wearer's elbows seen only faintly (0.3, below the 0.5 that _within_reach trusts), low.
    h = RIGHT_FACE[3]
    faint = body({11: (580, 492), 12: (360, 492), 13: (600, 640), 14: (340, 640), 0: (470, 370)}, visibility=0.3)
    assert assign_hands([ears], faces, [None, faint]) == [0]
    # The wearer's own V on their head (루피피스): an elbow seen raised beside the head keeps it theirs.
    raised = upright_body(RIGHT_FACE, ((480, 330), (360, 800)), elbows=((600, 420), (340, 640)))
    assert assign_hands([ears], faces, [None, raised]) == [1]
    # Without the wearer's body there is no telling: the nearest face, as before; alone in the picture: theirs.
    assert assign_hands([ears], faces, [None, None]) == [1]
    assert assign_hands([ears], [RIGHT_FACE], [faint]) == [0]
    # A V held in front of the chest is not behind a head: the nearest face.
    chest = HandLandmarks(ears.points + np.array([0.0, 2.0 * h, 0.0]), "left", 0.9)
    assert assign_hands([chest], faces, [None, faint]) == [1]


def half_heart(wrist: tuple[float, float], sign: float) -> np.ndarray:
    """What the joint-heart rule reads of a half heart: wrist on its person's side, index tip at the heart's top
    towards the partner, thumb tip at its bottom point."""
    points = np.zeros((21, 3))
    points[:, :2] = wrist
    points[8, :2] = (wrist[0] + sign * 45, wrist[1] - 60)
    points[4, :2] = (wrist[0] + sign * 42, wrist[1] + 40)
    return points


def test_joint_heart_takes_each_persons_hand_by_its_side_whoever_it_was_given_to() -> None:
    middle = (250 + 470) / 2  # 360
    left_half = hand(half_heart((middle - 45, 480), 1.0), side="left", shape="other")
    right_half = hand(half_heart((middle + 45, 480), -1.0), side="right", shape="other")
    both_to_b = [person(LEFT_FACE, index=0), person(RIGHT_FACE, hands=[left_half, right_half], index=1)]
    assert pair_rules.joint_heart(*both_to_b) > 0.9
    assert [(hit.key, hit.people) for hit in pair_poses(both_to_b)] == [("joint_heart", (0, 1))]
    # Near miss: two hands meeting on b's side only (b's own two hands, e.g. a two-hand heart of their own).
    own = [
        hand(half_heart((470 - 45, 480), 1.0), shape="other"),
        hand(half_heart((470 + 45, 480), -1.0), shape="other"),
    ]
    assert pair_rules.joint_heart(person(LEFT_FACE, index=0), person(RIGHT_FACE, hands=own, index=1)) == 0.0


def curled_half(wrist: tuple[float, float], sign: float, tip_below_pip: float = 10.0) -> np.ndarray:
    """A half-heart hand as MediaPipe reads its back (pixels; faces 100 px wide): the fingers reach in and up from the
    wrist, the index curled over (its tip `tip_below_pip` px below its middle joint), the thumb up the outer edge
    at the index's height, not down at the heart's point."""
    points = np.zeros((21, 3))
    points[:, :2] = wrist
    points[6, :2] = (wrist[0] + sign * 35, wrist[1] - 70)
    points[8, :2] = (wrist[0] + sign * 55, wrist[1] - 70 + tip_below_pip)
    points[12, :2] = (wrist[0] + sign * 50, wrist[1] - 72)
    points[4, :2] = (wrist[0] + sign * 10, wrist[1] - 60)
    return points


def test_joint_heart_is_seen_by_its_curled_top_when_the_thumbs_are_misread() -> None:
    middle = (250 + 470) / 2
    a = person(LEFT_FACE, hands=[hand(curled_half((middle - 60, 560), 1.0), side="right", shape="other")], index=0)
    b = person(RIGHT_FACE, hands=[hand(curled_half((middle + 60, 560), -1.0), side="right", shape="other")], index=1)
    assert pair_rules.joint_heart(a, b) > 0.9
    # Near misses: a high five (fingers straight up past their middle joints), hands meeting off the middle (in
    # front of b), hands together above the chins, and fingertips apart.
    high = [hand(curled_half((middle + s * 60, 560), -s, tip_below_pip=-40.0), shape="other") for s in (-1.0, 1.0)]
    assert pair_rules.joint_heart(person(LEFT_FACE, hands=[high[0]]), person(RIGHT_FACE, hands=[high[1]])) == 0.0
    shifted = [hand(curled_half((middle + 60 + s * 60, 560), -s), shape="other") for s in (-1.0, 1.0)]
    assert pair_rules.joint_heart(person(LEFT_FACE, hands=[shifted[0]]), person(RIGHT_FACE, hands=[shifted[1]])) < 0.5
    raised = [hand(curled_half((middle + s * 60, 430), -s), shape="other") for s in (-1.0, 1.0)]
    assert pair_rules.joint_heart(person(LEFT_FACE, hands=[raised[0]]), person(RIGHT_FACE, hands=[raised[1]])) == 0.0
    apart = [hand(curled_half((middle + s * 110, 560), -s), shape="other") for s in (-1.0, 1.0)]
    assert pair_rules.joint_heart(person(LEFT_FACE, hands=[apart[0]]), person(RIGHT_FACE, hands=[apart[1]])) == 0.0
