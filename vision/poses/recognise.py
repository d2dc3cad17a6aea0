"""Poses of one photo or cut: hands and bodies found, given to the person (face) they belong to, then named.

    reading = recognise_poses(rgb, face_boxes)      # face_boxes: (x, y, w, h) per person, e.g. from vision.faces
    reading.people[i].poses                           # PoseHit(key, confidence) of person i (catalogue keys)
    reading.pairs                                     # two-person poses, with the two face indices

Without face boxes the whole picture is read as one person's (no body rules, no pairs; hands unassigned).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

from vision.poses.body_rules import Person, person_poses
from vision.poses.hand_shapes import HandShape, classify_hand
from vision.poses.landmarks import (
    BODY_WORK_SIDE,
    BodyLandmarks,
    Box,
    Crop,
    HandLandmarks,
    LandmarkModels,
    body_to_image,
    hands_at_wrists,
    hands_near_face,
    merge_hands,
    person_crop,
    region,
    shared_hand_region,
    to_image,
)
from vision.poses.pair_rules import pair_poses
from vision.poses.types import PoseHit

# A hand belongs to the person whose body wrist is this close (face widths), else to the nearest face this close.
WRIST_MATCH, FACE_MATCH = 1.0, 4.0
# A forearm is under 2 face widths long: a hand whose wrist is higher than that above both of a person's elbows
# cannot be that person's (the V of bunny ears above the wearer's head, its maker's wrist hidden behind that head).
FOREARM_REACH, ELBOW_VISIBILITY = 2.0, 0.5
# A hand pointing up (middle tip this many hand lengths above its wrist) whose wrist lies within the head (this many
# face widths of its middle, from this many face heights above the face box's top to this many below it) rises from
# behind that head: the wearer's own only when one of their elbows is seen within a forearm of it.
BEHIND_HEAD_UP, BEHIND_HEAD_ACROSS, BEHIND_HEAD_ABOVE, BEHIND_HEAD_BELOW = 0.8, 0.6, 0.9, 0.35
# A body found in a person's crop is that person's when its nose lies in the face box grown by this share.
NOSE_IN_FACE_MARGIN = 0.3


@dataclass(frozen=True, eq=False)
class HandReading:
    landmarks: HandLandmarks
    shape: HandShape
    person: int | None  # index into face_boxes, None when no face owns it


@dataclass(frozen=True)
class PersonReading:
    face: int
    poses: tuple[PoseHit, ...]
    hands: tuple[HandReading, ...]
    body_found: bool


@dataclass(frozen=True)
class PoseReading:
    people: tuple[PersonReading, ...]
    pairs: tuple[PoseHit, ...]
    hands: tuple[HandReading, ...] = field(default=())  # every hand, also those no face owns

    def keys(self) -> set[str]:
        """Every pose key seen in the picture (per person and pairs)."""
        return {hit.key for person in self.people for hit in person.poses} | {hit.key for hit in self.pairs}


@dataclass(frozen=True, eq=False)
class FoundLandmarks:
    hands: tuple[HandLandmarks, ...]  # every hand, each once, image coordinates
    bodies: tuple[BodyLandmarks | None, ...]  # one per face box (without boxes: the picture's most visible person)


def find_landmarks(
    rgb: np.ndarray, face_boxes: Sequence[Box] = (), models: LandmarkModels | None = None
) -> FoundLandmarks:
    """Hands and bodies: the whole picture when no face is given, else a crop around each face."""
    models = models or LandmarkModels.shared()
    if not face_boxes:
        hands = models.hands(rgb)
        body = models.body(rgb)
        if body is not None:
            hands += hands_at_wrists(rgb, body, hands, models)
        return FoundLandmarks(tuple(merge_hands(hands)), (body,))
    found: list[HandLandmarks] = []
    shared = shared_hand_region(rgb, face_boxes)
    if shared is not None:
        pixels, crop = region(rgb, *shared)
        found = [to_image(hand, crop) for hand in models.hands(pixels)]
    bodies = []
    for box in face_boxes:
        in_crop = []
        if shared is None:
            person_pixels, crop = person_crop(rgb, box)
            in_crop = [to_image(hand, crop) for hand in models.hands(person_pixels)]
        body_pixels, body_crop = person_crop(rgb, box, BODY_WORK_SIDE)
        body = _own_body(models.body(body_pixels), body_crop, box)
        if body is not None:
            in_crop += hands_at_wrists(rgb, body, [*found, *in_crop], models)
        in_crop += hands_near_face(rgb, box, body, [*found, *in_crop], models)
        found.extend(in_crop)
        bodies.append(body)
    return FoundLandmarks(tuple(merge_hands(found)), tuple(bodies))


def read_hands(
    rgb: np.ndarray, face_boxes: Sequence[Box] = (), models: LandmarkModels | None = None
) -> list[HandLandmarks]:
    """Every hand in the picture (image coordinates), each once."""
    return list(find_landmarks(rgb, face_boxes, models).hands)


def gesture_hand(hands: Sequence[HandLandmarks]) -> HandLandmarks | None:
    """Of one person's hands, the one showing the gesture: the raised one (its centre highest in the picture)."""
    if not hands:
        return None
    return min(hands, key=lambda hand: float(hand.centre[1]))


def _own_body(body: BodyLandmarks | None, crop: Crop, box: Box) -> BodyLandmarks | None:
    """The body found in a person's crop, in image coordinates, when it is that person's."""
    if body is None:
        return None
    body = body_to_image(body, crop)
    x, y, w, h = box
    nose_x, nose_y = body.points[0]
    margin_x, margin_y = NOSE_IN_FACE_MARGIN * w, NOSE_IN_FACE_MARGIN * h
    if not (x - margin_x <= nose_x <= x + w + margin_x and y - margin_y <= nose_y <= y + h + margin_y):
        return None  # the crop's most visible person is a neighbour
    return body


def assign_hands(
    hands: Sequence[HandLandmarks], face_boxes: Sequence[Box], bodies: Sequence[BodyLandmarks | None]
) -> list[int | None]:
    """The person each hand belongs to: by the body's wrists first (an arm reaching behind a neighbour's head stays
    its owner's), else the nearest face."""
    owners: list[int | None] = []
    for hand in hands:
        wrist = hand.points[0, :2]
        best, best_distance = None, WRIST_MATCH
        for index, body in enumerate(bodies):
            if body is None:
                continue
            width = face_boxes[index][2]
            for joint in (15, 16):
                distance = float(np.linalg.norm(body.points[joint] - wrist)) / width
                if body.seen(joint, 0.3) and distance < best_distance:
                    best, best_distance = index, distance
        if best is None:
            best = _nearest_face(hand, face_boxes, bodies)
        owners.append(best)
    return owners


def _nearest_face(hand: HandLandmarks, face_boxes: Sequence[Box], bodies: Sequence[BodyLandmarks | None]) -> int | None:
    """The nearest face (FACE_MATCH) whose person can reach the hand; a hand rising from behind a head goes to
    another face when there is one and the head's own body shows no elbow raised near it (bunny ears: the maker's
    wrist is hidden behind the head, the wearer's arms hang down)."""
    wrist = hand.points[0, :2]
    candidates = []
    for index, (x, y, w, h) in enumerate(face_boxes):
        distance = float(np.linalg.norm(np.array([x + w / 2, y + h / 2]) - hand.centre)) / w
        if distance < FACE_MATCH and _within_reach(bodies[index], wrist, w):
            candidates.append((distance, index))
    candidates.sort()
    behind = [
        index
        for _, index in candidates
        if _behind_head(hand, face_boxes[index]) and not _elbow_raised(bodies[index], wrist, face_boxes[index][2])
    ]
    others = [index for _, index in candidates if index not in behind]
    if others:
        return others[0]
    return candidates[0][1] if candidates else None


def _behind_head(hand: HandLandmarks, face: Box) -> bool:
    """A hand pointing up whose wrist lies in the head above the face's middle: it rises from behind that head."""
    x, y, w, h = face
    wrist = hand.points[0, :2]
    up = float(wrist[1] - hand.points[12, 1]) >= BEHIND_HEAD_UP * hand.size
    over_head = abs(float(wrist[0]) - (x + w / 2)) <= BEHIND_HEAD_ACROSS * w
    return up and over_head and y - BEHIND_HEAD_ABOVE * h <= float(wrist[1]) <= y + BEHIND_HEAD_BELOW * h


def _elbow_raised(body: BodyLandmarks | None, wrist: np.ndarray, face_width: float) -> bool:
    """Whether the body shows an elbow within a forearm of the wrist (its own hand can be there); without a body it
    may be."""
    if body is None:
        return True
    return any(
        body.seen(elbow, ELBOW_VISIBILITY) and float(body.points[elbow, 1] - wrist[1]) <= FOREARM_REACH * face_width
        for elbow in (13, 14)
    )


def _within_reach(body: BodyLandmarks | None, wrist: np.ndarray, face_width: float) -> bool:
    """False when the body shows both elbows and the wrist lies more than a forearm above both."""
    if body is None or not all(body.seen(elbow, ELBOW_VISIBILITY) for elbow in (13, 14)):
        return True
    highest_elbow = float(min(body.points[13, 1], body.points[14, 1]))
    return highest_elbow - float(wrist[1]) <= FOREARM_REACH * face_width


def recognise_poses(
    rgb: np.ndarray,
    face_boxes: Sequence[Box],
    blendshapes: Sequence[Mapping[str, float] | None] | None = None,
    models: LandmarkModels | None = None,
) -> PoseReading:
    """Per-person and pair poses of one photo or cut. `blendshapes` (per face, optional: MediaPipe FaceLandmarker
    names such as eyeBlinkLeft) adds the face poses (wink)."""
    models = models or LandmarkModels.shared()
    boxes: list[Box] = [(float(x), float(y), float(w), float(h)) for x, y, w, h in face_boxes]
    found = find_landmarks(rgb, boxes, models)
    hands = found.hands
    if not boxes:
        readings = tuple(HandReading(hand, classify_hand(hand.points, hand.side), None) for hand in hands)
        return PoseReading((), (), readings)
    bodies = list(found.bodies)
    owners = assign_hands(hands, boxes, bodies)
    readings = tuple(
        HandReading(hand, classify_hand(hand.points, hand.side), owner)
        for hand, owner in zip(hands, owners, strict=True)
    )
    people = [
        Person(
            index=index,
            face=box,
            body=bodies[index],
            hands=tuple((r.landmarks, r.shape) for r in readings if r.person == index),
            blendshapes=(blendshapes[index] if blendshapes is not None else None),
        )
        for index, box in enumerate(boxes)
    ]
    per_person = tuple(
        PersonReading(
            person.index,
            tuple(person_poses(person)),
            tuple(r for r in readings if r.person == person.index),
            person.body is not None,
        )
        for person in people
    )
    return PoseReading(per_person, tuple(pair_poses(people)), readings)
