"""Per-stage face timings on one thread: detection, alignment + embedding, clustering.

Each figure is the median CPU time on one thread (= time on one idle core; the machine running this is often
shared), and `<name>_wall` the elapsed time of the same runs.

METRIC bench.detect_ms                 detect_faces on a 1280 px group photo (Telegram's photo size), median
METRIC bench.detect_ms_frame           detect_faces on one 4-cut frame (640 px), median
METRIC bench.detect_ms_large           detect_faces on a 4460 px camera original (with the small-face tiles)
METRIC bench.embed_ms_per_face         embed_faces per face (5-point alignment + 150 px chip + ResNet), median
METRIC bench.resnet_ms_per_chip        the identity ResNet alone, per aligned chip (a batch of the group's faces)
METRIC bench.faces_8_s                 detection on 4 frames + 8 embeddings: the face part of one strip
METRIC bench.cluster_ms_300faces       recluster of 300 faces (30 people); also _1000faces
METRIC bench.incremental_ms_8faces     assign_incremental of 8 new faces into 300
METRIC bench.face_models_rss_mb        resident memory after loading the face models and running them once
The group photos come from <data>/photobooth; without it a synthetic image is timed for detection only.
The ResNet runs in onnxruntime on one thread; FACE_EMBEDDER=dlib times dlib's own instead (for comparison).
"""

from __future__ import annotations

import functools
import os

for _name in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_name] = "1"  # before numpy/yuface load their thread pools: the figures are for one core

import resource  # noqa: E402
import statistics  # noqa: E402
import time  # noqa: E402
from collections.abc import Callable  # noqa: E402
from pathlib import Path  # noqa: E402

import cv2  # noqa: E402
import numpy as np  # noqa: E402

from evals.common import metric, skip  # noqa: E402
from vision.faces import ClusterFace, FaceModels, assign_incremental, detect_faces, embed_faces, recluster  # noqa: E402
from vision.images import load_rgb  # noqa: E402

GROUP_PHOTO = "photobooth/images/pexels-melike-benli-9041810.jpg"
CAMERA_ORIGINAL = "photobooth/images/pibooth_capture_landscape1.jpg"
REPEATS = 5


def _median_ms(action: Callable[[], object], repeats: int = REPEATS) -> float:
    """Median CPU milliseconds of `action` (one thread, so CPU time is the time on one idle core)."""
    times, walls = [], []
    for _ in range(repeats):
        started, wall = time.process_time(), time.perf_counter()
        action()
        times.append((time.process_time() - started) * 1000)
        walls.append((time.perf_counter() - wall) * 1000)
    _LAST_WALL_MS[0] = statistics.median(walls)
    return statistics.median(times)


_LAST_WALL_MS = [0.0]


def _timed(name: str, action: Callable[[], object], repeats: int = REPEATS, per: float = 1.0, unit_s: bool = False):
    """METRIC `name` as CPU time and `name`_wall as elapsed time (inflated when the machine is shared)."""
    cpu = _median_ms(action, repeats) / per
    wall = _LAST_WALL_MS[0] / per
    if unit_s:
        cpu, wall = cpu / 1000, wall / 1000
    metric(name, cpu)
    metric(f"{name}_wall", wall)


def _resize_longest(rgb: np.ndarray, side: int) -> np.ndarray:
    scale = side / max(rgb.shape[:2])
    return cv2.resize(rgb, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)


def _synthetic_faces(count: int, people: int, seed: int = 0) -> list[ClusterFace]:
    rng = np.random.default_rng(seed)
    centres = rng.normal(size=(people, 128))
    centres /= np.linalg.norm(centres, axis=1, keepdims=True)
    faces = []
    for i in range(count):
        vector = centres[i % people] + rng.normal(scale=0.02, size=128)
        faces.append(ClusterFace(i, i // 2, (vector / np.linalg.norm(vector)).astype(np.float32), None, False))
    return faces


def bench_detection(data: Path | None) -> None:
    cv2.setNumThreads(1)
    if data is None or not (data / GROUP_PHOTO).is_file():
        skip("bench_faces: no photobooth photos; detection timed on a synthetic image only")
        synthetic = np.random.default_rng(0).integers(0, 256, (960, 1280, 3), dtype=np.uint8)
        _timed("bench.detect_ms", lambda: detect_faces(synthetic))
        return
    group = _resize_longest(load_rgb((data / GROUP_PHOTO).read_bytes()), 1280)
    frame = _resize_longest(group, 640)
    _timed("bench.detect_ms", lambda: detect_faces(group))
    _timed("bench.detect_ms_frame", lambda: detect_faces(frame))
    if (data / CAMERA_ORIGINAL).is_file():
        original = load_rgb((data / CAMERA_ORIGINAL).read_bytes())
        _timed("bench.detect_ms_large", lambda: detect_faces(original), repeats=3)
    faces = detect_faces(group)
    models = FaceModels.configure(embedder=os.environ.get("FACE_EMBEDDER", "onnx"), threads=1)
    embed_faces(group, faces[:1])  # warm-up
    _timed("bench.embed_ms_per_face", lambda: embed_faces(group, faces), per=max(1, len(faces)))
    chips = models.chips(group, faces)
    _timed("bench.resnet_ms_per_chip", lambda: models.embed_chips(chips), per=max(1, len(chips)))
    frame_faces = detect_faces(frame)

    def strip_faces() -> None:
        embedded = 0
        for _ in range(4):
            found = detect_faces(frame)
            embedded += len(embed_faces(frame, found[:2] or frame_faces[:2]))

    _timed("bench.faces_8_s", strip_faces, repeats=3, unit_s=True)


def bench_clustering() -> None:
    for count in (300, 1000):
        faces = _synthetic_faces(count, people=count // 10)
        _timed(f"bench.cluster_ms_{count}faces", functools.partial(recluster, faces), repeats=3)
    base = _synthetic_faces(308, people=30)
    labelled = recluster(base[:300]).assignment
    fresh: dict[str, int] = {}
    known = []
    for face in base[:300]:
        label = labelled[face.id]
        person = fresh.setdefault(label, len(fresh) + 1) if isinstance(label, str) else label
        known.append(ClusterFace(face.id, face.photo_id, face.embedding, person, False))
    new_ids = [f.id for f in base[300:]]
    _timed("bench.incremental_ms_8faces", lambda: assign_incremental(known + base[300:], new_ids))


def run(data: Path | None) -> None:
    bench_detection(data)
    bench_clustering()
    metric("bench.face_models_rss_mb", resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
    metric("bench.load_average_1min", os.getloadavg()[0])
