"""A de-identified example of a pose: stylise the photo, cover every face with a drawn one, then check the result
with the face detector and embedder against the original's faces and the source chat's people; refuse it when any
face found is within the threshold."""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

import cv2
import numpy as np

from vision.deid.cover import CoverStyle, cover_faces, finger_mask, unstyled_hands
from vision.deid.stylize import Stylizer, load_stylizer
from vision.deid.verify import CHECK_MIN_FACE, nearest_distance, protected_matrix
from vision.faces import CORE_MERGE_DISTANCE, detect_faces, embed_faces
from vision.faces.detect import as_rgb
from vision.poses.recognise import read_hands

# The largest embedder distance at which the person clustering ever joins two groups (vision.faces): a face found
# in an example must lie beyond it from every protected face, so the bot itself could never file it as that person.
DEID_THRESHOLD = CORE_MERGE_DISTANCE
# Examples are shown in a chat: this long side is plenty, and it bounds the time of every step.
EXAMPLE_SIDE = 768
# A mosaic first (it keeps the hair's colour and the head's shape); a flat face when the check still finds one.
DEFAULT_COVERS = (CoverStyle.MOSAIC, CoverStyle.SOLID)


class RefusedReason(StrEnum):
    IDENTIFIABLE = "identifiable"  # a face in the result is within the threshold of a protected face


@dataclass(frozen=True, eq=False)
class Example:
    rgb: np.ndarray | None  # the de-identified picture, None when refused
    refused_reason: RefusedReason | None
    faces_replaced: int  # faces found in the original and covered
    min_distance: float  # smallest distance of a face found in the result to a protected face; inf: none found
    ms: float  # wall time of the whole step
    cover: CoverStyle | None = None  # the cover that passed the check (None: refused)
    hands_kept: bool = False  # fingers in front of faces were left visible

    @property
    def refused(self) -> bool:
        return self.rgb is None


def make_example(
    rgb: np.ndarray,
    source_embeddings: Sequence[np.ndarray] | np.ndarray = (),
    *,
    threshold: float = DEID_THRESHOLD,
    stylizer: Stylizer | None = None,
    max_side: int = EXAMPLE_SIDE,
    covers: Sequence[CoverStyle] = DEFAULT_COVERS,
    keep_hands: bool = True,
) -> Example:
    """De-identify one photo (or cut) showing a pose.

    `source_embeddings`: the 128-d embeddings of every person of the source chat (any number of faces each); the
    photo's own faces are always added. `stylizer`: None is the shipped style (`load_stylizer()`); pass
    `load_stylizer(settings.animegan_model)` to use AnimeGAN. `covers`: the ways of covering the faces, tried in
    order until one passes the check (vision.deid.cover); refused when none does. Refusals are counted by the
    caller, who shows a pose card instead. `keep_hands`: the hands (MediaPipe Hands, vision.poses) are left out of
    the style, so the pose stays readable, and fingers in front of a face stay visible; when no cover passes with
    them, the covers are tried again over the fingers. Needs the face
    models (vision.faces), the hand models (vision.poses) and, for the default style, the style model file.
    """
    started = time.perf_counter()
    image = _shrink(as_rgb(rgb), max_side)
    faces = detect_faces(image, min_size=CHECK_MIN_FACE)
    protected = protected_matrix(source_embeddings)
    if faces:
        protected = np.concatenate([protected, embed_faces(image, faces)])
    styled = (stylizer or load_stylizer())(image)
    keeps: list[np.ndarray | None] = [None]
    hands = [hand.points for hand in read_hands(image)] if keep_hands else []
    if hands:
        styled = unstyled_hands(styled, image, hands)
        if faces:
            keeps.insert(0, finger_mask(image.shape, hands))
    distance = float("inf")
    for keep in keeps:
        for cover in covers:
            result = cover_faces(styled, faces, keep, style=cover)
            distance, _found = nearest_distance(result, protected)
            if distance > threshold:
                return Example(result, None, len(faces), distance, _ms_since(started), cover, keep is not None)
    return Example(None, RefusedReason.IDENTIFIABLE, len(faces), distance, _ms_since(started))


def _ms_since(started: float) -> float:
    return 1000.0 * (time.perf_counter() - started)


def _shrink(rgb: np.ndarray, max_side: int) -> np.ndarray:
    height, width = rgb.shape[:2]
    scale = max_side / max(height, width)
    if scale >= 1.0:
        return rgb
    size = (max(1, round(width * scale)), max(1, round(height * scale)))
    return cv2.resize(rgb, size, interpolation=cv2.INTER_AREA)
