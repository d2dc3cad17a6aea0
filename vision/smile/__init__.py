"""Smiles: a 0–100 score per face from MediaPipe's FaceLandmarker (``scorer``), with a YuNet + dlib second opinion
(``fallback``) for crops the landmarker cannot read; both look at the same square views (``views``)."""

from vision.smile.fallback import aligned_chip, chip_features
from vision.smile.scorer import (
    MEASUREMENTS,
    MODEL_JSON,
    NO_FACE_SCORE,
    SmileReading,
    SmileScorer,
    model_inputs,
    smile_readings,
    smile_scores,
)

__all__ = [
    "MEASUREMENTS",
    "MODEL_JSON",
    "NO_FACE_SCORE",
    "SmileReading",
    "SmileScorer",
    "aligned_chip",
    "chip_features",
    "model_inputs",
    "smile_readings",
    "smile_scores",
]
