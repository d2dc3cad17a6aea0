"""How much identity evidence one detected face carries: its size, detector score, head turn and sharpness.

Pure measurements on the detector's box and 5 landmarks; what counts as "clear enough" to start or join a person is
decided by the clustering (vision.faces.clustering.is_clear), where the thresholds are measured.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from vision.faces.detect import DetectedFace, as_rgb

# Sharpness is read on the face scaled to this many pixels wide, so it does not depend on the photo's resolution.
SHARPNESS_SIDE = 64


@dataclass(frozen=True)
class FaceQuality:
    size: float  # the box's shorter side, in image pixels
    score: float  # detector confidence 0–1
    # Head turn from the landmarks: the nose's offset from the eyes' midline over half the eye distance (0 frontal,
    # ±1 when the nose reaches an eye's line; a profile reads beyond that). Sign: + towards the viewer's right.
    yaw: float | None
    # Variance of the Laplacian of the face in grey, scaled to SHARPNESS_SIDE px, over the face's own contrast
    # (so dim and bright faces compare): higher is sharper.
    sharpness: float | None  # yaw and sharpness are None for faces stored before they were measured


def head_yaw(landmarks: tuple[tuple[float, float], ...]) -> float:
    """The nose's sideways offset from the line through the eyes' and the mouth's midpoints, over half the eye gap."""
    points = np.asarray(landmarks, dtype=np.float64)
    if points.shape != (5, 2):
        raise ValueError(f"expected 5 landmarks, got shape {points.shape}")
    right_eye, left_eye, nose, mouth_right, mouth_left = points
    eyes_mid = (right_eye + left_eye) / 2
    mouth_mid = (mouth_right + mouth_left) / 2
    half_gap = np.linalg.norm(left_eye - right_eye) / 2
    axis = mouth_mid - eyes_mid
    length = np.linalg.norm(axis)
    if half_gap < 1e-6 or length < 1e-6:
        return 1.0  # eyes or eyes-to-mouth collapsed to a point: as turned as a profile
    across = np.array([axis[1], -axis[0]]) / length  # unit vector across the face, from the face's left to its right
    if np.dot(across, left_eye - right_eye) < 0:
        across = -across
    return float(np.dot(nose - eyes_mid, across) / half_gap)


def sharpness(rgb: np.ndarray, box: tuple[int, int, int, int]) -> float:
    """Laplacian variance of the face crop scaled to SHARPNESS_SIDE px, over its intensity variance."""
    image = as_rgb(rgb)
    x, y, w, h = box
    height, width = image.shape[:2]
    left, top = max(0, int(x)), max(0, int(y))
    right, bottom = min(width, int(x + w)), min(height, int(y + h))
    if right - left < 2 or bottom - top < 2:
        return 0.0
    grey = cv2.cvtColor(image[top:bottom, left:right], cv2.COLOR_RGB2GRAY)
    side = SHARPNESS_SIDE
    scaled = cv2.resize(grey, (side, side), interpolation=cv2.INTER_AREA if grey.shape[1] > side else cv2.INTER_LINEAR)
    scaled = scaled.astype(np.float64)
    contrast = float(scaled.var())
    if contrast < 1e-6:
        return 0.0
    return float(cv2.Laplacian(scaled, cv2.CV_64F).var() / contrast)


def face_quality(rgb: np.ndarray, face: DetectedFace) -> FaceQuality:
    x, y, w, h = face.box
    return FaceQuality(
        size=float(min(w, h)),
        score=float(face.score),
        yaw=head_yaw(face.landmarks),
        sharpness=sharpness(rgb, (round(x), round(y), round(w), round(h))),
    )


# The gate on weak evidence (vision.faces.clustering: such faces never start or join a person incrementally).
# Chosen on LFW (evals/eval_identity.py, README "Faces and people"): central faces of the identity set are 45-68 px,
# detector 0.90-0.94, |yaw| ≤ 0.7, sharpness ≥ 0.09 (1st-99th pct.); background faces there are 26-48 px, 0.66-0.91.
MIN_CLEAR_SIZE = 32.0
MIN_CLEAR_SCORE = 0.8
MAX_CLEAR_YAW = 0.9
MIN_CLEAR_SHARPNESS = 0.06


def weak_reasons(quality: FaceQuality) -> tuple[str, ...]:
    """What makes a face weak evidence of who it is: "small", "unsure", "turned", "blurred" (empty: clear).
    A yaw or sharpness of None (not measured) passes."""
    reasons = []
    if quality.size < MIN_CLEAR_SIZE:
        reasons.append("small")
    if quality.score < MIN_CLEAR_SCORE:
        reasons.append("unsure")
    if quality.yaw is not None and abs(quality.yaw) > MAX_CLEAR_YAW:
        reasons.append("turned")
    if quality.sharpness is not None and quality.sharpness < MIN_CLEAR_SHARPNESS:
        reasons.append("blurred")
    return tuple(reasons)


def is_clear(quality: FaceQuality) -> bool:
    return not weak_reasons(quality)
