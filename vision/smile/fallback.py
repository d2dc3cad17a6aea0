"""A second opinion on smiles for crops MediaPipe's FaceLandmarker cannot read.

YuNet (vision.faces.detect_faces) looks for a face in the crop made square with a margin; dlib's 5-point predictor
aligns it into the 150 px chip the identity embedder uses (FaceModels.chips). The fallback's features are one of
FALLBACK_KINDS of that chip, whichever scripts/fit_smile.py measured better held out: a histogram of oriented
gradients of the mouth region (lightness only, so greyscale measures the same) or the dlib 128-d embedding (trained
for identity, but it carries expression too). A logistic regression fitted alongside the main model (the "fallback"
entry of vision/smile/smile_model.json) turns them into P(smiling). Figures: README.md, "Measured" → "Smiles".
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import cv2
import numpy as np

from vision.faces import DetectedFace, FaceModels, detect_faces
from vision.smile.logistic import logistic_arrays, standardised_logistic
from vision.smile.views import prepare_view

# (margin, fill) of the views YuNet is shown, in order, as prepare_view makes them.
FALLBACK_ATTEMPTS: tuple[tuple[float, str], ...] = ((0.25, "edge"), (0.4, "grey"))
FALLBACK_VIEW = 256
FALLBACK_MIN_FACE = 16
# The mouth in dlib's aligned 150 px chip (padding 0.25): rows and columns, resized to MOUTH_SIZE for the HOG.
MOUTH_ROWS, MOUTH_COLS = (88, 136), (27, 123)
MOUTH_SIZE = (64, 32)  # width, height
HOG_CELL, HOG_BINS = 8, 9
FALLBACK_KINDS = ("mouth_hog", "embedding")


def hog(grey: np.ndarray, cell: int = HOG_CELL, bins: int = HOG_BINS) -> np.ndarray:
    """Histogram of oriented gradients (Dalal–Triggs: unsigned orientations, 2×2-cell blocks, L2-Hys normalised).

    Written here because the pinned opencv-python-headless 5 has no cv2.HOGDescriptor.
    """
    image = grey.astype(np.float64)
    gx = cv2.Sobel(image, cv2.CV_64F, 1, 0, ksize=1)
    gy = cv2.Sobel(image, cv2.CV_64F, 0, 1, ksize=1)
    magnitude = np.hypot(gx, gy)
    position = (np.degrees(np.arctan2(gy, gx)) % 180.0) / (180.0 / bins)
    lower = np.floor(position).astype(int) % bins
    upper_weight = position - np.floor(position)
    rows, cols = image.shape[0] // cell, image.shape[1] // cell
    cell_y = np.minimum(np.arange(image.shape[0]) // cell, rows - 1)[:, None].repeat(image.shape[1], axis=1)
    cell_x = np.minimum(np.arange(image.shape[1]) // cell, cols - 1)[None, :].repeat(image.shape[0], axis=0)
    histogram = np.zeros((rows, cols, bins))
    np.add.at(histogram, (cell_y, cell_x, lower), magnitude * (1 - upper_weight))
    np.add.at(histogram, (cell_y, cell_x, (lower + 1) % bins), magnitude * upper_weight)
    blocks = []
    for y in range(rows - 1):
        for x in range(cols - 1):
            block = histogram[y : y + 2, x : x + 2].ravel()
            block = np.minimum(block / np.sqrt((block**2).sum() + 1e-6), 0.2)
            blocks.append(block / np.sqrt((block**2).sum() + 1e-6))
    return np.concatenate(blocks)


def _nearest_centre(faces: list[DetectedFace], size: int) -> DetectedFace:
    return min(faces, key=lambda f: np.hypot(f.box[0] + f.box[2] / 2 - size / 2, f.box[1] + f.box[3] / 2 - size / 2))


def aligned_chip(rgb: np.ndarray) -> np.ndarray | None:
    """dlib's aligned 150 px chip of the face YuNet finds nearest the crop's centre, or None when it finds none."""
    if min(rgb.shape[:2]) < 8:
        return None
    for margin, fill in FALLBACK_ATTEMPTS:
        view = prepare_view(rgb, margin, FALLBACK_VIEW, fill)
        faces = detect_faces(view, min_size=FALLBACK_MIN_FACE)
        if faces:
            return FaceModels.shared().chips(view, [_nearest_centre(faces, FALLBACK_VIEW)])[0]
    return None


def chip_features(chip: np.ndarray, kind: str) -> np.ndarray:
    if kind == "embedding":
        return FaceModels.shared().embed_chips([chip])[0].astype(np.float64)
    if kind == "mouth_hog":
        grey = cv2.cvtColor(chip, cv2.COLOR_RGB2GRAY)
        mouth = grey[MOUTH_ROWS[0] : MOUTH_ROWS[1], MOUTH_COLS[0] : MOUTH_COLS[1]]
        return hog(cv2.resize(mouth, MOUTH_SIZE, interpolation=cv2.INTER_AREA))
    raise ValueError(f"unknown fallback feature kind {kind!r} (known: {FALLBACK_KINDS})")


@dataclass(frozen=True)
class FallbackModel:
    """Logistic regression on standardised chip features: P = sigmoid(intercept + coef · (features - mean) / scale)."""

    kind: str
    mean: np.ndarray
    scale: np.ndarray
    coef: np.ndarray
    intercept: float
    info: dict[str, Any]

    @classmethod
    def from_json(cls, raw: dict[str, Any]) -> FallbackModel:
        kind = str(raw["kind"])
        if kind not in FALLBACK_KINDS:
            raise ValueError(f"fallback kind {kind!r} is not one of {FALLBACK_KINDS}")
        mean, scale, coef = logistic_arrays(raw, len(raw["coef"]), "fallback")
        return cls(kind, mean, scale, coef, float(raw["intercept"]), dict(raw.get("info", {})))

    def probability(self, features: np.ndarray) -> np.ndarray:
        return standardised_logistic(features, self.mean, self.scale, self.coef, self.intercept)
