"""Body, face and pair pose rules on constructed people: each rule fires on its pose and not on a near miss."""

from __future__ import annotations

import numpy as np

from tests.vision.pose_builders import SHAPE_POINTS, hand, upright_body
from vision.poses import body_rules, pair_rules
from vision.poses.body_rules import Person, person_poses
from vision.poses.landmarks import HandLandmarks
from vision.poses.pair_rules import pair_poses
from vision.poses.recognise import assign_hands

FACE = (400.0, 300.0, 100.0, 120.0)  # centre (450, 360), top 300, chin 420
LEFT_FACE, RIGHT_FACE = (200.0, 300.0, 100.0, 120.0), (500.0, 300.0, 100.0, 120.0)


def placed(name: str, centre: tuple[float, float], scale: float = 0.5) -> np.ndarray:
    points = SHAPE_POINTS[name]() * scale
    points[:, :2] += np.array(centre) - points[:, :2].mean(axis=0)
    return points


def tips(index_tip: tuple[float, float], thumb_tip: tuple[float, float], wrist: tuple[float, float]) -> np.ndarray:
    """A hand reduced to what the pair rules read: wrist, thumb tip, index and middle tips."""
    points = np.zeros((21, 3))
    points[:, :2] = wrist
    points[4, :2], points[8, :2], points[12, :2] = thumb_tip, index_tip, index_tip
    return points


def person(face=FACE, body=None, hands=(), blendshapes=None, index=0) -> Person:
    return Person(index, face, body, tuple(hands), blendshapes)


def test_hands_up_needs_both_wrists_high_and_apart() -> None:
    assert body_rules.hands_up(person(body=upright_body(FACE, ((600, 150), (300, 150))))) > 0.9
    assert body_rules.hands_up(person(body=upright_body(FACE, ((600, 600), (300, 600))))) == 0.0
    assert body_rules.hands_up(person(body=upright_body(FACE, ((470, 200), (430, 200))))) == 0.0  # that is a heart


def test_arm_heart_needs_hands_together_over_the_head_and_elbows_out() -> None:
    high_elbows = ((600, 280), (300, 280))
    assert body_rules.arm_heart(person(body=upright_body(FACE, ((470, 200), (430, 200)), high_elbows))) > 0.9
    assert body_rules.arm_heart(person(body=upright_body(FACE, ((600, 150), (300, 150)), high_elbows))) == 0.0
    low_elbows = ((470, 700), (430, 700))
    assert body_rules.arm_heart(person(body=upright_body(FACE, ((470, 200), (430, 200)), low_elbows))) == 0.0


def test_arms_crossed_needs_each_wrist_past_the_middle() -> None:
    assert body_rules.arms_crossed(person(body=upright_body(FACE, ((380, 600), (520, 600))))) > 0.9
    assert body_rules.arms_crossed(person(body=upright_body(FACE, ((600, 650), (300, 650))))) == 0.0
    assert body_rules.arms_crossed(person()) == 0.0  # no body, no verdict


def test_flower_cup_needs_two_open_hands_under_the_chin() -> None:
    cup = [
        hand(placed("open_palm", (420, 456)), shape="open_palm"),
        hand(placed("open_palm", (480, 456)), shape="open_palm"),
    ]
    assert body_rules.flower_cup(person(hands=cup)) > 0.9
    chest = [
        hand(placed("open_palm", (420, 700)), shape="open_palm"),
        hand(placed("open_palm", (480, 700)), shape="open_palm"),
    ]
    assert body_rules.flower_cup(person(hands=chest)) == 0.0
    assert body_rules.flower_cup(person(hands=cup[:1])) == 0.0


def test_cheek_poke_needs_a_pointing_finger_on_the_cheek() -> None:
    on_cheek = tips((420, 380), (430, 440), (430, 470))
    assert body_rules.cheek_poke(person(hands=[hand(on_cheek, shape="point")])) > 0.8
    on_nose = tips((450, 370), (460, 440), (460, 470))
    assert body_rules.cheek_poke(person(hands=[hand(on_nose, shape="point")])) == 0.0
    assert body_rules.cheek_poke(person(hands=[hand(on_cheek, shape="v_sign")])) == 0.0


def test_cheek_heart_needs_curled_hands_on_both_cheeks() -> None:
    left, right = tips((415, 380), (405, 420), (390, 460)), tips((485, 380), (495, 420), (510, 460))
    assert body_rules.cheek_heart(person(hands=[hand(left, shape="other"), hand(right, shape="other")])) > 0.8
    same_side = tips((418, 385), (405, 420), (390, 460))
    assert body_rules.cheek_heart(person(hands=[hand(left, shape="other"), hand(same_side, shape="other")])) == 0.0
    assert body_rules.cheek_heart(person(hands=[hand(left, shape="finger_heart")])) > 0.8


def test_wink_is_one_eye_closed() -> None:
    assert body_rules.wink(person(blendshapes={"eyeBlinkLeft": 0.8, "eyeBlinkRight": 0.05})) > 0.9
    assert body_rules.wink(person(blendshapes={"eyeBlinkLeft": 0.8, "eyeBlinkRight": 0.8})) == 0.0  # a blink
    assert body_rules.wink(person()) == 0.0


def test_person_poses_lists_hand_shapes_and_rules_above_the_threshold() -> None:
    someone = person(
        body=upright_body(FACE, ((600, 150), (300, 150))),
        hands=[hand(placed("v_sign", (600, 120)), shape="v_sign", confidence=0.9)],
        blendshapes={"eyeBlinkLeft": 0.1, "eyeBlinkRight": 0.1},
    )
    keys = [hit.key for hit in person_poses(someone)]
    assert set(keys) == {"hands_up", "v_sign"}
    assert "wink" not in keys


def test_joint_heart_needs_two_hands_meeting_between_the_faces() -> None:
    a = person(LEFT_FACE, hands=[hand(tips((400, 380), (400, 470), (340, 480)), shape="other")], index=0)
    b = person(RIGHT_FACE, hands=[hand(tips((410, 380), (405, 470), (470, 480)), shape="other")], index=1)
    assert pair_rules.joint_heart(a, b) > 0.9
    far = person(RIGHT_FACE, hands=[hand(tips((480, 380), (480, 470), (520, 480)), shape="other")], index=1)
    assert pair_rules.joint_heart(a, far) == 0.0
    assert [(hit.key, hit.people) for hit in pair_poses([a, b])] == [("joint_heart", (0, 1))]


def test_arms_over_shoulders_needs_the_wrist_on_the_far_shoulder_and_the_elbow_up() -> None:
    b = person(RIGHT_FACE, index=1)
    b_shoulder = (550 + 1.1 * 100, 300 + 1.6 * 120)  # b's left shoulder, away from a
    over = upright_body(LEFT_FACE, ((350, 700), b_shoulder), elbows=((360, 640), (450, 500)))
    assert pair_rules.arms_over_shoulders(person(LEFT_FACE, body=over), b) > 0.9
    # A wrist at b's near shoulder (a hand on it, or a V-sign beside a's own face that Pose placed there: renders).
    near = upright_body(LEFT_FACE, ((350, 700), (550 - 1.1 * 100, 300 + 1.6 * 120)), elbows=((360, 640), (380, 500)))
    assert pair_rules.arms_over_shoulders(person(LEFT_FACE, body=near), b) == 0.0
    toast = upright_body(LEFT_FACE, ((350, 700), b_shoulder), elbows=((360, 640), (330, 640)))
    assert pair_rules.arms_over_shoulders(person(LEFT_FACE, body=toast), b) == 0.0
    v_beside_face = (b_shoulder[0], b_shoulder[1] - 0.7 * 120)  # a hand raised near b's shoulder, not on it
    raised = upright_body(LEFT_FACE, ((350, 700), v_beside_face), elbows=((360, 640), (380, 500)))
    assert pair_rules.arms_over_shoulders(person(LEFT_FACE, body=raised), b) == 0.0


def test_bunny_ears_need_a_v_rising_behind_the_other_head() -> None:
    ears = tips((545, 270), (520, 330), (530, 380))
    a = person(LEFT_FACE, hands=[hand(ears, shape="v_sign")], index=0)
    b = person(RIGHT_FACE, index=1)
    assert pair_rules.bunny_ears(a, b) > 0.8
    assert [(hit.key, hit.people) for hit in pair_poses([a, b])] == [("bunny_ears", (0, 1))]
    beside = tips((700, 270), (690, 330), (690, 380))
    assert pair_rules.bunny_ears(person(LEFT_FACE, hands=[hand(beside, shape="v_sign")]), b) == 0.0
    assert pair_rules.bunny_ears(person(LEFT_FACE, hands=[hand(ears, shape="fist")]), b) == 0.0


def test_a_hand_goes_to_the_body_whose_wrist_it_is_even_near_another_face() -> None:
    wrist_near_b = (530.0, 380.0)
    reaching = HandLandmarks(tips((545, 270), (520, 330), wrist_near_b), "left", 0.9)
    a_body = upright_body(LEFT_FACE, ((200, 700), wrist_near_b))
    assert assign_hands([reaching], [LEFT_FACE, RIGHT_FACE], [a_body, None]) == [0]
    assert assign_hands([reaching], [LEFT_FACE, RIGHT_FACE], [None, None]) == [1]
    far_away = HandLandmarks(tips((2000, 2000), (2000, 2010), (2000, 2020)), "left", 0.9)
    assert assign_hands([far_away], [LEFT_FACE, RIGHT_FACE], [None, None]) == [None]


def test_a_hand_above_a_head_is_not_given_to_a_person_whose_elbows_are_both_low() -> None:
    """Bunny ears: the maker's wrist is hidden behind the wearer's head, so no body claims the V; the wearer's own
    arms hang down (elbows far below), so the V cannot be theirs and goes to the next face."""
    ears = HandLandmarks(tips((545, 260), (520, 300), (560, 300)), "left", 0.9)
    arms_down = upright_body(RIGHT_FACE, ((480, 900), (620, 900)))  # elbows at y = 636
    assert assign_hands([ears], [LEFT_FACE, RIGHT_FACE], [None, arms_down]) == [0]
    assert assign_hands([ears], [LEFT_FACE, RIGHT_FACE], [None, None]) == [1]  # without the wearer's body: nearest
    raised = upright_body(RIGHT_FACE, ((480, 900), (620, 900)), elbows=((680, 400), (420, 640)))
    assert assign_hands([ears], [LEFT_FACE, RIGHT_FACE], [None, raised]) == [1]  # an elbow up: may be the wearer's
