"""Per-face smile score 0–100 from MediaPipe FaceLandmarker blendshapes and landmark geometry.

How a score is made (the recipe; the coefficients are fitted by ``scripts/fit_smile.py``, figures in README.md):
1. The face crop is given a margin and resized to a square of ``VIEW_SIZE`` px, because the landmarker's own
   detector is short-range and wants a face that fills much of the picture (``ATTEMPTS``: edge pixels repeated
   first, then a plain grey frame for tight or tiny crops).
2. FaceLandmarker returns 52 blendshapes and 478 landmarks. The same is done for the mirrored crop (at run time only
   when the first view leaves the verdict open); the two views are averaged, which cancels part of the landmarker's
   noise and any left/right bias.
3. Features (named in smile_model.json, computed here as ``MEASUREMENTS``): left/right-averaged blendshapes, mouth
   geometry in inter-ocular units after levelling the eyes (width, opening, lip height, corner lift) and mouth
   appearance (brightness inside the lips against the face's skin: visible teeth).
4. A logistic regression (standardised features, L2 penalty) turns them into P(smiling); the score is 100·P. A face
   at print size (detector box under ~64 px: JPEG noise moves its reading) is scored by a second regression over the
   same features (``SmallFaceModel``), fitted to give what the first gives the same face whole; the two are blended
   by the face's size.
5. That probability is stacked in logit space with two more readings of the same reading view, each aligned by the
   landmarks step 2 gave (no further landmarker run): the mouth's pixels (``vision/smile/pixels.py``, the ``pixels``
   entry of smile_model.json) and FER-2013's expression net's P(happy) of the face (``vision/smile/expression.py``):
   P = sigmoid(b0 + b1·logit P + b2·logit P_pixels + b3·logit P_happy).

So a score of 80 means: faces that look like this were labelled "smiling" about 80 % of the time in our fitting data
(GENKI-4K web photos). When the landmarker finds no face even after retries, a second opinion is asked
(vision/smile/fallback.py: YuNet + dlib alignment, the mouth's gradients; ``SmileReading.source`` is "fallback").
Only when that finds no face either is the score ``NO_FACE_SCORE`` (50, "cannot tell"), ``face_found`` False.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar

import cv2
import numpy as np

from vision.faces import DetectedFace
from vision.models import model_path
from vision.smile.expression import ExpressionNet
from vision.smile.fallback import FallbackModel, aligned_chip, chip_features
from vision.smile.logistic import logistic_arrays, standardised_logistic
from vision.smile.pixels import PixelModel, chip_descriptor, descriptor_view
from vision.smile.views import VIEW_SIZE, prepare_view

MODEL_JSON = Path(__file__).with_name("smile_model.json")
# The score of a crop where the landmarker finds no face: P = 0.5, "cannot tell" (SmileReading.face_found is False).
NO_FACE_SCORE = 50.0
# (margin on each side as a fraction of the crop side, how it is filled): tried in order until a face is found.
# Repeated edge pixels suit the usual crop; a plain grey frame rescues tight or tiny crops (measured on GENKI-4K
# crops shrunk to 32 px or cut to their central 80 %: it finds most real faces the first attempt misses).
ATTEMPTS: tuple[tuple[float, str], ...] = ((0.25, "edge"), (0.4, "grey"), (0.1, "grey"), (0.0, "edge"))
# A first view this sure is not checked against the mirror view (README "Measured": it never changed a verdict on
# GENKI-4K and costs a second landmarker run; about half the faces are this clear-cut).
SURE_BELOW, SURE_ABOVE = 0.05, 0.95
# Margin around a detector box before cropping from the full photo (fraction of the box side, each side).
BOX_MARGIN = 0.25
# Every face is read at the same level of detail: a face larger than this (px, the detector box's longer side) is
# shrunk to it before its view is made. The landmarker reads a 40-px face in a printed strip differently from the
# same face at 400 px in the booth's original (README "Framing": 57 vs 18 points on pibooth's own collage); shrinking
# both to one size makes the score a property of the face, not of the picture around it. GENKI-4K, which the model
# was fitted on, has faces of about this size.
READ_FACE_PX = 48
# The views a face's score is read from, averaged: (face size in px, JPEG quality or None). A face is brought to
# each size (shrunk or enlarged) and, where a quality is given, passed through JPEG as a print is: a face of a whole
# photo and the same face in a print then reach the landmarker degraded alike (README "Framing"). The model is fitted
# on training crops read through these same views (scripts/fit_smile.py).
READ_VIEWS: tuple[tuple[int, int | None], ...] = ((READ_FACE_PX, None),)

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
APPEARANCE = ("mouth_brightness", "teeth_area")
MEASUREMENTS: tuple[str, ...] = (
    tuple(f"bs.{name}" for name in (*_PAIRED, *_SINGLE))
    + tuple(f"geo.{name}" for name in GEOMETRY)
    + tuple(f"look.{name}" for name in APPEARANCE)
)
# Lip contours of the face mesh, in order around the polygon.
INNER_LIPS = (78, 191, 80, 81, 82, 13, 312, 311, 310, 415, 308, 324, 318, 402, 317, 14, 87, 178, 88, 95)
OUTER_LIPS = (61, 185, 40, 39, 37, 0, 267, 269, 270, 409, 291, 375, 321, 405, 314, 17, 84, 181, 91, 146)


@dataclass(frozen=True)
class SmileReading:
    score: float  # 0–100, 100·P(smiling)
    face_found: bool  # False: neither the landmarker nor the fallback saw a face in the crop; score is NO_FACE_SCORE
    source: str = "landmarker"  # "landmarker", "fallback" (YuNet + dlib, vision/smile/fallback.py) or "none"
    # The landmarker's 52 blendshapes of the first (unmirrored) view, by MediaPipe name (eyeBlinkLeft, ...): the
    # face poses (wink) read them, so the landmarker runs once per face. None when the landmarker found no face.
    blendshapes: Mapping[str, float] | None = field(default=None, hash=False)


NO_FACE = SmileReading(NO_FACE_SCORE, face_found=False, source="none")
# What the landmarker read in a crop's first view that found a face.
FirstView = tuple[np.ndarray, np.ndarray, dict[str, float], np.ndarray]  # view, measurements, blendshapes, landmarks


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


def _polygon_mask(shape: tuple[int, int], points: np.ndarray) -> np.ndarray:
    mask = np.zeros(shape, dtype=np.uint8)
    cv2.fillPoly(mask, [np.round(points).astype(np.int32)], 1)
    return mask.astype(bool)


def _appearance(view: np.ndarray, points: np.ndarray) -> dict[str, float]:
    """Brightness inside the lips against the face's own skin: visible teeth are the bright part of a broad smile.

    Lightness only (no colour), so greyscale photos measure the same. Units: skin standard deviations, and
    inter-ocular distances squared for the area.
    """
    lightness = cv2.cvtColor(view, cv2.COLOR_RGB2GRAY).astype(np.float64)
    shape = lightness.shape
    inner = _polygon_mask(shape, points[list(INNER_LIPS)])
    face = _polygon_mask(shape, cv2.convexHull(np.round(points).astype(np.float32))[:, 0])
    skin = lightness[face & ~_polygon_mask(shape, points[list(OUTER_LIPS)])]
    if skin.size < 16 or inner.sum() < 3:
        return {"mouth_brightness": 0.0, "teeth_area": 0.0}
    centre, spread = float(np.median(skin)), float(skin.std()) + 1e-6
    iod_squared = float(np.sum((points[LEFT_EYE_OUTER] - points[RIGHT_EYE_OUTER]) ** 2)) or 1.0
    mouth = lightness[inner]
    return {
        "mouth_brightness": (float(mouth.mean()) - centre) / spread,
        "teeth_area": float((mouth > centre).sum()) / iod_squared,
    }


def measurements_of(blendshapes: dict[str, float], points: np.ndarray, view: np.ndarray) -> np.ndarray:
    """One view's MEASUREMENTS vector from the landmarker's blendshapes (by name), landmarks (px) and the view."""
    values = [(blendshapes[f"{name}Left"] + blendshapes[f"{name}Right"]) / 2 for name in _PAIRED]
    values += [blendshapes[name] for name in _SINGLE]
    geometry = _geometry(points)
    values += [geometry[name] for name in GEOMETRY]
    appearance = _appearance(view, points)
    values += [appearance[name] for name in APPEARANCE]
    return np.array(values, dtype=np.float64)


def model_inputs(measurements: np.ndarray, features: Sequence[str]) -> np.ndarray:
    """The columns `features` of MEASUREMENTS rows as the model sees them.

    Blendshapes enter as square roots: neutral faces crowd near 0, and the root spreads them apart.
    """
    columns = np.array([MEASUREMENTS.index(name) for name in features])
    inputs = np.asarray(measurements, dtype=np.float64)[..., columns]
    blendshape = np.array([name.startswith("bs.") for name in features])
    inputs[..., blendshape] = np.sqrt(np.clip(inputs[..., blendshape], 0.0, None))
    return inputs


def _logistic_parts(raw: Mapping[str, Any], where: str) -> tuple[tuple[str, ...], np.ndarray, np.ndarray, np.ndarray]:
    """A logistic model's features (checked against MEASUREMENTS) and its mean, scale and coef (one value each)."""
    features = tuple(raw["features"])
    unknown = [name for name in features if name not in MEASUREMENTS]
    if unknown:
        raise ValueError(f"{where}: features {unknown} are not measured by vision.smile (MEASUREMENTS)")
    return (features, *logistic_arrays(raw, len(features), where))


def _logistic(
    measurements: np.ndarray,
    features: tuple[str, ...],
    mean: np.ndarray,
    scale: np.ndarray,
    coef: np.ndarray,
    intercept: float,
) -> np.ndarray:
    """sigmoid(intercept + coef · (model_inputs - mean) / scale)."""
    return standardised_logistic(model_inputs(measurements, features), mean, scale, coef, intercept)


@dataclass(frozen=True)
class SmallFaceModel:
    """The reading of faces a photo holds at print size (README "Framing"): a logistic regression over the same
    kind of measurements, fitted on printed copies of the training faces to give what the main model gives the same
    face whole. A face whose detector box is at most `face_px[0]` px is scored by it alone, one of at least
    `face_px[1]` px by the main model alone; in between the two probabilities are blended linearly."""

    features: tuple[str, ...]
    mean: np.ndarray
    scale: np.ndarray
    coef: np.ndarray
    intercept: float
    face_px: tuple[float, float]

    @classmethod
    def from_json(cls, raw: Mapping[str, Any]) -> SmallFaceModel:
        features, mean, scale, coef = _logistic_parts(raw, "small-face model")
        low, high = (float(value) for value in raw["face_px"])
        if not 0 < low < high:
            raise ValueError(f"small-face model: face_px must be two increasing sizes, got {raw['face_px']}")
        return cls(features, mean, scale, coef, float(raw["intercept"]), (low, high))

    def weight(self, face_side: float) -> float:
        """How much of a face's probability comes from this model: 1 up to face_px[0], 0 from face_px[1]."""
        low, high = self.face_px
        return float(np.clip((high - face_side) / (high - low), 0.0, 1.0))

    def probability(self, measurements: np.ndarray) -> np.ndarray:
        return _logistic(measurements, self.features, self.mean, self.scale, self.coef, self.intercept)


@dataclass(frozen=True)
class SmileModel:
    """Logistic regression over named MEASUREMENTS: P = sigmoid(intercept + coef · (model_inputs - mean) / scale)."""

    features: tuple[str, ...]
    mean: np.ndarray
    scale: np.ndarray
    coef: np.ndarray
    intercept: float
    info: dict[str, Any]
    fallback: FallbackModel | None = None  # for crops the landmarker cannot read
    small: SmallFaceModel | None = None  # for faces at print size (blended by the face's size)
    pixels: PixelModel | None = None  # the mouth's pixels, stacked with the landmark reading (vision/smile/pixels.py)

    @classmethod
    def load(cls, path: Path = MODEL_JSON) -> SmileModel:
        raw = json.loads(path.read_text(encoding="utf-8"))
        features, mean, scale, coef = _logistic_parts(raw, str(path))
        fallback = FallbackModel.from_json(raw["fallback"]) if "fallback" in raw else None
        small = SmallFaceModel.from_json(raw["small_faces"]) if "small_faces" in raw else None
        pixels = PixelModel.from_json(raw["pixels"]) if "pixels" in raw else None
        info = dict(raw.get("info", {}))
        return cls(features, mean, scale, coef, float(raw["intercept"]), info, fallback, small, pixels)

    def probability(self, measurements: np.ndarray, face_side: float | None = None) -> np.ndarray:
        """P(smiling) for measurement vectors (..., len(MEASUREMENTS)) of a face whose detector box is `face_side`
        px (None: the main model alone). Faces at print size are read by the small-face model, when there is one."""
        main = _logistic(measurements, self.features, self.mean, self.scale, self.coef, self.intercept)
        if self.small is None or face_side is None:
            return main
        weight = self.small.weight(face_side)
        return main if weight == 0.0 else (1.0 - weight) * main + weight * self.small.probability(measurements)

    def with_pixels(self, probability: float, descriptor: np.ndarray | None, happy: float | None) -> float:
        """The landmark reading's `probability` stacked with the pixel reading of the face's `descriptor`
        (`vision.smile.pixels.chip_descriptor`) and the expression net's `happy`; unchanged without a pixel model or
        a descriptor."""
        return probability if self.pixels is None else self.pixels.combined(probability, descriptor, happy)


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
        self._expression: ExpressionNet | None = None

    @property
    def model(self) -> SmileModel:
        """The fitted model (vision/smile/smile_model.json unless one was given); measuring does not need it."""
        if self._model is None:
            self._model = SmileModel.load()
        return self._model

    @contextmanager
    def scoring_with(self, model: SmileModel) -> Iterator[None]:
        """Score with `model` inside the block (evaluations: a held-out fold's refit through the bot's own path)."""
        saved, self._model = self._model, model
        try:
            yield
        finally:
            self._model = saved

    @classmethod
    def shared(cls) -> SmileScorer:
        with cls._shared_lock:
            if cls._shared is None:
                cls._shared = cls()
            return cls._shared

    def _view_measurements(self, view: np.ndarray) -> np.ndarray | None:
        """Measurements of the face nearest the view's centre, or None when the landmarker finds no face."""
        found = self._view_reading(view)
        return None if found is None else found[0]

    def _view_reading(self, view: np.ndarray) -> tuple[np.ndarray, dict[str, float], np.ndarray] | None:
        """(measurements, blendshapes by name, the 478 landmarks in view px) of the face nearest the view's centre;
        None when none is found."""
        import mediapipe as mp

        with self._lock:
            result = self._landmarker.detect(mp.Image(image_format=mp.ImageFormat.SRGB, data=view))
        if not result.face_landmarks:
            return None
        size = np.array(view.shape[1::-1], dtype=np.float64)
        faces = [np.array([(p.x, p.y) for p in marks]) * size for marks in result.face_landmarks]
        distances = [np.hypot(*(face.mean(axis=0) - size / 2)) for face in faces]
        best = int(np.argmin(distances))
        blendshapes = {c.category_name: float(c.score) for c in result.face_blendshapes[best]}
        return measurements_of(blendshapes, faces[best], view), blendshapes, faces[best]

    def _first_view(self, rgb: np.ndarray) -> FirstView | None:
        """(view, its measurements, its blendshapes, its landmarks) of the first attempt in which the landmarker finds
        a face."""
        if min(rgb.shape[:2]) < 1:
            return None
        for margin, fill in ATTEMPTS:
            view = prepare_view(rgb, margin, VIEW_SIZE, fill)
            found = self._view_reading(view)
            if found is not None:
                return view, *found
        return None

    def view_readings(self, view: np.ndarray, points: np.ndarray) -> tuple[np.ndarray | None, float | None]:
        """(mouth descriptor, expression net's P(happy)) of the face in a reading view whose landmarks are `points`
        (px in the view): what the stack reads beside the landmark model."""
        grey, scaled = descriptor_view(view, points)
        descriptor = chip_descriptor(grey, scaled)
        if descriptor is None:
            return None, None
        with self._lock:
            if self._expression is None:
                self._expression = ExpressionNet()
        return descriptor, self._expression.happy(grey, scaled)

    def _with_mirror(self, view: np.ndarray, found: np.ndarray) -> np.ndarray:
        mirrored = self._view_measurements(np.ascontiguousarray(view[:, ::-1]))
        return found if mirrored is None else (found + mirrored) / 2

    def measure(self, crop: np.ndarray) -> np.ndarray | None:
        """MEASUREMENTS of a face crop (mirror views averaged, when on), or None when no attempt finds a face."""
        first = self._first_view(_as_rgb(crop))
        if first is None:
            return None
        view, found, _, _ = first
        return self._with_mirror(view, found) if self.mirror else found

    def read(self, crop: np.ndarray) -> SmileReading:
        """The crop's smile reading. The mirror view (a second landmarker run) is only looked at when the first view
        leaves the verdict open (SURE_BELOW < P < SURE_ABOVE): beyond those, averaging never flipped a verdict."""
        rgb = _as_rgb(crop)
        first = self._first_view(rgb)
        return self._fallback_reading(rgb) if first is None else self._first_view_reading(*first)

    def _first_view_reading(
        self, view: np.ndarray, found: np.ndarray, blendshapes: dict[str, float], _landmarks: np.ndarray
    ) -> SmileReading:
        """`read`'s verdict from its first view (the crop as it is), the mirror view added when that is unsure."""
        probability = float(self.model.probability(found))
        if self.mirror and SURE_BELOW < probability < SURE_ABOVE:
            probability = float(self.model.probability(self._with_mirror(view, found)))
        return SmileReading(round(100.0 * probability, 1), face_found=True, blendshapes=blendshapes)

    def _views_found(
        self, crop: np.ndarray, face_side: float, crop_view: FirstView | None = None
    ) -> list[tuple[np.ndarray, np.ndarray, np.ndarray]]:
        """(view, measurements, landmarks) of each of the face's READ_VIEWS in which the landmarker finds a face.
        `crop_view`: the crop's own `_first_view`, already read, stands for a READ_VIEW with the crop's very pixels (a
        face of READ_FACE_PX with no JPEG pass) instead of a second landmarker run on them."""
        found = []
        for rgb in reading_views(crop, face_side):
            same = crop_view is not None and rgb.shape == crop.shape and np.array_equal(rgb, crop)
            first = crop_view if same else self._first_view(rgb)
            if first is not None:
                found.append((first[0], first[1], first[3]))
        return found

    def measure_face(self, crop: np.ndarray, face_side: float) -> np.ndarray | None:
        """The measurements a face's score is read from (see `read_face`): its READ_VIEWS' averaged (each with its
        mirror view, when on); None when the landmarker finds the face in none of them. What the model is fitted on."""
        measured = self.measure_face_pixels(crop, face_side)
        return None if measured is None else measured[0]

    def measure_face_pixels(
        self, crop: np.ndarray, face_side: float
    ) -> tuple[np.ndarray, np.ndarray | None, float | None] | None:
        """`measure_face`'s measurements and the `view_readings` of the face's first reading view (what the pixel
        model and the stack are fitted on); None when the landmarker finds the face in no READ_VIEW."""
        found = self._views_found(crop, face_side)
        if not found:
            return None
        rows = [self._with_mirror(view, measured) if self.mirror else measured for view, measured, _ in found]
        return np.mean(rows, axis=0), *self.view_readings(found[0][0], found[0][2])

    def read_face(self, crop: np.ndarray, face_side: float) -> SmileReading:
        """The smile reading of a face crop whose face (detector box) is `face_side` px on its longer side: what the
        bot gives every face it finds.

        The crop as it is decides whether it is a face at all (a balloon shrunk to READ_FACE_PX can pass for one)
        and gives the blendshapes the poses read; the score comes from the READ_VIEWS, averaged (their mirror views
        too when that leaves the verdict open), through the model for a face of `face_side` px (the small-face
        model blended in for faces at print size), stacked with the pixel reading of the first reading view's mouth
        and the expression net's reading of its face (`view_readings`, when the model has a stack). A face the
        views cannot read keeps the score of the crop as it is (landmark reading only).
        """
        rgb = _as_rgb(crop)
        first = self._first_view(rgb)
        if first is None:
            return self._fallback_reading(rgb)
        found = self._views_found(rgb, face_side, first)
        if not found:  # `read` of the crop, from the first view already read (the landmarker is not run on it again)
            return self._first_view_reading(*first)
        measured = np.mean([row for _, row, _ in found], axis=0)
        probability = float(self.model.probability(measured, face_side))
        if self.mirror and SURE_BELOW < probability < SURE_ABOVE:
            measured = np.mean([self._with_mirror(view, row) for view, row, _ in found], axis=0)
            probability = float(self.model.probability(measured, face_side))
        if self.model.pixels is not None:
            probability = self.model.with_pixels(probability, *self.view_readings(found[0][0], found[0][2]))
        return SmileReading(round(100.0 * probability, 1), face_found=True, blendshapes=first[2])

    def _fallback_reading(self, rgb: np.ndarray) -> SmileReading:
        fallback = self.model.fallback
        chip = aligned_chip(rgb) if fallback is not None and min(rgb.shape[:2]) >= 1 else None
        if fallback is None or chip is None:
            return NO_FACE
        probability = float(fallback.probability(chip_features(chip, fallback.kind)))
        return SmileReading(round(100.0 * probability, 1), face_found=True, source="fallback")


def crop_face(rgb: np.ndarray, box: tuple[int, int, int, int], margin: float = BOX_MARGIN) -> np.ndarray:
    """The box grown by `margin` of its side on each side and made square, clipped to the image."""
    x, y, w, h = box
    side = max(w, h) * (1 + 2 * margin)
    cx, cy = x + w / 2, y + h / 2
    height, width = rgb.shape[:2]
    left, top = max(0, round(cx - side / 2)), max(0, round(cy - side / 2))
    right, bottom = min(width, round(cx + side / 2)), min(height, round(cy + side / 2))
    return rgb[top:bottom, left:right]


def degraded(crop: np.ndarray, scale: float, quality: int | None = None) -> np.ndarray:
    """The RGB crop resized by `scale` (area-averaged when shrinking, cubic when enlarging) and, when `quality` is
    given, passed through JPEG at that quality."""
    size = (max(1, round(crop.shape[1] * scale)), max(1, round(crop.shape[0] * scale)))
    resized = cv2.resize(crop, size, interpolation=cv2.INTER_AREA if scale < 1 else cv2.INTER_CUBIC)
    if quality is None:
        return resized
    bgr = cv2.cvtColor(resized, cv2.COLOR_RGB2BGR)
    ok, data = cv2.imencode(".jpg", bgr, [cv2.IMWRITE_JPEG_QUALITY, quality])
    decoded = cv2.imdecode(data, cv2.IMREAD_COLOR) if ok else None
    if decoded is None:
        raise ValueError("JPEG round trip failed")
    return cv2.cvtColor(decoded, cv2.COLOR_BGR2RGB)


def reading_views(crop: np.ndarray, face_side: float) -> list[np.ndarray]:
    """The READ_VIEWS of a face crop whose face (detector box) is `face_side` px: what its score is read from."""
    if crop.size == 0 or face_side <= 0:
        return []
    rgb = _as_rgb(crop)
    return [degraded(rgb, px / face_side, quality) for px, quality in READ_VIEWS]


def smile_score_crop(rgb_crop: np.ndarray) -> float:
    """Smile score 0–100 of one face crop (NO_FACE_SCORE when no face is found in it)."""
    return SmileScorer.shared().read(rgb_crop).score


def smile_readings(rgb: np.ndarray, faces: Sequence[DetectedFace]) -> list[SmileReading]:
    """Each face's reading (`SmileScorer.read_face` of its `crop_face`), in the order given."""
    scorer = SmileScorer.shared()
    readings = []
    for face in faces:
        crop = crop_face(rgb, face.box)
        readings.append(scorer.read_face(crop, max(face.box[2], face.box[3])) if crop.size else NO_FACE)
    return readings


def smile_scores(rgb: np.ndarray, faces: Sequence[DetectedFace]) -> list[float]:
    """Smile score 0–100 for each detected face of a photo, in the order given."""
    return [reading.score for reading in smile_readings(rgb, faces)]
