"""Pose-stage timing: recognise_poses on a group photo, per person (its crop's hands + body + the rules).

METRIC bench.pose_ms_per_person        CPU ms of this process per face box (MediaPipe's graphs run their own
                                       threads, so CPU time sums them: the cost on one core), median of REPEATS
METRIC bench.pose_ms_per_person_wall   elapsed ms of the same runs
The photo is <data>/photobooth's group photo with its faces from vision.faces; without it a synthetic picture with
four evenly spaced face boxes (landmark models run, but find little).
"""

from __future__ import annotations

import statistics
import time
from pathlib import Path

import numpy as np

from evals.common import metric, skip
from vision.images import load_rgb
from vision.poses.recognise import recognise_poses

GROUP_PHOTO = "photobooth/images/pexels-melike-benli-9041810.jpg"
REPEATS = 5


def _photo_and_faces(data: Path | None) -> tuple[np.ndarray, list[tuple[float, float, float, float]]]:
    if data is not None and (data / GROUP_PHOTO).is_file():
        from vision.faces import detect_faces

        rgb = load_rgb((data / GROUP_PHOTO).read_bytes())
        return rgb, [face.box for face in detect_faces(rgb)]
    skip("bench_poses: no photobooth group photo; timed on a synthetic picture")
    rgb = np.random.default_rng(0).integers(0, 256, (720, 1280, 3), dtype=np.uint8)
    return rgb, [(160.0 + 260 * i, 200.0, 90.0, 110.0) for i in range(4)]


def run(data: Path | None) -> None:
    rgb, faces = _photo_and_faces(data)
    recognise_poses(rgb, faces)  # warm-up: graphs are built on first use
    cpu, wall = [], []
    for _ in range(REPEATS):
        started, started_wall = time.process_time(), time.perf_counter()
        recognise_poses(rgb, faces)
        cpu.append(1000 * (time.process_time() - started) / max(1, len(faces)))
        wall.append(1000 * (time.perf_counter() - started_wall) / max(1, len(faces)))
    metric("bench.pose_ms_per_person", statistics.median(cpu))
    metric("bench.pose_ms_per_person_wall", statistics.median(wall))
    metric("bench.pose_people", len(faces))
