"""Hand-gesture figures on ``<data>/poses`` (550 HaGRID v1 photos, one person each; 7 labels incl. hard negatives).

Each photo runs through vision.poses as the bot runs a photo without face boxes (whole picture, hands rescued at the
body's wrists); its answer is the surest named shape among its hands, "other" when none has one or no hand is found.

METRIC pose.<name>.precision / .recall   v_sign, thumbs_up, ok_sign, open_palm, fist, point: the shipped classifier
                                         (vision/poses/hand_shape_model.json, FITTED ON THIS SET) behind the rules
METRIC pose.other.recall                 hard negatives (call, thumbs down, shush, rock, three, two up) left "other"
METRIC pose.macro_f1                     mean F1 of the 7 labels, shipped model
METRIC pose.cv_macro_f1                  5-fold CV of the same recipe (scripts/fit_poses.py), folds split by source
                                         photo: the honest generalisation figure; also pose.cv_other_recall
METRIC pose.hand_found_rate              share of photos with at least one hand found
METRIC pose.ms_per_image                 mean wall time of landmarks + shapes per photo (measured on the first 60)
"""

from __future__ import annotations

import time
from pathlib import Path

from evals.common import metric, skip
from evals.pose_data import (
    cross_validated,
    load_pose_set,
    macro_f1,
    measure_set,
    per_class_scores,
    predict_photo,
    read_rgb,
)
from vision.poses.hand_shapes import CLASSIFIED, shipped_model
from vision.poses.recognise import recognise_poses

TIMED_PHOTOS = 60


def run(data: Path | None) -> None:
    pose_dir = data / "poses" if data else None
    if pose_dir is None or not (pose_dir / "labels.csv").is_file():
        skip("poses: no <eval data>/poses/labels.csv; pose figures skipped")
        return
    pose_set = load_pose_set(pose_dir)
    measured = measure_set(pose_set)
    model = shipped_model()
    predictions = [predict_photo(hands, model)[0] for hands in measured]
    scores = per_class_scores(pose_set.labels, predictions)
    for name in CLASSIFIED:
        precision, recall = scores[name]
        metric(f"pose.{name}.precision", precision)
        metric(f"pose.{name}.recall", recall)
    metric("pose.other.recall", scores["other"][1])
    metric("pose.macro_f1", macro_f1(pose_set.labels, predictions))
    metric("pose.hand_found_rate", sum(bool(hands) for hands in measured) / len(measured))
    held_out = cross_validated(pose_set, measured)
    metric("pose.cv_macro_f1", macro_f1(pose_set.labels, held_out))
    metric("pose.cv_other_recall", per_class_scores(pose_set.labels, held_out)["other"][1])
    metric("pose.ms_per_image", _ms_per_image(pose_set.files[:: max(1, len(pose_set.files) // TIMED_PHOTOS)]))


def _ms_per_image(files: tuple[Path, ...]) -> float:
    """Mean wall ms of recognise_poses on whole photos (decoding excluded)."""
    images = [read_rgb(path) for path in files]
    recognise_poses(images[0], ())  # warm-up: graphs are built on first use
    started = time.perf_counter()
    for rgb in images:
        recognise_poses(rgb, ())
    return 1000.0 * (time.perf_counter() - started) / len(images)
