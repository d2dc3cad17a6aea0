"""Where the pipeline looks for hands (vision/poses/landmarks.py), with a fake hands model that records its crops."""

from __future__ import annotations

from typing import cast

import numpy as np

from tests.vision.pose_builders import upright_body
from vision.poses.landmarks import HandLandmarks, LandmarkModels, hands_at_wrists, hands_near_face

FACE = (400.0, 300.0, 100.0, 120.0)  # centre (450, 360)


class Recording:
    def __init__(self) -> None:
        self.crops: list[tuple[int, int]] = []

    def hands(self, rgb: np.ndarray) -> list[HandLandmarks]:
        self.crops.append(rgb.shape[:2])
        return []


def _hand_at(wrist: tuple[float, float]) -> HandLandmarks:
    points = np.zeros((21, 3))
    points[:, :2] = wrist
    points[9, :2] = (wrist[0], wrist[1] - 60)
    return HandLandmarks(points, "left", 0.9)


def test_one_hand_found_of_two_held_together_does_not_hide_the_other() -> None:
    """A flower cup: both wrists under the chin, 40 px apart; the hand found at the right wrist accounts for that
    wrist only, so the left wrist is still looked at."""
    rgb = np.zeros((1200, 1000, 3), np.uint8)
    body = upright_body(FACE, ((470, 470), (430, 470)))
    body.points[[17, 19, 21]] = (470, 440)
    body.points[[18, 20, 22]] = (430, 440)
    body.visibility[15:23] = 0.95
    models = Recording()
    hands_at_wrists(rgb, body, [_hand_at((430, 470))], cast(LandmarkModels, models))
    assert len(models.crops) == 1
    hands_at_wrists(rgb, body, [_hand_at((430, 470)), _hand_at((470, 470))], cast(LandmarkModels, models))
    assert len(models.crops) == 1  # both wrists accounted for: no new look


def test_a_closer_look_near_the_face_only_where_the_body_has_more_wrists_than_hands_were_found() -> None:
    rgb = np.zeros((1200, 1000, 3), np.uint8)
    models = Recording()
    arms_down = upright_body(FACE, ((560, 900), (340, 900)))
    assert hands_near_face(rgb, FACE, arms_down, [], cast(LandmarkModels, models)) == []
    assert models.crops == []
    held_up = upright_body(FACE, ((500, 480), (400, 480)))  # two wrists under the chin, no hand found
    hands_near_face(rgb, FACE, held_up, [], cast(LandmarkModels, models))
    assert models.crops == [(360, 360)]  # 1.8 face widths each side
    hands_near_face(rgb, FACE, held_up, [_hand_at((500, 480)), _hand_at((400, 480))], cast(LandmarkModels, models))
    assert len(models.crops) == 1
    hands_near_face(rgb, FACE, None, [], cast(LandmarkModels, models))  # no body: always look
    assert len(models.crops) == 2
