"""Per-face smile score 0–100 from MediaPipe FaceLandmarker blendshapes and landmark geometry.

How a score is made (the recipe; the coefficients are fitted by ``scripts/fit_smile.py``):
1. The face crop is given a margin (edge pixels repeated) and resized to a square of ``VIEW_SIZE`` px, because the
   landmarker's own detector is short-range and wants a face that fills much of the picture.
2. FaceLandmarker returns 52 blendshapes and 478 landmarks. The same is done for the mirrored crop; the two views
   are averaged, which cancels part of the landmarker's noise and any left/right bias.
3. Features (listed in smile_model.json): left/right-averaged blendshapes (smile, dimple, stretch, jaw open, ...)
   and geometry in units of the inter-ocular distance after removing head roll (mouth width, mouth opening,
   how far the mouth corners sit above the lip centre).
4. A logistic regression (standardised features, L2 penalty) turns them into P(smiling); the score is 100·P.

So a score of 80 means: faces that look like this were labelled "smiling" about 80 % of the time in our fitting data
(GENKI-4K web photos). When the landmarker finds no face even after retries, the score is ``NO_FACE_SCORE`` and
``SmileReading.face_found`` is False.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

import cv2
import numpy as np

from vision.model_store import model_path

if TYPE_CHECKING:
    from vision.faces import DetectedFace

MODEL_JSON = Path(__file__).with_name("smile_model.json")
VIEW_SIZE = 256
NO_FACE_SCORE = 0.0
# (margin added on each side as a fraction of the crop side, output side in px): tried in order until a face is found.
ATTEMPTS: tuple[tuple[float, int], ...] = ((0.25, VIEW_SIZE), (0.05, VIEW_SIZE), (0.6, VIEW_SIZE), (0.25, 160))
# Margin around a detector box before cropping from the full photo (fraction of the box side, each side).
BOX_MARGIN = 0.25

# Landmark indices of the MediaPipe face mesh (image-side names: "right" = the person's right = viewer's left).
RIGHT_EYE_OUTER, LEFT_EYE_OUTER = 33, 263
MOUTH_RIGHT, MOUTH_LEFT = 61, 291
LIP_INNER_TOP, LIP_INNER_BOTTOM = 13, 14
LIP_OUTER_TOP, LIP_OUTER_BOTTOM = 0, 17
NOSE_TIP = 1

# Blendshapes that come in Left/Right pairs are averaged into one value named without the side.
_PAIRED = (
    "browDown",
    "browOuterUp",
    "cheekSquint",
    "eyeBlink",
    "eyeSquint",
    "eyeWide",
    "mouthDimple",
    "mouthFrown",
    "mouthLowerDown",
    "mouthPress",
    "mouthSmile",
    "mouthStretch",
    "mouthUpperUp",
    "noseSneer",
)
_SINGLE = ("browInnerUp", "cheekPuff", "jawOpen", "mouthClose", "mouthFunnel", "mouthPucker", "mouthRollLower")
GEOMETRY = ("mouth_width", "mouth_open", "lip_height", "corner_lift", "corner_to_nose")
MEASUREMENTS: tuple[str, ...] = tuple(f"bs.{name}" for name in (*_PAIRED, *_SINGLE)) + tuple(
    f"geo.{name}" for name in GEOMETRY
)


@dataclass(frozen=True)
class SmileReading:
    score: float  # 0–100, 100·P(smiling)
    face_found: bool  # False: the landmarker saw no face in the crop; score is NO_FACE_SCORE


def _as_rgb(image: np.ndarray) -> np.ndarray:
    """RGB uint8 (H, W, 3) from RGB, RGBA or greyscale input."""
    array = np.asarray(image)
    if array.dtype != np.uint8:
        array = np.clip(array, 0, 255).astype(np.uint8)
    if array.ndim == 2:
        array = np.repeat(array[:, :, None], 3, axis=2)
    elif array.ndim == 3 and array.shape[2] == 1:
        array = np.repeat(array, 3, axis=2)
    elif array.ndim == 3 and array.shape[2] == 4:
        array = array[:, :, :3]
    if array.ndim != 3 or array.shape[2] != 3:
        raise ValueError(f"expected an RGB image (H, W, 3), got shape {np.shape(image)}")
    return np.ascontiguousarray(array)


def prepare_view(crop: np.ndarray, margin: float, size: int) -> np.ndarray:
    """The crop with `margin` (fraction of its side) of repeated edge pixels on each side, resized to size×size."""
    height, width = crop.shape[:2]
    side = max(height, width)
    pad = round(side * margin)
    pad_y, pad_x = pad + (side - height) // 2, pad + (side - width) // 2
    padded = cv2.copyMakeBorder(
        crop, pad_y, side + 2 * pad - height - pad_y, pad_x, side + 2 * pad - width - pad_x, cv2.BORDER_REPLICATE
    )
    interpolation = cv2.INTER_AREA if padded.shape[0] > size else cv2.INTER_CUBIC
    return cv2.resize(padded, (size, size), interpolation=interpolation)


def _geometry(points: np.ndarray) -> dict[str, float]:
    """Mouth shape in inter-ocular units, measured after rotating the eye line level (points: (478, 2) px)."""
    eye_vector = points[LEFT_EYE_OUTER] - points[RIGHT_EYE_OUTER]
    iod = float(np.hypot(*eye_vector)) or 1.0
    angle = np.arctan2(eye_vector[1], eye_vector[0])
    cos, sin = np.cos(-angle), np.sin(-angle)
    level = (points - points[RIGHT_EYE_OUTER]) @ np.array([[cos, sin], [-sin, cos]]) / iod
    corners_y = (level[MOUTH_RIGHT, 1] + level[MOUTH_LEFT, 1]) / 2
    lip_centre_y = (level[LIP_INNER_TOP, 1] + level[LIP_INNER_BOTTOM, 1]) / 2
    return {
        "mouth_width": float(np.hypot(*(level[MOUTH_LEFT] - level[MOUTH_RIGHT]))),
        "mouth_open": float(level[LIP_INNER_BOTTOM, 1] - level[LIP_INNER_TOP, 1]),
        "lip_height": float(level[LIP_OUTER_BOTTOM, 1] - level[LIP_OUTER_TOP, 1]),
        # y grows downwards: positive when the corners are higher than the middle of the mouth
        "corner_lift": float(lip_centre_y - corners_y),
        "corner_to_nose": float(corners_y - level[NOSE_TIP, 1]),
    }


def measurements_of(blendshapes: dict[str, float], points: np.ndarray) -> np.ndarray:
    """One view's MEASUREMENTS vector from the landmarker's blendshapes (by name) and landmarks (pixels)."""
    values = [(blendshapes[f"{name}Left"] + blendshapes[f"{name}Right"]) / 2 for name in _PAIRED]
    values += [blendshapes[name] for name in _SINGLE]
    geometry = _geometry(points)
    values += [geometry[name] for name in GEOMETRY]
    return np.array(values, dtype=np.float64)


@dataclass(frozen=True)
class SmileModel:
    """Logistic regression over named MEASUREMENTS: P = sigmoid(intercept + coef · (x - mean) / scale)."""

    features: tuple[str, ...]
    mean: np.ndarray
    scale: np.ndarray
    coef: np.ndarray
    intercept: float
    info: dict[str, Any]

    @classmethod
    def load(cls, path: Path = MODEL_JSON) -> SmileModel:
        raw = json.loads(path.read_text(encoding="utf-8"))
        features = tuple(raw["features"])
        unknown = [name for name in features if name not in MEASUREMENTS]
        if unknown:
            raise ValueError(f"{path}: features {unknown} are not measured by vision.smile (MEASUREMENTS)")
        arrays = [np.asarray(raw[key], dtype=np.float64) for key in ("mean", "scale", "coef")]
        if any(array.shape != (len(features),) for array in arrays):
            raise ValueError(f"{path}: mean, scale and coef must each have {len(features)} values")
        return cls(features, *arrays, float(raw["intercept"]), dict(raw.get("info", {})))

    def columns(self) -> np.ndarray:
        return np.array([MEASUREMENTS.index(name) for name in self.features])

    def probability(self, measurements: np.ndarray) -> np.ndarray:
        """P(smiling) for measurement vectors (..., len(MEASUREMENTS))."""
        x = (np.asarray(measurements)[..., self.columns()] - self.mean) / self.scale
        return 1.0 / (1.0 + np.exp(-(x @ self.coef + self.intercept)))


class SmileScorer:
    """Loads the face landmarker once; `shared()` is the per-process instance. Calls are serialised by a lock."""

    _shared: ClassVar[SmileScorer | None] = None
    _shared_lock: ClassVar[threading.Lock] = threading.Lock()

    def __init__(self, model: SmileModel | None = None, *, mirror: bool = True) -> None:
        from mediapipe.tasks.python import BaseOptions, vision

        self._model = model
        self.mirror = mirror
        options = vision.FaceLandmarkerOptions(
            base_options=BaseOptions(model_asset_path=str(model_path("face_landmarker"))),
            running_mode=vision.RunningMode.IMAGE,
            num_faces=3,
            output_face_blendshapes=True,
            min_face_detection_confidence=0.3,
            min_face_presence_confidence=0.3,
        )
        self._landmarker = vision.FaceLandmarker.create_from_options(options)
        self._lock = threading.Lock()

    @property
    def model(self) -> SmileModel:
        """The fitted model (vision/smile_model.json unless one was given); measuring does not need it."""
        if self._model is None:
            self._model = SmileModel.load()
        return self._model

    @classmethod
    def shared(cls) -> SmileScorer:
        with cls._shared_lock:
            if cls._shared is None:
                cls._shared = cls()
            return cls._shared

    def _view_measurements(self, view: np.ndarray) -> np.ndarray | None:
        """Measurements of the face nearest the view's centre, or None when the landmarker finds no face."""
        import mediapipe as mp

        with self._lock:
            result = self._landmarker.detect(mp.Image(image_format=mp.ImageFormat.SRGB, data=view))
        if not result.face_landmarks:
            return None
        size = np.array(view.shape[1::-1], dtype=np.float64)
        faces = [np.array([(p.x, p.y) for p in marks]) * size for marks in result.face_landmarks]
        distances = [np.hypot(*(face.mean(axis=0) - size / 2)) for face in faces]
        best = int(np.argmin(distances))
        blendshapes = {c.category_name: c.score for c in result.face_blendshapes[best]}
        return measurements_of(blendshapes, faces[best])

    def measure(self, crop: np.ndarray) -> np.ndarray | None:
        """MEASUREMENTS of a face crop (mirror views averaged), or None when no attempt finds a face."""
        rgb = _as_rgb(crop)
        if min(rgb.shape[:2]) < 1:
            return None
        for margin, size in ATTEMPTS:
            view = prepare_view(rgb, margin, size)
            found = self._view_measurements(view)
            if found is None:
                continue
            if self.mirror:
                mirrored = self._view_measurements(np.ascontiguousarray(view[:, ::-1]))
                if mirrored is not None:
                    found = (found + mirrored) / 2
            return found
        return None

    def read(self, crop: np.ndarray) -> SmileReading:
        measured = self.measure(crop)
        if measured is None:
            return SmileReading(NO_FACE_SCORE, face_found=False)
        return SmileReading(round(100.0 * float(self.model.probability(measured)), 1), face_found=True)


def crop_face(rgb: np.ndarray, box: tuple[int, int, int, int], margin: float = BOX_MARGIN) -> np.ndarray:
    """The box grown by `margin` of its side on each side and made square, clipped to the image."""
    x, y, w, h = box
    side = max(w, h) * (1 + 2 * margin)
    cx, cy = x + w / 2, y + h / 2
    height, width = rgb.shape[:2]
    left, top = max(0, round(cx - side / 2)), max(0, round(cy - side / 2))
    right, bottom = min(width, round(cx + side / 2)), min(height, round(cy + side / 2))
    return rgb[top:bottom, left:right]


def smile_score_crop(rgb_crop: np.ndarray) -> float:
    """Smile score 0–100 of one face crop (NO_FACE_SCORE when no face is found in it)."""
    return SmileScorer.shared().read(rgb_crop).score


def smile_readings(rgb: np.ndarray, faces: Sequence[DetectedFace]) -> list[SmileReading]:
    scorer = SmileScorer.shared()
    readings = []
    for face in faces:
        crop = crop_face(rgb, face.box)
        readings.append(scorer.read(crop) if crop.size else SmileReading(NO_FACE_SCORE, face_found=False))
    return readings


def smile_scores(rgb: np.ndarray, faces: Sequence[DetectedFace]) -> list[float]:
    """Smile score 0–100 for each detected face of a photo, in the order given."""
    return [reading.score for reading in smile_readings(rgb, faces)]
