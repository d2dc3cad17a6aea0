"""Articulated people for the pose renders: a 21-joint hand with per-finger bends, two-bone arms, a torso and head,
drawn into a raster.Canvas; their true hand points and body joints come out alongside (MediaPipe's numbering).

Lengths are in face widths (`unit`); a point is given as (across, down, depth) from the face centre in those units,
the person's left on the viewer's right. Hands are built in their own frame: x towards the thumb, y along the
fingers, z the way the palm faces (fingers curl towards +z), in palm lengths / 100 (wrist to middle knuckle = 100).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from evals.pose_renders.raster import Canvas

Colour = tuple[float, float, float]
KNUCKLES = {"index": (28.0, 95.0), "middle": (6.0, 100.0), "ring": (-15.0, 94.0), "pinky": (-34.0, 84.0)}
SEGMENTS = {"index": (40, 25, 20), "middle": (45, 28, 20), "ring": (42, 26, 19), "pinky": (32, 20, 17)}
RADII = {"index": (9.5, 7.8), "middle": (10.0, 8.0), "ring": (9.2, 7.6), "pinky": (8.0, 6.6)}
FAN = {"index": 4.0, "middle": 0.0, "ring": -4.0, "pinky": -9.0}  # natural sideways angle of each finger
FIRST = {"index": 5, "middle": 9, "ring": 13, "pinky": 17}
THUMB_CMC, THUMB_LENGTHS = np.array([24.0, 22.0, 6.0]), (32.0, 30.0, 25.0)
THUMB_REACH = 0.97 * sum(THUMB_LENGTHS)  # CMC to tip, thumb all but straight
FOLDED = (85.0, 100.0, 55.0)
# Body, in face widths from the face centre.
SHOULDER = np.array([1.2, 1.55, 0.3])
UPPER_ARM, FOREARM, PALM = 1.75, 1.55, 0.72
# MediaPipe Pose indices of the joints the rules read.
NOSE, L_SHOULDER, R_SHOULDER, L_ELBOW, R_ELBOW, L_WRIST, R_WRIST, L_HIP, R_HIP = 0, 11, 12, 13, 14, 15, 16, 23, 24


def unit_vector(v: np.ndarray) -> np.ndarray:
    norm = float(np.linalg.norm(v))
    return v / norm if norm > 1e-9 else v


@dataclass(frozen=True)
class HandShape:
    """Finger bends (MCP, PIP, DIP degrees), sideways spread (degrees, + towards the thumb) and the thumb tip in the
    hand frame (None: the thumb lies folded across the palm)."""

    bends: dict[str, tuple[float, float, float]] = field(default_factory=dict)
    spread: dict[str, float] = field(default_factory=dict)
    thumb_tip: tuple[float, float, float] | None = (70.0, 70.0, -5.0)

    def points(self) -> np.ndarray:
        """(21, 3) points in the hand frame."""
        points = np.zeros((21, 3))
        for finger, (kx, ky) in KNUCKLES.items():
            angle = np.radians(FAN[finger] + self.spread.get(finger, 0.0))
            direction = np.array([np.sin(angle), np.cos(angle), 0.0])
            current = np.array([kx, ky, 0.0])
            points[FIRST[finger]] = current
            bent = 0.0
            for joint, (length, bend) in enumerate(
                zip(SEGMENTS[finger], self.bends.get(finger, (0, 0, 0)), strict=True)
            ):
                bent += np.radians(bend)
                current = current + length * (np.cos(bent) * direction + np.sin(bent) * np.array([0.0, 0.0, 1.0]))
                points[FIRST[finger] + 1 + joint] = current
        tip = np.array(self.thumb_tip if self.thumb_tip is not None else (-5.0, 55.0, 32.0))
        # A tip out of the thumb's reach is pulled back along the same line: a thumb stretched to an impossible
        # length is a hand MediaPipe (trained on real hands) cannot read, as the first finger hearts were.
        reach = float(np.linalg.norm(tip - THUMB_CMC))
        if reach > THUMB_REACH:
            tip = THUMB_CMC + (tip - THUMB_CMC) * (THUMB_REACH / reach)
        points[1] = THUMB_CMC
        towards = unit_vector(unit_vector(tip - THUMB_CMC) + np.array([0.45, -0.1, 0.0]))
        points[2] = THUMB_CMC + THUMB_LENGTHS[0] * towards
        points[3] = elbow_of(points[2], tip, THUMB_LENGTHS[1], THUMB_LENGTHS[2], np.array([1.0, 0.0, -0.6]))
        points[4] = tip
        return points


@dataclass(frozen=True)
class Hand:
    shape: HandShape
    side: str  # "left" or "right": the person's own hand
    finger_dir: tuple[float, float, float]  # image-space direction from wrist to middle knuckle
    palm_dir: tuple[float, float, float]  # the way the palm faces (z < 0: towards the camera)

    def frame(self) -> np.ndarray:
        """(3, 3) columns: thumb side, finger direction, palm direction in image space."""
        y = unit_vector(np.array(self.finger_dir, float))
        z = np.array(self.palm_dir, float)
        z = unit_vector(z - (z @ y) * y)
        x = np.cross(y, z)
        return np.stack([x if self.side == "right" else -x, y, z], axis=1)


@dataclass(frozen=True)
class Arm:
    wrist: tuple[float, float, float]  # target, face widths from the face centre
    pole: tuple[float, float, float]  # the way the elbow points
    hand: Hand
    sleeve: bool = True  # a long sleeve down to the wrist (else skin from the elbow)


@dataclass(frozen=True)
class Person:
    centre: tuple[float, float]  # face centre, image pixels
    unit: float  # face width in pixels
    depth: float  # face centre depth in pixels
    left: Arm
    right: Arm
    skin: Colour
    shirt: Colour
    hair: Colour
    lean: float = 0.0  # sideways tilt of the torso (radians)

    def at(self, local: np.ndarray | tuple[float, float, float]) -> np.ndarray:
        point = np.asarray(local, float)
        return np.array([self.centre[0], self.centre[1], self.depth]) + self.unit * point


@dataclass(frozen=True)
class Drawn:
    """What was drawn of one person: the true landmarks (image pixels) and the head's primitive id."""

    head_id: int
    hands: tuple[tuple[np.ndarray, str], ...]  # (21, 3) points and the side
    body: np.ndarray  # (33, 2), only the joints in BODY_JOINTS are set
    face_box: tuple[float, float, float, float]  # where the pasted face's detector box lands


def elbow_of(start: np.ndarray, end: np.ndarray, first: float, second: float, pole: np.ndarray) -> np.ndarray:
    """The middle joint of a two-bone chain from `start` to `end`, bent towards `pole` (lengths kept; an end out of
    reach straightens the chain)."""
    axis = end - start
    distance = float(np.clip(np.linalg.norm(axis), abs(first - second) + 1e-6, first + second - 1e-6))
    axis = unit_vector(axis)
    along = (first**2 - second**2 + distance**2) / (2 * distance)
    across = np.sqrt(max(first**2 - along**2, 0.0))
    bend = unit_vector(pole - (pole @ axis) * axis)
    return start + along * axis + across * bend


def arm_joints(person: Person, arm: Arm, sign: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Shoulder, elbow and wrist in image pixels (`sign` +1 for the person's left arm)."""
    shoulder = person.at(SHOULDER * np.array([sign, 1.0, 1.0]))
    target = person.at(arm.wrist)
    reach = (UPPER_ARM + FOREARM) * person.unit * 0.999
    if np.linalg.norm(target - shoulder) > reach:
        target = shoulder + reach * unit_vector(target - shoulder)
    elbow = elbow_of(shoulder, target, UPPER_ARM * person.unit, FOREARM * person.unit, np.asarray(arm.pole, float))
    return shoulder, elbow, target


def draw_hand(canvas: Canvas, hand: Hand, wrist: np.ndarray, palm_px: float, skin: Colour) -> np.ndarray:
    """Rasterise one hand; returns its 21 points in image pixels."""
    frame = hand.frame() * (palm_px / 100.0)
    local = hand.shape.points()
    points = wrist + local @ frame.T
    r = palm_px / 100.0
    canvas.ellipsoid(wrist + np.array([-3.0, 50.0, -4.0]) @ frame.T, hand.frame(), (40 * r, 54 * r, 14 * r), skin)
    for finger in KNUCKLES:
        base = FIRST[finger]
        canvas.capsule(
            wrist + np.array([KNUCKLES[finger][0] * 0.45, 20.0, -3.0]) @ frame.T, points[base], 14 * r, 11 * r, skin
        )
        radii = np.linspace(*RADII[finger], 4)
        for joint in range(3):
            canvas.capsule(points[base + joint], points[base + joint + 1], radii[joint] * r, radii[joint + 1] * r, skin)
    canvas.capsule(wrist + np.array([5.0, 10.0, -2.0]) @ frame.T, points[2], 17 * r, 12 * r, skin)
    for joint in (2, 3):
        canvas.capsule(points[joint], points[joint + 1], (12 - 1.2 * (joint - 2)) * r, (10.5 - joint + 2) * r, skin)
    return points


def draw_person(canvas: Canvas, person: Person) -> Drawn:
    """Torso, neck, head and hair, both arms and hands; the face itself is pasted later onto the head's pixels."""
    u = person.unit
    body = np.zeros((33, 2))
    tilt = np.array(
        [[np.cos(person.lean), -np.sin(person.lean), 0], [np.sin(person.lean), np.cos(person.lean), 0], [0, 0, 1]]
    )
    canvas.ellipsoid(person.at((0.0, 3.0, 0.5)), tilt, (1.3 * u, 1.9 * u, 0.62 * u), person.shirt, 0.05)
    left_shoulder, right_shoulder = person.at(SHOULDER), person.at(SHOULDER * np.array([-1.0, 1.0, 1.0]))
    canvas.capsule(left_shoulder, right_shoulder, 0.45 * u, 0.45 * u, person.shirt, 0.05)
    canvas.capsule(person.at((0.0, 0.4, 0.25)), person.at((0.0, 1.45, 0.3)), 0.36 * u, 0.42 * u, person.skin)
    head_id = canvas.ellipsoid(person.at((0.0, -0.12, 0.0)), np.eye(3), (0.56 * u, 0.8 * u, 0.55 * u), person.skin)
    canvas.ellipsoid(person.at((0.0, -0.3, 0.22)), np.eye(3), (0.66 * u, 0.82 * u, 0.6 * u), person.hair, 0.4)
    hands = []
    for arm, sign, indices in (
        (person.left, 1.0, (L_SHOULDER, L_ELBOW, L_WRIST)),
        (person.right, -1.0, (R_SHOULDER, R_ELBOW, R_WRIST)),
    ):
        shoulder, elbow, wrist = arm_joints(person, arm, sign)
        canvas.capsule(shoulder, elbow, 0.4 * u, 0.33 * u, person.shirt, 0.05)
        canvas.capsule(elbow, wrist, 0.31 * u, 0.22 * u, person.shirt if arm.sleeve else person.skin)
        if arm.sleeve:
            canvas.capsule(elbow + 0.8 * (wrist - elbow), wrist, 0.23 * u, 0.21 * u, person.skin)
        points = draw_hand(canvas, arm.hand, wrist, PALM * u, person.skin)
        hands.append((points, arm.hand.side))
        for index, point in zip(indices, (shoulder, elbow, wrist), strict=True):
            body[index] = point[:2]
    body[NOSE] = person.at((0.0, 0.05, 0.0))[:2]
    body[L_HIP], body[R_HIP] = person.at((0.8, 4.3, 0.5))[:2], person.at((-0.8, 4.3, 0.5))[:2]
    cx, cy = person.centre
    face_box = (cx - 0.5 * u, cy - 0.63 * u, u, 1.26 * u)
    return Drawn(head_id, tuple(hands), body, face_box)
