"""The stored logistic models (main, small-face, fallback) share one reader and one formula (vision/smile/logistic)."""

from __future__ import annotations

import numpy as np
import pytest

from vision.smile.fallback import FallbackModel
from vision.smile.logistic import logistic_arrays, standardised_logistic
from vision.smile.scorer import SmallFaceModel


def test_standardised_logistic_is_the_stored_formula() -> None:
    x = np.array([[3.0, 1.0], [1.0, 5.0]])
    mean, scale, coef = np.array([1.0, 1.0]), np.array([2.0, 4.0]), np.array([1.0, -2.0])
    # row 1: (1, 0) -> z = 1 + 0.5; row 2: (0, 1) -> z = -2 + 0.5
    expected = 1.0 / (1.0 + np.exp(-np.array([1.5, -1.5])))
    np.testing.assert_allclose(standardised_logistic(x, mean, scale, coef, 0.5), expected)


def test_logistic_arrays_need_one_value_per_feature() -> None:
    raw = {"mean": [0, 1], "scale": [1, 2], "coef": [3, 4]}
    mean, scale, coef = logistic_arrays(raw, 2, "test")
    assert mean.tolist() == [0, 1] and scale.tolist() == [1, 2] and coef.tolist() == [3, 4]
    with pytest.raises(ValueError, match="test: mean, scale and coef must each have 3 values"):
        logistic_arrays(raw, 3, "test")


def test_fallback_and_small_face_models_check_their_arrays_alike() -> None:
    fallback = {"kind": "mouth_hog", "mean": [0, 0], "scale": [1], "coef": [1, 1], "intercept": 0}
    with pytest.raises(ValueError, match="fallback: mean, scale and coef must each have 2 values"):
        FallbackModel.from_json(fallback)
    small = {"features": ["bs.mouthSmile"], "mean": [0, 0], "scale": [1], "coef": [1], "intercept": 0}
    with pytest.raises(ValueError, match="small-face model: mean, scale and coef must each have 1 values"):
        SmallFaceModel.from_json({**small, "face_px": [48, 64]})
    model = FallbackModel.from_json({**fallback, "scale": [1, 1]})
    np.testing.assert_allclose(model.probability(np.array([0.0, 0.0])), 0.5)
