"""Fit the hand-shape classifier and write vision/poses/hand_shape_model.json.

    .venv/bin/python scripts/fit_poses.py            # EVAL_DATA or ../shared/eval; prints cross-validated figures

Data: ``<data>/poses`` (550 HaGRID v1 photos, CC BY-SA 4.0, one person each; labels and provenance in its
SOURCE.txt: v_sign, thumbs_up, ok_sign, open_palm, fist, point and "other" = hard negatives such as call, rock,
three, two_up, thumbs down, shush). Recipe (evals/pose_data.py): MediaPipe Hands on the whole photo; the raised
hand's features (vision/poses/hand_features.FEATURES); a multinomial logistic regression with an explicit "other"
class, L2-penalised, on standardised features. At run time the finger-state rules of vision/poses/hand_shapes.py
gate it. Only the fitted numbers are written (no image, no landmark leaves the data folder).
"""

from __future__ import annotations

import json
import sys
from datetime import UTC, datetime

from evals.common import REPO_ROOT, eval_data_dir
from evals.pose_data import (
    CLASSES,
    FOLDS,
    L2,
    cross_validated,
    fit_softmax,
    load_pose_set,
    macro_f1,
    measure_set,
    predict_photo,
    training_rows,
)
from vision.poses.hand_shapes import MODEL_JSON


def main() -> int:
    data = eval_data_dir()
    if data is None or not (data / "poses" / "labels.csv").is_file():
        print("no <eval data>/poses/labels.csv (set EVAL_DATA)", file=sys.stderr)
        return 1
    pose_set = load_pose_set(data / "poses")
    measured = measure_set(pose_set)
    x, targets, _ = training_rows(pose_set, measured)
    for l2 in (0.001, 0.003, 0.01, 0.03, 0.1):
        held_out = cross_validated(pose_set, measured, l2)
        print(f"l2={l2}: {FOLDS}-fold CV macro F1 {macro_f1(pose_set.labels, held_out):.4f}")
    model = fit_softmax(x, targets, L2)
    fitted = [predict_photo(hands, model)[0] for hands in measured]
    print(f"fitted on all: macro F1 {macro_f1(pose_set.labels, fitted):.4f} ({len(x)} hands, classes {CLASSES})")
    document = {
        "about": "Hand-shape classifier over vision/poses/hand_features.FEATURES (scripts/fit_poses.py)",
        "data": "<eval>/poses: 550 HaGRID v1 photos (CC BY-SA 4.0), labels mapped per its SOURCE.txt",
        "fitted": datetime.now(UTC).strftime("%Y-%m-%d"),
        "l2": L2,
        "hands": len(x),
        **model.to_json(),
    }
    MODEL_JSON.write_text(json.dumps(document, indent=1) + "\n")
    print(f"wrote {MODEL_JSON.relative_to(REPO_ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
