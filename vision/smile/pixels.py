"""A second reading of a smile from the face's pixels (README "Framing", fifth and sixth attempts): the mouth of the
reading view, aligned by landmarks the landmarker already gave, as a raw 16×8 patch. Its logistic regression
(P_pixels) is stacked with the landmark model's probability P and the expression net's P(happy) of the same view
(vision/smile/expression.py; ninth attempt) in logit space:
P_final = sigmoid(b0 + b1·logit P + b2·logit P_pixels + b3·logit P_happy). The readings' errors are partly
independent, so the stack is more accurate and steadier between a face whole and in a print than any alone.

Pure numpy/opencv; no second landmarker run (the points are those of the reading view).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import cv2
import numpy as np

from vision.smile.logistic import logistic_arrays, standardised_logistic

# The reading view (VIEW_SIZE px, the face READ_FACE_PX with its margin) is looked at in lightness at this size.
DESCRIPTOR_VIEW = 128
# The chip: side, the eye centres' distance and their height in it, the mouth corners' midpoint below them (px).
CHIP, CHIP_IOD, CHIP_EYE_Y, CHIP_MOUTH_DROP = 48, 20.0, 14.0, 1.15 * 20.0
# Face-mesh landmarks the chip is aligned by (each eye by its two corners) and the chip's mouth region.
RIGHT_EYE_CORNERS, LEFT_EYE_CORNERS, MOUTH_CORNERS = (33, 133), (263, 362), (61, 291)
MOUTH_ROWS, MOUTH_COLS = (28, 46), (8, 40)
# The mouth region is shrunk to this (width, height), then made zero-mean, unit-variance.
PATCH = (16, 8)
DESCRIPTOR_KIND = "mouth_raw_16x8"
DESCRIPTOR_LENGTH = PATCH[0] * PATCH[1]


def eye_centres(points: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(right, left) eye centres of 478 face-mesh landmarks: each eye's two corners averaged."""
    return points[list(RIGHT_EYE_CORNERS)].mean(0), points[list(LEFT_EYE_CORNERS)].mean(0)


def eye_aligned(
    grey: np.ndarray, points: np.ndarray, size: int, to_right: np.ndarray, to_left: np.ndarray
) -> np.ndarray:
    """The view warped (similarity: rotated, scaled and moved, not sheared) into a size-px chip in which the eye
    centres of `points` land on `to_right` and `to_left`."""
    right, left = eye_centres(points)
    source, target = left - right, to_left - to_right
    scale = np.hypot(*target) / max(np.hypot(*source), 1e-6)
    angle = np.arctan2(target[1], target[0]) - np.arctan2(source[1], source[0])
    matrix = scale * np.array([[np.cos(angle), -np.sin(angle), 0.0], [np.sin(angle), np.cos(angle), 0.0]])
    matrix[:, 2] = to_right - matrix[:, :2] @ right
    return cv2.warpAffine(grey, matrix, (size, size), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)


def _chip(grey: np.ndarray, points: np.ndarray) -> np.ndarray:
    """The view warped (affine: eye centres and the mouth corners' midpoint) into the CHIP-px chip."""
    right, left = eye_centres(points)
    mouth = points[list(MOUTH_CORNERS)].mean(0)
    source = np.array([right, left, mouth], dtype=np.float32)
    target = np.array(
        [
            (CHIP / 2 - CHIP_IOD / 2, CHIP_EYE_Y),
            (CHIP / 2 + CHIP_IOD / 2, CHIP_EYE_Y),
            (CHIP / 2, CHIP_EYE_Y + CHIP_MOUTH_DROP),
        ],
        dtype=np.float32,
    )
    matrix = cv2.getAffineTransform(source, target)
    return cv2.warpAffine(grey, matrix, (CHIP, CHIP), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)


def chip_descriptor(grey: np.ndarray, points: np.ndarray) -> np.ndarray | None:
    """The mouth patch of a DESCRIPTOR_VIEW-px lightness view whose face landmarks are `points` (px in that view),
    the chip and its mirror image averaged; None when the points are missing."""
    points = np.asarray(points, dtype=np.float32)
    if points.shape != (478, 2) or not np.isfinite(points).all():
        return None
    chip = _chip(grey, points).astype(np.float64)
    rows = []
    for image in (chip, chip[:, ::-1]):
        mouth = image[MOUTH_ROWS[0] : MOUTH_ROWS[1], MOUTH_COLS[0] : MOUTH_COLS[1]]
        small = cv2.resize(mouth, PATCH, interpolation=cv2.INTER_AREA)
        rows.append(((small - small.mean()) / (small.std() + 1e-6)).ravel())
    descriptor: np.ndarray = np.mean(rows, axis=0)
    return descriptor


def descriptor_view(view: np.ndarray, points: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(lightness view at DESCRIPTOR_VIEW px, the points in it) of an RGB reading view and its landmarks (px)."""
    grey = cv2.cvtColor(view, cv2.COLOR_RGB2GRAY)
    small = cv2.resize(grey, (DESCRIPTOR_VIEW, DESCRIPTOR_VIEW), interpolation=cv2.INTER_AREA)
    shrink = DESCRIPTOR_VIEW / view.shape[1], DESCRIPTOR_VIEW / view.shape[0]
    return small, (np.asarray(points, dtype=np.float64) * shrink).astype(np.float32)


def logit(probability: np.ndarray | float) -> np.ndarray:
    clipped = np.clip(np.asarray(probability, dtype=np.float64), 1e-6, 1 - 1e-6)
    result: np.ndarray = np.log(clipped / (1 - clipped))
    return result


Stack = tuple[float, float, float, float]  # b0, b1, b2, b3


def stacked(
    stack: Stack, landmarks: np.ndarray | float, pixels: np.ndarray | float, happy: np.ndarray | float
) -> np.ndarray:
    """sigmoid(b0 + b1·logit P + b2·logit P_pixels + b3·logit P_happy)."""
    b0, b1, b2, b3 = stack
    z = b0 + b1 * logit(landmarks) + b2 * logit(pixels) + b3 * logit(happy)
    result: np.ndarray = 1.0 / (1.0 + np.exp(-z))
    return result


@dataclass(frozen=True)
class PixelModel:
    """The `pixels` entry of smile_model.json: the descriptor's logistic regression and the stack's b0, b1, b2, b3
    (b3 0 when stored as three: a stack without the expression reading)."""

    mean: np.ndarray
    scale: np.ndarray
    coef: np.ndarray
    intercept: float
    stack: Stack

    @classmethod
    def from_json(cls, raw: Mapping[str, Any]) -> PixelModel:
        if raw.get("descriptor") != DESCRIPTOR_KIND:
            raise ValueError(f"pixel model: descriptor {raw.get('descriptor')!r} is not {DESCRIPTOR_KIND!r}")
        mean, scale, coef = logistic_arrays(raw, DESCRIPTOR_LENGTH, "pixel model")
        stack = [float(value) for value in raw["stack"]]
        if len(stack) not in (3, 4):
            raise ValueError(f"pixel model: stack must be b0, b1, b2[, b3], got {raw['stack']}")
        b3 = stack[3] if len(stack) == 4 else 0.0
        return cls(mean, scale, coef, float(raw["intercept"]), (stack[0], stack[1], stack[2], b3))

    def probability(self, descriptor: np.ndarray) -> np.ndarray:
        """P_pixels of descriptor rows."""
        return standardised_logistic(descriptor, self.mean, self.scale, self.coef, self.intercept)

    def combined(self, landmarks: float, descriptor: np.ndarray | None, happy: float | None) -> float:
        """The stacked probability of a face whose landmark model gives `landmarks` and the expression net `happy`
        (unchanged without a descriptor, or without `happy` when the stack weighs it)."""
        if descriptor is None or (happy is None and self.stack[3] != 0.0):
            return landmarks
        pixels = float(self.probability(descriptor))
        return float(stacked(self.stack, landmarks, pixels, 0.5 if happy is None else happy))
