"""The expression reading of a smile (vision/smile/expression.py): its chip follows the landmarks, not the framing,
and is FER-2013's grey face; a face without landmarks has no chip."""

from __future__ import annotations

import cv2
import numpy as np

from vision.smile.expression import CHIP, CHIP_EYE_Y, CHIP_IOD, face_chip
from vision.smile.pixels import LEFT_EYE_CORNERS, RIGHT_EYE_CORNERS


def face_view() -> tuple[np.ndarray, np.ndarray]:
    """A smooth textured lightness view with the eye corners the chip is aligned by (the rest of the 478 unused)."""
    rng = np.random.default_rng(5)
    view = cv2.GaussianBlur(rng.uniform(0, 255, (128, 128)), (0, 0), 3.0)
    view = cv2.normalize(view, None, 0, 255, cv2.NORM_MINMAX).astype(np.uint8)
    points = np.full((478, 2), 64.0)
    for index, (x, y) in {33: (38, 50), 133: (54, 50), 362: (74, 50), 263: (90, 50)}.items():
        points[index] = (x, y)
    return view, points


def test_the_chip_follows_the_landmarks_not_the_framing() -> None:
    view, points = face_view()
    matrix = cv2.getRotationMatrix2D((60.0, 70.0), -15.0, 0.8)
    moved = cv2.warpAffine(view, matrix, view.shape[::-1], flags=cv2.INTER_CUBIC, borderMode=cv2.BORDER_REFLECT)
    moved_points = points @ matrix[:, :2].T + matrix[:, 2]
    here, there = face_chip(view, points), face_chip(moved, moved_points)
    assert here is not None and there is not None and here.shape == (CHIP, CHIP) and here.dtype == np.uint8
    inner = slice(CHIP // 4, 3 * CHIP // 4)  # away from the replicated border
    correlation = np.corrcoef(here[inner, inner].ravel(), there[inner, inner].ravel())[0, 1]
    assert correlation > 0.95
    elsewhere = face_chip(view, moved_points)
    assert elsewhere is not None
    assert np.corrcoef(here[inner, inner].ravel(), elsewhere[inner, inner].ravel())[0, 1] < correlation - 0.1


def test_the_eyes_land_where_fer_2013_has_them() -> None:
    """A bright dot on each eye centre lands at (CHIP/2 ∓ CHIP_IOD·CHIP/2, CHIP_EYE_Y·CHIP) of the chip."""
    view = np.zeros((128, 128), np.uint8)
    _, points = face_view()
    for corners in (RIGHT_EYE_CORNERS, LEFT_EYE_CORNERS):
        x, y = points[list(corners)].mean(0)
        cv2.circle(view, (round(x), round(y)), 2, 255, -1)
    chip = face_chip(view, points)
    assert chip is not None
    half = CHIP // 2
    for part, expected_x in ((chip[:, :half], half - CHIP_IOD * CHIP / 2), (chip[:, half:], CHIP_IOD * CHIP / 2)):
        ys, xs = np.nonzero(part > 100)
        assert abs(xs.mean() - expected_x) < 1.5 and abs(ys.mean() - CHIP_EYE_Y * CHIP) < 1.5


def test_missing_landmarks_have_no_chip() -> None:
    view, points = face_view()
    points[33] = np.nan
    assert face_chip(view, points) is None
    assert face_chip(view, np.zeros((68, 2))) is None
