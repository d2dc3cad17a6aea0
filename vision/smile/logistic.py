"""The standardised logistic regression every smile model stores (main, small-face, fallback):
P = sigmoid(intercept + coef · (x - mean) / scale), read from smile_model.json and applied here."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np


def logistic_arrays(raw: Mapping[str, Any], length: int, where: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """A stored model's mean, scale and coef, each checked to hold `length` values."""
    mean, scale, coef = (np.asarray(raw[key], dtype=np.float64) for key in ("mean", "scale", "coef"))
    if any(array.shape != (length,) for array in (mean, scale, coef)):
        raise ValueError(f"{where}: mean, scale and coef must each have {length} values")
    return mean, scale, coef


def standardised_logistic(
    x: np.ndarray, mean: np.ndarray, scale: np.ndarray, coef: np.ndarray, intercept: float
) -> np.ndarray:
    """sigmoid(intercept + coef · (x - mean) / scale) over the last axis of `x`."""
    standard = (np.asarray(x, dtype=np.float64) - mean) / scale
    probability: np.ndarray = 1.0 / (1.0 + np.exp(-(standard @ coef + intercept)))
    return probability
