"""Face detection with 5 landmarks (YuNet, `yuface`) and 128-d identity embeddings (dlib ResNet run by onnxruntime,
5-point alignment).

Pure functions: RGB uint8 arrays in, dataclasses / arrays out. Models load once per process (`FaceModels.shared()`),
so the worker pool pays for them once. Measured choices and figures: README.md, "Measured" → "Faces".
"""

from __future__ import annotations

import threading
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar

import cv2
import numpy as np

import vision.faces.onnx_build as onnx_build
from vision.models import model_path

if TYPE_CHECKING:
    import dlib

# YuNet (libfacedetection) slows down and loses accuracy on inputs larger than ~960 px; each pass runs at most this.
DETECTOR_MAX_SIDE = 960
# Detector confidence kept. Swept 0.4-0.8 (one-off): on the 600 GENKI crops (one face each) 0.5/0.6/0.7/0.8 keep
# 95.0/94.8/94.7/93.8 %; on the photobooth set recall stays 1.00 while boxes beyond the annotator's count fall
# 14/9/6/2. But 40 px faces score 0.67-0.87 (tests: a shrunk group photo), so 0.7 would lose small faces.
MIN_SCORE = 0.6
# YuNet finds faces down to ~10 px; upscale small images so a face of `min_size` reaches this many detector pixels.
DETECTOR_MIN_FACE = 20
NMS_IOU = 0.4
# A box lying mostly inside a better one is the same face found twice (a chin-and-mouth box inside the full face).
NMS_INSIDE = 0.7
# Faces this small (original pixels) are still searched in large photos, by tiles at a finer scale that makes them
# TILE_FACE_PX detector pixels (YuNet still finds 10-12 px faces; 20 would cost 4x more tiles on camera originals).
SMALL_FACE = 40
TILE_FACE_PX = 12
TILE_OVERLAP = 0.2
CHIP_SIZE = 150
CHIP_PADDING = 0.25
EMBEDDING_DIM = 128
# onnxruntime's intra-op threads for the embedder. Its own default is a thread per core that spins for a while after
# each run: in an analysis worker (one of several busy processes on the cores; the pool's workers are the
# parallelism) that spinning cost 19 ms a load strip in the embedding and 30-35 ms more in the pose stage after it
# (the spinning thread competing with MediaPipe): 0.54 → 0.47 CPU-s a load strip, embeddings bit-identical.
EMBEDDER_THREADS = 1

Box = tuple[int, int, int, int]
Point = tuple[float, float]


@dataclass(frozen=True)
class DetectedFace:
    box: Box  # x, y, w, h in the given image's pixels
    score: float  # detector confidence 0–1
    # 5 points in image pixels: right eye, left eye, nose tip, right mouth corner, left mouth corner, where "right"
    # is the person's right, i.e. the viewer's left: the first eye has the smaller x on an upright frontal face.
    landmarks: tuple[Point, ...]


class FaceModels:
    """The face models, loaded once per process: dlib's 5-point predictor and the identity ResNet.

    The ResNet runs as ONNX in onnxruntime (`embedder="onnx"`, vision.faces.onnx_build: the same weights, built from
    the pinned .dat at first use, ~20x faster than dlib-bin's BLAS-less convolutions); `embedder="dlib"` runs
    dlib's own, for comparisons. `threads` is onnxruntime's intra-op thread count (EMBEDDER_THREADS; None: its own
    default, a spinning thread per core).
    YuNet is compiled into `yuface`.
    """

    _shared: ClassVar[FaceModels | None] = None
    _lock: ClassVar[threading.Lock] = threading.Lock()

    def __init__(self, *, embedder: str = "onnx", threads: int | None = EMBEDDER_THREADS) -> None:
        import dlib  # imported here so that importing vision.faces stays cheap for code that only needs the types

        if embedder not in ("onnx", "dlib"):
            raise ValueError(f"embedder must be 'onnx' or 'dlib', not {embedder!r}")
        self._dlib = dlib
        self.embedder_kind = embedder
        self.shape_predictor = dlib.shape_predictor(str(model_path("dlib_5_landmarks")))
        if embedder == "onnx":
            self._session = onnx_build.load_session(threads)
        else:
            self._dlib_embedder = dlib.face_recognition_model_v1(str(model_path("dlib_face_embedder")))

    @classmethod
    def shared(cls) -> FaceModels:
        if cls._shared is None:
            with cls._lock:
                if cls._shared is None:
                    cls._shared = cls()
        return cls._shared

    @classmethod
    def configure(cls, *, embedder: str = "onnx", threads: int | None = EMBEDDER_THREADS) -> FaceModels:
        """Replace the shared instance (benchmarks pin one thread; comparisons pick dlib's embedder)."""
        with cls._lock:
            cls._shared = cls(embedder=embedder, threads=threads)
        return cls._shared

    def align(self, rgb: np.ndarray, face: DetectedFace) -> dlib.full_object_detection:
        x, y, w, h = _dlib_box(face)
        rect = self._dlib.rectangle(int(x), int(y), int(x + w), int(y + h))
        return self.shape_predictor(rgb, rect)

    def chips(self, rgb: np.ndarray, faces: Sequence[DetectedFace]) -> list[np.ndarray]:
        """Aligned 150×150 face chips (the embedder's input), one per face."""
        shapes = self._dlib.full_object_detections()
        for face in faces:
            shapes.append(self.align(rgb, face))
        return list(self._dlib.get_face_chips(rgb, shapes, size=CHIP_SIZE, padding=CHIP_PADDING))

    def embed_chips(self, chips: Sequence[np.ndarray]) -> np.ndarray:
        """(N, 128) float32 raw (not normalised) descriptors of aligned chips, as dlib computes them."""
        if not chips:
            return np.zeros((0, EMBEDDING_DIM), dtype=np.float32)
        if self.embedder_kind == "onnx":
            return onnx_build.run(self._session, chips)
        vectors = self._dlib_embedder.compute_face_descriptor(list(chips))
        return np.asarray([np.asarray(v) for v in vectors], dtype=np.float32)


def as_rgb(image: np.ndarray) -> np.ndarray:
    """A contiguous (H, W, 3) uint8 RGB view of `image`: greyscale is repeated, an alpha channel is dropped."""
    if not isinstance(image, np.ndarray):
        raise TypeError(f"expected a numpy array, got {type(image).__name__}")
    if image.dtype != np.uint8:
        raise ValueError(f"expected a uint8 image, got dtype {image.dtype}")
    if image.ndim == 3 and image.shape[2] == 1:
        image = image[:, :, 0]
    if image.ndim == 2:
        image = np.repeat(image[:, :, None], 3, axis=2)
    elif image.ndim != 3 or image.shape[2] not in (3, 4):
        raise ValueError(f"expected an (H, W), (H, W, 3) or (H, W, 4) image, got shape {image.shape}")
    return np.ascontiguousarray(image[:, :, :3])


def detect_faces(rgb: np.ndarray, *, min_size: int = 24) -> list[DetectedFace]:
    """Faces at least `min_size` px wide (in `rgb`'s pixels), best score first.

    One pass over the whole image at working scale (≤ DETECTOR_MAX_SIDE); large images, where a SMALL_FACE would
    shrink below what YuNet sees, also get overlapping tiles at a finer scale. (A padded second pass for tight crops
    found no more faces on the 600 GENKI crops, 94.8 % either way, so there is none.)
    Greyscale (H, W) and RGBA arrays are accepted; anything else raises ValueError / TypeError.
    """
    rgb = as_rgb(rgb)
    height, width = rgb.shape[:2]
    if min(height, width) < max(8, min_size // 2):
        return []
    # Shrink once to the finest scale any pass needs; every pass works from that copy.
    working = _working_scale(width, height, min_size)
    tile_scale = _tile_scale(width, height, min_size)
    base = min(1.0, max(working, tile_scale or 0.0))
    small = rgb if base == 1.0 else cv2.resize(rgb, None, fx=base, fy=base, interpolation=cv2.INTER_AREA)
    bgr = cv2.cvtColor(small, cv2.COLOR_RGB2BGR)
    frame = _Frame(base, width, height)
    found: list[DetectedFace] = []
    found.extend(_detect_pass(bgr, working / base, frame))
    if tile_scale is not None:
        for x, y, tile in _tiles(bgr, tile_scale / base):
            found.extend(_detect_pass(tile, tile_scale / base, frame, (x, y)))
    kept = _non_max_suppression(found)
    return [face for face in kept if face.box[2] >= min_size and face.score >= MIN_SCORE]


def embed_faces(rgb: np.ndarray, faces: Sequence[DetectedFace]) -> np.ndarray:
    """(N, 128) float32 identity embeddings, L2-normalised (so cosine distance = 1 - dot, and L2² = 2·cosine)."""
    if not faces:
        return np.zeros((0, EMBEDDING_DIM), dtype=np.float32)
    models = FaceModels.shared()
    vectors = models.embed_chips(models.chips(as_rgb(rgb), faces))
    return l2_normalise(vectors)


def l2_normalise(vectors: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    return (vectors / np.maximum(norms, 1e-12)).astype(np.float32)


def _working_scale(width: int, height: int, min_size: int) -> float:
    return min(DETECTOR_MAX_SIDE / max(width, height), max(1.0, DETECTOR_MIN_FACE / max(1, min_size)))


def _tile_scale(width: int, height: int, min_size: int) -> float | None:
    """The scale making max(min_size, SMALL_FACE) px faces TILE_FACE_PX wide, if the working pass makes them smaller."""
    wanted = TILE_FACE_PX / max(min_size, SMALL_FACE)
    if wanted <= _working_scale(width, height, min_size) * 1.25:
        return None
    return min(1.0, wanted)


def _tiles(bgr: np.ndarray, scale: float) -> Iterator[tuple[int, int, np.ndarray]]:
    """Overlapping crops of `bgr` that are DETECTOR_MAX_SIDE px wide once scaled, with their offsets."""
    height, width = bgr.shape[:2]
    side = int(DETECTOR_MAX_SIDE / scale)
    step = int(side * (1 - TILE_OVERLAP))
    ys = [*range(0, max(1, height - side), step), max(0, height - side)]
    xs = [*range(0, max(1, width - side), step), max(0, width - side)]
    for y in sorted(set(ys)):
        for x in sorted(set(xs)):
            yield x, y, bgr[y : y + side, x : x + side]


@dataclass(frozen=True)
class _Frame:
    """How detector coordinates go back to the caller's image: divide by `base`, clip to width × height."""

    base: float
    width: int
    height: int


def _detect_pass(bgr: np.ndarray, scale: float, frame: _Frame, offset: tuple[int, int] = (0, 0)) -> list[DetectedFace]:
    import yuface  # the compiled YuNet; imported on first use so that the types above import fast

    image = bgr
    if abs(scale - 1.0) > 1e-3:
        interpolation = cv2.INTER_AREA if scale < 1 else cv2.INTER_LINEAR
        image = cv2.resize(bgr, None, fx=scale, fy=scale, interpolation=interpolation)
    raw = np.asarray(yuface.c_detect(np.ascontiguousarray(image)), dtype=np.float64)
    shift = np.array(offset, dtype=np.float64)
    faces = []
    for row in raw:
        corner = (row[1:3] / scale + shift) / frame.base
        size = row[3:5] / scale / frame.base
        points = (row[5:15].reshape(5, 2) / scale + shift) / frame.base
        x0, y0 = max(0.0, corner[0]), max(0.0, corner[1])
        x1, y1 = min(float(frame.width), corner[0] + size[0]), min(float(frame.height), corner[1] + size[1])
        if x1 - x0 < 2 or y1 - y0 < 2:
            continue
        box = (round(x0), round(y0), round(x1 - x0), round(y1 - y0))
        landmarks = tuple((float(px), float(py)) for px, py in points)
        faces.append(DetectedFace(box, float(row[0]) / 100.0, landmarks))
    return faces


def _overlaps(a: Box, b: Box) -> bool:
    ax1, ay1, bx1, by1 = a[0] + a[2], a[1] + a[3], b[0] + b[2], b[1] + b[3]
    inter = max(0, min(ax1, bx1) - max(a[0], b[0])) * max(0, min(ay1, by1) - max(a[1], b[1]))
    smaller = min(a[2] * a[3], b[2] * b[3])
    union = a[2] * a[3] + b[2] * b[3] - inter
    return union > 0 and (inter / union >= NMS_IOU or inter / max(1, smaller) >= NMS_INSIDE)


def _non_max_suppression(faces: list[DetectedFace]) -> list[DetectedFace]:
    kept: list[DetectedFace] = []
    for face in sorted(faces, key=lambda f: f.score, reverse=True):
        if not any(_overlaps(face.box, other.box) for other in kept):
            kept.append(face)
    return kept


def _dlib_box(face: DetectedFace) -> tuple[float, float, float, float]:
    """The box dlib's 5-point predictor was trained on: square, around eyes and mouth (YuNet's includes forehead)."""
    points = np.asarray(face.landmarks)
    eyes = points[:2].mean(axis=0)
    mouth = points[3:].mean(axis=0)
    centre = (eyes + mouth) / 2
    eye_to_mouth = float(np.linalg.norm(mouth - eyes))
    eye_span = float(np.linalg.norm(points[1] - points[0]))
    side = max(2.0, 2.2 * max(eye_to_mouth, 0.9 * eye_span))
    return centre[0] - side / 2, centre[1] - side / 2, side, side
