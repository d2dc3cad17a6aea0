"""Hand-shape rules and classifier on constructed hands (tests/vision/pose_builders.py)."""

from __future__ import annotations

import numpy as np
import pytest

from tests.vision.pose_builders import SHAPE_POINTS, hand_points
from vision.poses.hand_features import hand_features
from vision.poses.hand_shapes import (
    MIN_CONFIDENCE,
    OTHER,
    SHAPES,
    classify_hand,
    finger_heart_confidence,
    possible_shapes,
    shipped_model,
)

NAMED = ("open_palm", "fist", "v_sign", "point", "thumbs_up", "ok_sign", "finger_heart", "gyaru_peace", "cat_paw")


@pytest.mark.parametrize("name", NAMED)
def test_each_constructed_shape_is_recognised(name: str) -> None:
    shape = classify_hand(SHAPE_POINTS[name](), "right")
    assert shape.name == name
    assert MIN_CONFIDENCE <= shape.confidence <= 1.0


@pytest.mark.parametrize("name", NAMED)
def test_size_place_and_small_roll_do_not_change_the_shape(name: str) -> None:
    points = SHAPE_POINTS[name]()
    moved = points * 0.4
    moved[:, :2] += np.array([700.0, 300.0])
    assert classify_hand(moved, "right").name == name


@pytest.mark.parametrize("name", ["rock", "call", "claw"])
def test_unnamed_shapes_are_other_not_the_nearest_class(name: str) -> None:
    shape = classify_hand(SHAPE_POINTS[name](), "right")
    assert shape.name == OTHER
    assert shape.confidence > 0.5


def test_v_with_fingers_held_together_is_not_a_v() -> None:
    together = hand_points({"ring": (75.0, 100.0, 60.0), "pinky": (75.0, 100.0, 60.0)}, tilt={"index": -12})
    assert "v_sign" not in possible_shapes(hand_features(together, "right"))
    assert classify_hand(together, "right").name != "v_sign"


def test_thumb_pointing_down_is_not_thumbs_up() -> None:
    down = SHAPE_POINTS["thumbs_up"]()
    down[:, 1] *= -1  # mirrored top to bottom: the thumb points down
    assert classify_hand(down, "right").name != "thumbs_up"


def test_finger_heart_needs_the_thumb_on_a_half_bent_index() -> None:
    points = SHAPE_POINTS["finger_heart"]()
    assert finger_heart_confidence(hand_features(points, "right")) >= MIN_CONFIDENCE
    apart = points.copy()
    apart[4, 0] += 40.0  # thumb tip moved off the index
    assert finger_heart_confidence(hand_features(apart, "right")) < MIN_CONFIDENCE
    straight = hand_points({f: (75.0, 100.0, 60.0) for f in ("middle", "ring", "pinky")})
    straight[4] = (straight[6] + straight[7]) / 2 + np.array([10.0, 0.0, 0.0])  # a pointing index, thumb against it
    assert finger_heart_confidence(hand_features(straight, "right")) < MIN_CONFIDENCE
    fist = hand_points({f: (75.0, 100.0, 60.0) for f in ("index", "middle", "ring", "pinky")})
    fist[4] = (fist[6] + fist[7]) / 2 + np.array([10.0, 0.0, 0.0])  # a fist, thumb over the folded index
    assert finger_heart_confidence(hand_features(fist, "right")) < MIN_CONFIDENCE
    turn = np.radians(110.0)  # the same hand lying on its side, thumb pointing down a little: a fist in crossed arms
    lying = points.copy()
    lying[:, :2] = points[:, :2] @ np.array([[np.cos(turn), np.sin(turn)], [-np.sin(turn), np.cos(turn)]])
    assert finger_heart_confidence(hand_features(lying, "right")) < MIN_CONFIDENCE


def test_a_gate_overrules_the_classifier() -> None:
    """An open hand can never come out as a fist, whatever the classifier's probabilities."""
    model = shipped_model()
    fist_only = type(model)(
        model.classes,
        model.features,
        model.mean,
        model.scale,
        np.zeros_like(model.weights),
        np.where(np.array(model.classes) == "fist", 10.0, 0.0),
    )
    assert classify_hand(SHAPE_POINTS["open_palm"](), "right", fist_only).name == OTHER
    assert classify_hand(SHAPE_POINTS["fist"](), "right", fist_only).name == "fist"


def test_palm_facing_flips_with_the_hand() -> None:
    points = SHAPE_POINTS["open_palm"]()
    facing = hand_features(points, "right")["palm_facing"]
    assert facing > 0.3
    assert hand_features(points, "left")["palm_facing"] < -0.3


def test_every_shape_name_is_in_the_catalogue_or_other() -> None:
    from vision.poses.catalogue import catalogue

    assert set(SHAPES) - {OTHER} <= set(catalogue())
