"""De-identified pose examples (vision.deid) on LFW people (``<data>/identity``) and HaGRID gestures (``<data>/poses``).

Re-identification: every identity photo is de-identified as the bot does it (make_example, the source chat being the
person's other photos), and an attacker looks its central face up among the central faces of all other 359 photos
(30 people) with the bot's embedder: top-1 right means the example still identifies the person. The attacker knows
where the face was: the example is embedded at the original face's place, whether or not the detector finds a face
there (the strongest reading; `_detected` counts only faces the detector finds, as the bot's check sees them).

METRIC deid.reid_top1                    de-identified examples (shown ones; refused ones are never shown)
METRIC deid.reid_top1_detected           the same, only faces the detector finds in the example (none: a miss)
METRIC deid.reid_top1_untouched          the original photos (the embedder's own top-1, ≈ 1.0)
METRIC deid.reid_top1_stylised_only      stylised, faces not covered
METRIC deid.reid_chance                  1 / people
METRIC deid.rejected_share               examples the embedder check refused (identity set)
METRIC deid.min_distance                 smallest distance of a face found in a shown example to its protected
                                         faces (inf: the detector found no face in any shown example)
METRIC deid.face_found_share             shown examples in which the detector still finds a face
METRIC deid.drawn_rejected_share         the same check with a drawn cartoon face over the mosaic (why not default)
METRIC deid.pose_kept                    pose photos whose named hand shape (vision.poses, shipped model) is still
                                         read the same on the example; photos read as "other" are left out
METRIC deid.pose_rejected_share          pose examples refused
METRIC deid.ms_per_image                 mean wall time of make_example on the pose photos (512 px short side)
METRIC deid.cpu_ms_per_image             the same in CPU time of this process (the wall time depends on the load)

The pose figures use every POSE_STEP-th photo (each example costs about a second of CPU on 2 shared cores).
"""

from __future__ import annotations

import csv
import os
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from evals.common import metric, skip
from evals.eval_identity import _central
from evals.pose_data import load_pose_set, measure_set, predict_photo, read_rgb
from vision.deid import CoverStyle, Stylizer, load_stylizer, make_example
from vision.deid.verify import CHECK_MIN_FACE
from vision.faces import DetectedFace, detect_faces, embed_faces
from vision.images import load_rgb
from vision.poses.hand_shapes import OTHER, shipped_model
from vision.poses.recognise import read_hands

POSE_STEP = 5
DRAWN_STEP = 4  # the drawn-face variant runs on every 4th identity photo


@dataclass(frozen=True, eq=False)
class Photo:
    identity: str
    rgb: np.ndarray
    face: DetectedFace | None  # the central face
    embedding: np.ndarray | None  # of the central face, untouched


def load_identity(identity_dir: Path) -> list[Photo]:
    photos = []
    with (identity_dir / "labels.csv").open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    for row in rows:
        rgb = load_rgb((identity_dir / row["file"]).read_bytes())
        faces = detect_faces(rgb, min_size=CHECK_MIN_FACE)
        central = _central(rgb.shape, [f.box for f in faces])
        face = faces[central] if central is not None else None
        embedding = embed_faces(rgb, [face])[0] if face is not None else None
        photos.append(Photo(row["identity"], rgb, face, embedding))
    return photos


def top1_rate(photos: list[Photo], queries: list[np.ndarray | None]) -> float:
    """Share of photos whose query embedding's nearest other photo (central face) is the same person; None: miss."""
    usable = [i for i, p in enumerate(photos) if p.embedding is not None]
    gallery = np.stack([e for i in usable if (e := photos[i].embedding) is not None])
    names = np.array([photos[i].identity for i in usable])
    hits = 0
    for row, index in enumerate(usable):
        query = queries[index]
        if query is None:
            continue
        distances = np.linalg.norm(gallery - query, axis=1)
        distances[row] = np.inf  # never the photo itself
        hits += names[int(np.argmin(distances))] == photos[index].identity
    return hits / max(1, len(usable))


def at_face(rgb: np.ndarray, face: DetectedFace | None) -> np.ndarray | None:
    return embed_faces(rgb, [face])[0] if face is not None else None


def nearest_found(rgb: np.ndarray, face: DetectedFace | None) -> np.ndarray | None:
    """The embedding of the face the detector finds nearest the original face's place (None: no face found)."""
    found = detect_faces(rgb, min_size=CHECK_MIN_FACE)
    if not found or face is None:
        return None
    x, y, w, h = face.box
    centre = np.array([x + w / 2, y + h / 2])
    best = min(found, key=lambda f: float(np.linalg.norm(np.array(f.box[:2]) + np.array(f.box[2:]) / 2 - centre)))
    return embed_faces(rgb, [best])[0]


def run_identity(identity_dir: Path, stylizer: Stylizer) -> None:
    photos = load_identity(identity_dir)
    by_person: dict[str, list[np.ndarray]] = {}
    for photo in photos:
        if photo.embedding is not None:
            by_person.setdefault(photo.identity, []).append(photo.embedding)
    metric("deid.reid_chance", 1 / max(1, len(by_person)))
    metric("deid.reid_top1_untouched", top1_rate(photos, [p.embedding for p in photos]))
    metric("deid.reid_top1_stylised_only", top1_rate(photos, [at_face(stylizer(p.rgb), p.face) for p in photos]))
    shown: list[np.ndarray | None] = []
    shown_detected: list[np.ndarray | None] = []
    distances: list[float] = []
    refused = found_faces = 0
    for photo in photos:
        chat = [e for e in by_person.get(photo.identity, []) if e is not photo.embedding]
        example = make_example(photo.rgb, chat, stylizer=stylizer)
        if example.rgb is None:
            refused += 1
            shown.append(None)
            shown_detected.append(None)
            continue
        distances.append(example.min_distance)
        found_faces += example.min_distance != float("inf")
        shown.append(at_face(example.rgb, photo.face))
        shown_detected.append(nearest_found(example.rgb, photo.face))
    metric("deid.reid_top1", top1_rate(photos, shown))
    metric("deid.reid_top1_detected", top1_rate(photos, shown_detected))
    metric("deid.rejected_share", refused / max(1, len(photos)))
    metric("deid.min_distance", min(distances, default=float("inf")))
    metric("deid.face_found_share", found_faces / max(1, len(distances)))
    metric("deid.drawn_rejected_share", _drawn_refusals(photos, by_person, stylizer))


def _drawn_refusals(photos: list[Photo], by_person: dict[str, list[np.ndarray]], stylizer: Stylizer) -> float:
    """Refused share when a drawn cartoon face is put over the mosaic (the alternative the default does not take)."""
    sample = photos[::DRAWN_STEP]
    refused = sum(
        make_example(p.rgb, by_person.get(p.identity, []), stylizer=stylizer, covers=(CoverStyle.DRAWN,)).rgb is None
        for p in sample
    )
    return refused / max(1, len(sample))


def run_poses(pose_dir: Path, stylizer: Stylizer) -> None:
    pose_set = load_pose_set(pose_dir)
    original = measure_set(pose_set)
    model = shipped_model()
    kept = named = refused = 0
    times, cpu_times = [], []
    for path, hands in list(zip(pose_set.files, original, strict=True))[::POSE_STEP]:
        rgb = read_rgb(path)
        started = time.process_time()
        example = make_example(rgb, stylizer=stylizer)
        cpu_times.append(1000.0 * (time.process_time() - started))
        times.append(example.ms)
        before = predict_photo(hands, model)[0]
        if example.rgb is None:
            refused += 1
            continue
        if before == OTHER:
            continue
        named += 1
        kept += predict_photo(read_hands(example.rgb), model)[0] == before
    metric("deid.pose_kept", kept / max(1, named))
    metric("deid.pose_rejected_share", refused / max(1, len(times)))
    metric("deid.ms_per_image", float(np.mean(times[1:] or times)))
    metric("deid.cpu_ms_per_image", float(np.mean(cpu_times[1:] or cpu_times)))


def run(data: Path | None) -> None:
    only = os.environ.get("DEID_EVAL_PART")  # "identity" or "poses": one half only (while tuning)
    identity_dir = data / "identity" if data else None
    pose_dir = data / "poses" if data else None
    stylizer = load_stylizer()
    if identity_dir is None or not (identity_dir / "labels.csv").is_file():
        skip("deid: no <eval data>/identity/labels.csv; re-identification figures skipped")
    elif only in (None, "identity"):
        run_identity(identity_dir, stylizer)
    if pose_dir is None or not (pose_dir / "labels.csv").is_file():
        skip("deid: no <eval data>/poses/labels.csv; pose_kept skipped")
    elif only in (None, "poses"):
        run_poses(pose_dir, stylizer)
