"""The fifth framing attempt's scratch harness (evals/framing_pixels.py): its pixel reading depends on the face, not
on where the face sits in the reading view, and an unread face gives no descriptor."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from evals.framing_pixels import STORED_VIEW, Pixels, describe
from tests.unit.test_smile_pixels import face_view as _face_view
from vision.smile.pixels import DESCRIPTOR_VIEW


def test_the_harness_stores_views_at_the_descriptor_size() -> None:
    assert STORED_VIEW == DESCRIPTOR_VIEW  # its cached views are what vision.smile.pixels describes


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
