"""The pixel reading of a smile (vision/smile/pixels.py): the descriptor follows the landmarks, not the framing; the
stored model is checked and applied as the logit stack it states; a face without a descriptor keeps its landmark
reading."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from vision.smile.pixels import (
    DESCRIPTOR_KIND,
    DESCRIPTOR_LENGTH,
    DESCRIPTOR_VIEW,
    PixelModel,
    chip_descriptor,
    descriptor_view,
    logit,
    stacked,
)


def face_view() -> tuple[np.ndarray, np.ndarray]:
    """A smooth textured lightness view with the six landmarks the chip is aligned by (the rest of the 478 unused)."""
    rng = np.random.default_rng(3)
    view = cv2.GaussianBlur(rng.uniform(0, 255, (DESCRIPTOR_VIEW, DESCRIPTOR_VIEW)), (0, 0), 3.0)
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


def test_the_descriptor_follows_the_landmarks_not_the_framing() -> None:
    view, points = face_view()
    matrix = cv2.getRotationMatrix2D((60.0, 70.0), 12.0, 1.15)
    moved = cv2.warpAffine(view, matrix, view.shape[::-1], flags=cv2.INTER_CUBIC, borderMode=cv2.BORDER_REFLECT)
    moved_points = points @ matrix[:, :2].T + matrix[:, 2]
    here, there = chip_descriptor(view, points), chip_descriptor(moved, moved_points)
    assert here is not None and there is not None and here.shape == (DESCRIPTOR_LENGTH,)
    assert np.corrcoef(here, there)[0, 1] > 0.95
    elsewhere = chip_descriptor(view, moved_points)  # the same view read at the wrong place differs
    assert elsewhere is not None and np.corrcoef(here, elsewhere)[0, 1] < np.corrcoef(here, there)[0, 1] - 0.1


def test_the_reading_view_is_described_at_the_descriptor_size_in_lightness() -> None:
    view, points = face_view()
    big = cv2.resize(np.repeat(view[:, :, None], 3, axis=2), (256, 256), interpolation=cv2.INTER_CUBIC)
    described = chip_descriptor(*descriptor_view(big, points * 2.0))
    direct = chip_descriptor(view, points)
    assert described is not None and direct is not None
    assert np.corrcoef(described, direct)[0, 1] > 0.99
    assert chip_descriptor(*descriptor_view(big, np.full((478, 2), np.nan))) is None


def _raw(**changes: object) -> dict[str, object]:
    raw: dict[str, object] = {
        "descriptor": DESCRIPTOR_KIND,
        "mean": [0.0] * DESCRIPTOR_LENGTH,
        "scale": [1.0] * DESCRIPTOR_LENGTH,
        "coef": [0.0] * DESCRIPTOR_LENGTH,
        "intercept": 1.0,
        "stack": [0.5, 1.0, 2.0],
    }
    raw.update(changes)
    return raw


def test_the_stored_pixel_model_is_checked() -> None:
    with pytest.raises(ValueError, match="pixel model: descriptor"):
        PixelModel.from_json(_raw(descriptor="mouth_hog"))
    with pytest.raises(ValueError, match="pixel model: mean, scale and coef"):
        PixelModel.from_json(_raw(coef=[0.0] * 3))
    with pytest.raises(ValueError, match=r"stack must be b0, b1, b2\[, b3\]"):
        PixelModel.from_json(_raw(stack=[1.0, 2.0]))
    with pytest.raises(ValueError, match="stack must be"):
        PixelModel.from_json(_raw(stack=[1.0, 2.0, 3.0, 4.0, 5.0]))


def test_the_stack_is_the_stated_formula_and_needs_a_descriptor() -> None:
    model = PixelModel.from_json(_raw())
    assert model.stack == (0.5, 1.0, 2.0, 0.0), "a stored three-weight stack weighs no expression reading"
    descriptor = np.zeros(DESCRIPTOR_LENGTH)
    pixels = 1.0 / (1.0 + np.exp(-1.0))  # the intercept alone
    np.testing.assert_allclose(model.probability(descriptor), pixels)
    expected = 1.0 / (1.0 + np.exp(-(0.5 + 1.0 * logit(0.3) + 2.0 * logit(pixels))))
    np.testing.assert_allclose(model.combined(0.3, descriptor, None), expected)
    np.testing.assert_allclose(model.combined(0.3, descriptor, 0.99), expected)
    np.testing.assert_allclose(stacked((0.0, 1.0, 0.0, 0.0), 0.3, 0.9, 0.8), 0.3)
    assert model.combined(0.3, None, 0.9) == 0.3


def test_the_fourth_weight_is_the_expression_reading() -> None:
    model = PixelModel.from_json(_raw(stack=[0.5, 1.0, 2.0, 0.7]))
    descriptor = np.zeros(DESCRIPTOR_LENGTH)
    pixels = 1.0 / (1.0 + np.exp(-1.0))
    expected = 1.0 / (1.0 + np.exp(-(0.5 + logit(0.3) + 2.0 * logit(pixels) + 0.7 * logit(0.9))))
    np.testing.assert_allclose(model.combined(0.3, descriptor, 0.9), expected)
    assert model.combined(0.3, descriptor, 0.9) > model.combined(0.3, descriptor, 0.2)
    assert model.combined(0.3, descriptor, None) == 0.3, "a stack that weighs P(happy) is not applied without it"
