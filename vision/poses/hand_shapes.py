"""Hand shape of one hand from its 21 landmarks: a named shape with a confidence, or "other".

Two layers:
1. Rules on finger states (`finger_states`): each named shape has necessary conditions ("a V has index and middle
   up and ring and pinky not up"). A shape whose conditions fail is impossible, whatever the classifier says, so a
   hand that fits none of them is "other" instead of being forced into the nearest class.
2. Among the shapes still possible, a multinomial logistic regression on `hand_features.FEATURES`
   (hand_shape_model.json, fitted by scripts/fit_poses.py, which also has an explicit "other" class made of
   hard negatives) gives the confidences. Below MIN_CONFIDENCE the answer is "other".
Three shapes no public photo set labels are rules alone, checked first: finger heart, gyaru peace (a V turned over,
fingers pointing sideways or down) and cat paw (fingers hooked at the middle joints, knuckles straight).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import numpy as np

from vision.poses.hand_features import FEATURES, hand_features

MODEL_JSON = Path(__file__).with_name("hand_shape_model.json")
OTHER = "other"
CLASSIFIED = ("v_sign", "thumbs_up", "ok_sign", "open_palm", "fist", "point")
RULE_SHAPES = ("finger_heart", "gyaru_peace", "cat_paw")
SHAPES = (*CLASSIFIED, *RULE_SHAPES, OTHER)
MIN_CONFIDENCE = 0.5

# Finger states from the summed joint bends (degrees) and the fingertip reach (see hand_features).
EXTENDED_BEND, EXTENDED_REACH = 75.0, 1.1
FOLDED_BEND, FOLDED_REACH = 110.0, 0.95
THUMB_OUT_REACH = 1.3
# A V has its two fingers parted; two fingers held together ("two up") are not one. On the gesture photos parted Vs
# measure ≥ 8° and ≥ 0.42 palm lengths between the tips, held-together fingers ≤ 4° and ≤ 0.28 (set by looking).
V_MIN_SPREAD, V_MIN_TIPS = 6.0, 0.35


@dataclass(frozen=True)
class HandShape:
    name: str  # one of SHAPES
    confidence: float  # 0-1: how sure the named shape is (for "other": how sure it is none of them)


@dataclass(frozen=True)
class FingerStates:
    extended: frozenset[str]
    folded: frozenset[str]
    thumb_out: bool

    def up(self, *fingers: str) -> bool:
        return all(f in self.extended for f in fingers)

    def down(self, *fingers: str) -> bool:
        return all(f in self.folded for f in fingers)

    def not_up(self, *fingers: str) -> bool:
        return not any(f in self.extended for f in fingers)

    def not_down(self, *fingers: str) -> bool:
        return not any(f in self.folded for f in fingers)


def finger_states(features: dict[str, float]) -> FingerStates:
    extended, folded = set(), set()
    for finger in ("index", "middle", "ring", "pinky"):
        bend, reach = features[f"bend.{finger}"], features[f"reach.{finger}"]
        if bend < EXTENDED_BEND and reach > EXTENDED_REACH:
            extended.add(finger)
        if bend > FOLDED_BEND or reach < FOLDED_REACH:
            folded.add(finger)
    return FingerStates(frozenset(extended), frozenset(folded), features["reach.thumb"] >= THUMB_OUT_REACH)


def possible_shapes(features: dict[str, float]) -> set[str]:
    """The classified shapes whose necessary finger conditions hold."""
    s = finger_states(features)
    possible = set()
    parted = features["index_middle_spread"] >= V_MIN_SPREAD and features["index_middle_tips"] >= V_MIN_TIPS
    if s.not_down("index", "middle") and s.not_up("ring", "pinky") and parted:
        possible.add("v_sign")
    if s.not_up("index", "middle", "ring", "pinky") and s.thumb_out and features["up.thumb"] > 0.3:
        possible.add("thumbs_up")
    if features["thumb_index_tips"] < 0.5 and sum(f not in s.folded for f in ("middle", "ring", "pinky")) >= 2:
        possible.add("ok_sign")
    if s.not_down("index", "middle", "ring", "pinky"):
        possible.add("open_palm")
    if s.not_up("index", "middle", "ring", "pinky"):
        possible.add("fist")
    if s.not_down("index") and s.not_up("middle", "ring", "pinky"):
        possible.add("point")
    return possible


def _ramp(value: float, zero: float, one: float) -> float:
    """0 at `zero`, 1 at `one`, linear between (either direction)."""
    return float(np.clip((value - zero) / (one - zero), 0.0, 1.0))


# Finger heart (손가락 하트), in the hand's own proportions. A real thumb is too short to reach the tip of a nearly
# straight index (the rule's first version asked for that, and neither MediaPipe nor a real hand shows it): the index
# bends at its knuckle and the thumb, stretched up along it, crosses the index's middle bone. Set on MediaPipe's
# landmarks of the fitting half of evals/pose_renders (its held-out half scores them) and checked against the gesture
# photos: their fists keep the index folded further (reach ≤ 0.78 in 95 %), their pointing fingers straighter
# (≥ 1.30); the thumb tip lies on a rendered finger heart's index at ≤ 0.2 palm lengths.
HEART_INDEX_REACH = (0.78, 0.88, 1.17, 1.25)  # 0 below the first, 1 between the middle two, 0 above the last
HEART_THUMB_ON_INDEX = (0.32, 0.2)  # thumb tip to the index's middle bone (palm lengths): 0 at the first, 1 at 2nd
HEART_THUMB_OUT = (1.3, 1.45)  # thumb reach: a thumb folded over the fist stays short
HEART_THUMB_TOP = (-0.6, -0.4)  # thumb_highest: the thumb tip among the hand's highest points, not low by the palm
# Shown upright, its thumb pointing up (rendered: up.thumb ≥ 0.88); a fist lying on its side, as in crossed arms,
# gave the same finger geometry with the thumb level or down (≤ -0.2).
HEART_THUMB_UP = (0.3, 0.6)


def finger_heart_confidence(f: dict[str, float]) -> float:
    """The other three fingers folded, the index half bent (between a fist's and a pointing finger's), the thumb
    stretched out and pointing up with its tip on the index's middle bone, near the top of the hand."""
    if not finger_states(f).down("middle", "ring", "pinky"):
        return 0.0
    low_zero, low_one, high_one, high_zero = HEART_INDEX_REACH
    index_half = _ramp(f["reach.index"], low_zero, low_one) * _ramp(f["reach.index"], high_zero, high_one)
    crossing = _ramp(f["thumb_tip_to_index_middle"], *HEART_THUMB_ON_INDEX)
    thumb = _ramp(f["reach.thumb"], *HEART_THUMB_OUT) * _ramp(f["thumb_highest"], *HEART_THUMB_TOP)
    return index_half * crossing * thumb * _ramp(f["up.thumb"], *HEART_THUMB_UP)


def gyaru_confidence(f: dict[str, float]) -> float:
    """A V whose fingers point sideways or down: the hand turned palm up (갸루피스)."""
    s = finger_states(f)
    if not (s.up("index", "middle") and s.not_up("ring", "pinky")):
        return 0.0
    return _ramp(f["up.index"], 0.0, -0.5) * _ramp(f["index_middle_spread"], 5.0, 15.0)


def cat_paw_confidence(f: dict[str, float]) -> float:
    """All four fingers hooked at the middle joints while the knuckles stay straight (고양이 손)."""
    if f["reach.thumb"] > 1.5 and f["up.thumb"] > 0.5:
        return 0.0
    hooked = _ramp(f["curl_bend.fingers"], 80.0, 120.0)
    straight_knuckles = _ramp(f["mcp_bend.fingers"], 30.0, 15.0)
    return hooked * straight_knuckles


@dataclass(frozen=True)
class ShapeModel:
    classes: tuple[str, ...]
    features: tuple[str, ...]
    mean: np.ndarray
    scale: np.ndarray
    weights: np.ndarray  # (classes, features)
    bias: np.ndarray  # (classes,)

    def probabilities(self, vector: np.ndarray) -> np.ndarray:
        logits = self.weights @ ((vector - self.mean) / self.scale) + self.bias
        logits -= logits.max()
        exp = np.exp(logits)
        return exp / exp.sum()

    def to_json(self) -> dict[str, object]:
        return {
            "classes": list(self.classes),
            "features": list(self.features),
            "mean": self.mean.tolist(),
            "scale": self.scale.tolist(),
            "weights": self.weights.tolist(),
            "bias": self.bias.tolist(),
        }

    @classmethod
    def from_json(cls, raw: dict[str, object]) -> ShapeModel:
        return cls(
            classes=tuple(raw["classes"]),  # type: ignore[arg-type]
            features=tuple(raw["features"]),  # type: ignore[arg-type]
            mean=np.asarray(raw["mean"], dtype=np.float64),
            scale=np.asarray(raw["scale"], dtype=np.float64),
            weights=np.asarray(raw["weights"], dtype=np.float64),
            bias=np.asarray(raw["bias"], dtype=np.float64),
        )


@cache
def shipped_model() -> ShapeModel:
    model = ShapeModel.from_json(json.loads(MODEL_JSON.read_text()))
    if model.features != FEATURES or not set(model.classes) <= {*CLASSIFIED, OTHER}:
        raise ValueError(f"{MODEL_JSON} was fitted on other features or classes: run scripts/fit_poses.py")
    return model


def classify_features(features: dict[str, float], model: ShapeModel | None = None) -> HandShape:
    """The shape of a hand given its features (rule shapes first, then the gated classifier)."""
    for name, rule in (
        ("finger_heart", finger_heart_confidence),
        ("gyaru_peace", gyaru_confidence),
        ("cat_paw", cat_paw_confidence),
    ):
        confidence = rule(features)
        if confidence >= MIN_CONFIDENCE:
            return HandShape(name, round(confidence, 3))
    model = model or shipped_model()
    vector = np.array([features[name] for name in model.features])
    probabilities = model.probabilities(vector)
    possible = possible_shapes(features) | {OTHER}
    allowed = np.array([name in possible for name in model.classes])
    probabilities = np.where(allowed, probabilities, 0.0)
    best = int(np.argmax(probabilities))
    name, confidence = model.classes[best], float(probabilities[best])
    if name != OTHER and confidence < MIN_CONFIDENCE:
        return HandShape(OTHER, round(1.0 - confidence, 3))
    return HandShape(name, round(confidence, 3))


def classify_hand(points: np.ndarray, side: str, model: ShapeModel | None = None) -> HandShape:
    return classify_features(hand_features(points, side), model)
