"""The fifth framing attempt's scratch harness (evals/framing_pixels.py): its pixel reading depends on the face, not
on where the face sits in the reading view, and an unread face gives no descriptor."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from evals.framing_pixels import STORED_VIEW, Pixels, describe


def _face_view() -> tuple[np.ndarray, np.ndarray]:
    """A smooth textured view with the six landmarks the chip is aligned by (the rest of the 478 unused)."""
    rng = np.random.default_rng(3)
    view = cv2.GaussianBlur(rng.uniform(0, 255, (STORED_VIEW, STORED_VIEW)), (0, 0), 3.0)
    view = cv2.normalize(view, None, 0, 255, cv2.NORM_MINMAX).astype(np.uint8)
    points = np.full((478, 2), 64.0)
    for index, (x, y) in {
        33: (38, 50),
        133: (54, 50),
        362: (74, 50),
        263: (90, 50),
        61: (48, 92),
        291: (80, 92),
    }.items():
        points[index] = (x, y)
    return view, points


@pytest.mark.parametrize("pixels", [Pixels("eyes_mouth", "raw"), Pixels("eyes", "raw"), Pixels("eyes_mouth", "lbp")])
def test_the_pixel_reading_follows_the_landmarks_not_the_framing(pixels: Pixels) -> None:
    view, points = _face_view()
    matrix = cv2.getRotationMatrix2D((60.0, 70.0), 12.0, 1.15)
    moved = cv2.warpAffine(view, matrix, view.shape[::-1], flags=cv2.INTER_CUBIC, borderMode=cv2.BORDER_REFLECT)
    moved_points = points @ matrix[:, :2].T + matrix[:, 2]
    here, there = describe(view, points, pixels), describe(moved, moved_points, pixels)
    assert here is not None and there is not None
    assert np.corrcoef(here, there)[0, 1] > 0.95
    elsewhere = describe(view, moved_points, pixels)  # the same view read at the wrong place differs
    assert elsewhere is not None and np.corrcoef(here, elsewhere)[0, 1] < np.corrcoef(here, there)[0, 1] - 0.1


def test_a_face_the_landmarker_did_not_read_gives_no_descriptor() -> None:
    view, _ = _face_view()
    assert describe(view, np.full((478, 2), np.nan), Pixels()) is None
