"""Run the bot's photo analysis on rendered scenes and on the renderer's own true landmarks.

`read_rendered` is what the bot does with a photo (pipeline.analysis.analyse_rgb: cuts, face detection, smiles,
then vision.poses per cut); `oracle_keys` applies the same pose rules to the landmarks the renderer drew, so a miss
can be put on the detector (MediaPipe did not see it) or on the rule (the rule does not fire on the true pose).
"""

from __future__ import annotations

import csv
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from evals.pose_renders.faces import FaceSource
from evals.pose_renders.scenes import CLASSES, MEASURED, PoseClass, Rendered, render_scene
from pipeline.analysis import analyse_rgb
from vision.faces import detect_faces
from vision.models import model_path
from vision.poses.body_rules import Person, person_poses
from vision.poses.hand_shapes import classify_hand
from vision.poses.landmarks import BodyLandmarks, Box, HandLandmarks
from vision.poses.pair_rules import pair_poses
from vision.poses.recognise import PoseReading, recognise_poses

SEED = 20260611  # the fitting half: rules changed after looking at the renders were set on these pictures
HELD_OUT_SEED = 20260612  # the held-out half: other seeds and the other half of the faces, never looked at
PORTRAIT = "sample_portrait"
PORTRAIT_FACE = (178.0, 63.0, 89.0, 112.0)  # the face detector's box in the pinned portrait
IDENTITY_FACES = 30  # one photo per person of <data>/identity


@dataclass(frozen=True)
class Outcome:
    kind: str
    truth: frozenset[str]
    allowed: frozenset[str]  # may be shown too: a finger heart held to the cheek is also a finger heart
    found: frozenset[str]  # measured keys the bot's analysis named
    oracle: frozenset[str]  # measured keys the rules name on the true landmarks
    faces: int  # faces the analysis kept
    people: int  # people drawn
    hands_drawn: int  # drawn hands whose 21 points all lie inside the picture
    hands_found: int
    bodies_found: int
    held_out: bool = False


def portrait_faces() -> list[FaceSource]:
    """The pinned public-domain portrait (always there after `make setup`)."""
    from PIL import Image

    with Image.open(model_path(PORTRAIT)) as image:
        return [FaceSource(np.asarray(image.convert("RGB")), PORTRAIT_FACE)]


def identity_faces(identity_dir: Path, count: int = IDENTITY_FACES) -> list[FaceSource]:
    """The first photo of each person of <data>/identity whose face the detector finds (read, never copied)."""
    chosen: dict[str, Path] = {}
    with (identity_dir / "labels.csv").open(newline="", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            chosen.setdefault(row["identity"], identity_dir / row["file"])
    faces = []
    for path in list(chosen.values())[:count]:
        bgr = cv2.imread(str(path), cv2.IMREAD_COLOR)
        if bgr is None:
            continue
        rgb = cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB)
        found = detect_faces(rgb)
        if found:
            faces.append(FaceSource(rgb, tuple(float(v) for v in found[0].box)))  # type: ignore[arg-type]
    return faces


def scenes(per_class: int, faces: Sequence[FaceSource], seed: int = SEED) -> list[tuple[PoseClass, Rendered]]:
    return [
        (kind, render_scene(kind, np.random.default_rng((seed, index, sample)), faces))
        for index, kind in enumerate(CLASSES)
        for sample in range(per_class)
    ]


def halves(
    per_class: int, faces: Sequence[FaceSource]
) -> tuple[list[tuple[PoseClass, Rendered]], list[tuple[PoseClass, Rendered]]]:
    """The fitting half (SEED, the first half of the faces) and the held-out half (HELD_OUT_SEED, the other faces),
    `per_class` pictures of each class in each. With a single face source both halves use it."""
    middle = len(faces) // 2
    first, second = (faces[:middle], faces[middle:]) if middle else (faces, faces)
    return scenes(per_class, first, SEED), scenes(per_class, second, HELD_OUT_SEED)


def read_rendered(rgb: np.ndarray) -> tuple[frozenset[str], int, list[PoseReading]]:
    """The measured keys the bot's photo analysis names, the faces it kept, and the pose readings of its cuts."""
    readings: list[PoseReading] = []

    def recording(cut: np.ndarray, boxes: Sequence[Box], shapes: Sequence[Mapping[str, float] | None]) -> PoseReading:
        reading = recognise_poses(cut, boxes, shapes)
        readings.append(reading)
        return reading

    analysis = analyse_rgb(rgb, recognise=recording)
    keys = {hit.key for face in analysis.faces for hit in face.poses} | {p.pose.key for p in analysis.pair_poses}
    return frozenset(keys & set(MEASURED)), len(analysis.faces), readings


def oracle_keys(rendered: Rendered) -> frozenset[str]:
    """The measured keys the rules name when given the renderer's true hands and bodies and face boxes."""
    people = []
    for index, drawn in enumerate(rendered.drawn):
        hands = []
        for points, side in drawn.hands:
            relative = points.copy()
            relative[:, 2] -= relative[0, 2]
            hands.append((HandLandmarks(relative, side, 1.0), classify_hand(relative, side)))
        visibility = np.where(np.any(drawn.body != 0, axis=1), 0.99, 0.0)
        body = BodyLandmarks(drawn.body, visibility)
        people.append(Person(index, drawn.face_box, body, tuple(hands)))
    keys = {hit.key for person in people for hit in person_poses(person)} | {hit.key for hit in pair_poses(people)}
    return frozenset(keys & set(MEASURED))


def in_frame_hands(rendered: Rendered) -> int:
    height, width = rendered.rgb.shape[:2]
    return sum(
        bool(np.all((points[:, 0] >= 0) & (points[:, 0] < width) & (points[:, 1] >= 0) & (points[:, 1] < height)))
        for drawn in rendered.drawn
        for points, _ in drawn.hands
    )


def measure(rendered: Rendered, kind: PoseClass, held_out: bool = False) -> Outcome:
    found, faces, readings = read_rendered(rendered.rgb)
    hands = sum(len(reading.hands) for reading in readings)
    bodies = sum(person.body_found for reading in readings for person in reading.people)
    return Outcome(
        kind=kind.name,
        truth=rendered.truth,
        allowed=rendered.allowed,
        found=found,
        oracle=oracle_keys(rendered),
        faces=faces,
        people=kind.people,
        hands_drawn=in_frame_hands(rendered),
        hands_found=hands,
        bodies_found=bodies,
        held_out=held_out,
    )


def precision_recall(outcomes: Sequence[Outcome], key: str, field: str = "found") -> tuple[float, float]:
    """Per picture: the key named (in `field`) against the key shown (pictures that may show it either way left out)."""
    counted = [outcome for outcome in outcomes if key not in outcome.allowed]
    named = [key in getattr(outcome, field) for outcome in counted]
    shown = [key in outcome.truth for outcome in counted]
    hits = sum(n and s for n, s in zip(named, shown, strict=True))
    return hits / max(1, sum(named)), hits / max(1, sum(shown))


def false_names(outcomes: Sequence[Outcome]) -> dict[str, dict[str, int]]:
    """Per measured key, the classes whose pictures it was named on without being shown (or allowed)."""
    false: dict[str, dict[str, int]] = {}
    for outcome in outcomes:
        for key in outcome.found - outcome.truth - outcome.allowed:
            false.setdefault(key, {}).setdefault(outcome.kind, 0)
            false[key][outcome.kind] += 1
    return false


def f1(precision: float, recall: float) -> float:
    return 0.0 if precision + recall == 0 else 2 * precision * recall / (precision + recall)
