"""Fit the smile model and write vision/smile/smile_model.json.

    .venv/bin/python scripts/fit_smile.py            # EVAL_DATA or ../shared/eval; prints cross-validated figures

Recipe: every labelled crop of ``<data>/smile`` is measured by vision.smile as the bot reads a face
(``SmileScorer.measure_face``: its READ_VIEWS, each with its mirror view, averaged), also under the augmentations in
TRAIN_VARIANTS (greyscale, half size, two printed copies: shrunk to a print's face size and saved as JPEG at a print's
quality, seeded per crop); an L2-penalised logistic regression over FEATURES is fitted on all of it (standardised
features, scikit-learn, evals/smile_data.py ``fit_recipe``). Faces at print size get a second regression over the
same features (``small_faces``), fitted on the printed copies to give the main model's probability for the same crop
as it is (soft targets), blended in by face size at run time (SMALL_FACE_PX). The pixel reading (``pixels``): an L2
logistic regression on the mouth descriptor of each crop's first reading view (vision/smile/pixels.py; PIXEL_VARIANTS,
four printed copies), stacked with the landmark reading and the expression net's P(happy) of the same view
(vision/smile/expression.py, FER-2013's mini-Xception, not refitted) in logit space, b0, b1, b2, b3 fitted on an
inner 5-fold CV's held-out probabilities (``fit_stack``). Every figure printed is the same 10-fold CV
(evals/smile_data.py ``crop_folds``), the whole recipe, stack included, refitted inside each fold. The output
depends only on the data and the code: a refit reproduces smile_model.json byte for byte.
Crops where the landmarker finds no face are left out. The fallback for those (vision/smile/fallback.py) is fitted
the same way on the mouth HOG of every crop where YuNet finds a face (evals/smile_data.py FALLBACK_*). The JSON
holds the feature names, the standardisation, the coefficients and how they were made; nothing else is needed at
run time.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np
from sklearn.metrics import accuracy_score, roc_auc_score

from evals.common import eval_data_dir
from evals.smile_data import (
    FALLBACK_KIND,
    FALLBACK_L2,
    FEATURES,
    L2,
    PIXEL_L2,
    PIXEL_VARIANTS,
    SMALL_FACE_PX,
    SMALL_L2,
    SMALL_TEACHER,
    SMALL_VARIANTS,
    STACK_FOLDS,
    TRAIN_VARIANTS,
    LogisticFit,
    RecipeFit,
    StandardisedLogistic,
    cross_validated,
    fallback_cross_validated,
    fit_recipe,
    load_smile_set,
    measure_fallback_set,
    measure_happy_set,
    measure_pixel_set,
    measure_set,
    variant_sides,
)
from vision.smile import MODEL_JSON, SmileScorer
from vision.smile.pixels import DESCRIPTOR_KIND
from vision.smile.scorer import READ_VIEWS


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="scripts/fit_smile.py")
    parser.add_argument("--data", type=Path, default=None, help="evaluation data folder (default: EVAL_DATA)")
    parser.add_argument("--out", type=Path, default=MODEL_JSON)
    args = parser.parse_args(argv)
    data = args.data or eval_data_dir()
    if data is None or not (data / "smile" / "labels.csv").is_file():
        print("no smile data: set EVAL_DATA=<dir> or pass --data", file=sys.stderr)
        return 2
    crops = load_smile_set(data / "smile")
    scorer = SmileScorer()
    views = {variant: measure_set(crops, scorer, variant) for variant in TRAIN_VARIANTS}
    pixel_views = {variant: measure_pixel_set(crops, scorer, variant) for variant in PIXEL_VARIANTS}
    happy_views = {variant: measure_happy_set(crops, scorer, variant) for variant in PIXEL_VARIANTS}
    fallback_views = {variant: measure_fallback_set(crops, variant) for variant in TRAIN_VARIANTS}
    sides = variant_sides(crops, "colour")
    recipe = fit_recipe(
        views, fallback_views, crops.labels, pixel_views=pixel_views, sides=sides, happy_views=happy_views
    )
    fit = recipe.main
    landmarks_accuracy, landmarks_auc, _ = _cv_figures(cross_validated(views, crops.labels, sides=sides), crops.labels)
    print(f"10-fold CV, landmark reading alone: accuracy {landmarks_accuracy:.4f}, AUC {landmarks_auc:.4f}")
    held_out = cross_validated(views, crops.labels, sides=sides, pixel_views=pixel_views, happy_views=happy_views)
    cv_accuracy, cv_auc, count = _cv_figures(held_out, crops.labels)
    print(
        f"10-fold CV on crops with a face ({count}), stacked with the pixel and expression readings: "
        f"accuracy {cv_accuracy:.4f}, AUC {cv_auc:.4f}"
    )
    model = {
        "features": list(FEATURES),
        **_logistic_entry(fit),
        "info": {
            "recipe": "scripts/fit_smile.py: L2 logistic regression on standardised vision.smile measurements",
            "l2_per_sample": L2,
            "read_views": [list(view) for view in READ_VIEWS],
            "trained_on": f"GENKI-4K crops of ../shared/eval/smile, variants {list(TRAIN_VARIANTS)}",
            "rows": recipe.rows,
            "cv_accuracy_found": round(cv_accuracy, 4),
            "cv_auc_found": round(cv_auc, 4),
            "cv_accuracy_found_landmarks_alone": round(landmarks_accuracy, 4),
            "cv_auc_found_landmarks_alone": round(landmarks_auc, 4),
        },
        "small_faces": _small_entry(recipe),
        "pixels": _pixel_entry(recipe),
        "fallback": _fallback_entry(recipe, fallback_views, crops.labels),
    }
    args.out.write_text(json.dumps(model, indent=2) + "\n", encoding="utf-8")
    print(f"wrote {args.out}")
    return 0


def _logistic_entry(fit: LogisticFit | StandardisedLogistic) -> dict:
    """A stored logistic regression's standardisation, coefficients and intercept (vision/smile/logistic.py)."""
    return {
        "mean": fit.mean.round(6).tolist(),
        "scale": fit.scale.round(6).tolist(),
        "coef": fit.coef.round(6).tolist(),
        "intercept": round(fit.intercept, 6),
    }


def _cv_figures(held_out: np.ndarray, labels: np.ndarray) -> tuple[float, float, str]:
    """Accuracy and AUC of held-out P(smile) on the crops with a face, and how many those are."""
    found = ~np.isnan(held_out)
    accuracy = float(accuracy_score(labels[found], held_out[found] > 0.5))
    return accuracy, float(roc_auc_score(labels[found], held_out[found])), f"{found.sum()}/{len(found)}"


def _pixel_entry(recipe: RecipeFit) -> dict:
    fit, stack = recipe.pixels, recipe.stack
    if fit is None or stack is None:
        raise ValueError("the recipe was fitted without the pixel reading")
    return {
        "descriptor": DESCRIPTOR_KIND,
        **_logistic_entry(fit),
        "stack": [round(value, 6) for value in stack],
        "info": {
            "recipe": "scripts/fit_smile.py: L2 logistic regression on the standardised mouth patch of the first "
            "reading view (vision/smile/pixels.py); P = sigmoid(b0 + b1 logit P_landmarks + b2 logit P_pixels + "
            "b3 logit P_happy), P_happy the FER-2013 net's (vision/smile/expression.py, model fer_emotion), "
            f"stack = [b0, b1, b2, b3] fitted on held-out probabilities of an inner {STACK_FOLDS}-fold CV",
            "l2_per_sample": PIXEL_L2,
            "trained_on": f"variants {list(PIXEL_VARIANTS)}",
            "rows": recipe.pixel_rows,
        },
    }


def _small_entry(recipe: RecipeFit) -> dict:
    fit = recipe.small
    return {
        "features": list(fit.features),
        **_logistic_entry(fit),
        "face_px": list(SMALL_FACE_PX),
        "info": {
            "recipe": "scripts/fit_smile.py: L2 logistic regression on soft targets: the measurements of printed "
            f"copies {list(SMALL_VARIANTS)} taught the main model's probability for the same crop ({SMALL_TEACHER})",
            "l2_per_sample": SMALL_L2,
            "used_for": "faces whose detector box is at most face_px[0] px; blended linearly up to face_px[1]",
        },
    }


def _fallback_entry(recipe: RecipeFit, views: dict[str, np.ndarray], labels: np.ndarray) -> dict:
    fit = recipe.fallback
    held_out = fallback_cross_validated(views, labels)
    found = ~np.isnan(held_out)
    accuracy = float(accuracy_score(labels[found], held_out[found] > 0.5))
    auc = float(roc_auc_score(labels[found], held_out[found]))
    count = f"{found.sum()}/{len(found)}"
    print(f"fallback 10-fold CV on crops YuNet finds ({count}): accuracy {accuracy:.4f}, AUC {auc:.4f}")
    return {
        "kind": FALLBACK_KIND,
        **_logistic_entry(fit),
        "info": {
            "recipe": "scripts/fit_smile.py: L2 logistic regression on the standardised mouth HOG of dlib's chip",
            "l2_per_sample": FALLBACK_L2,
            "rows": recipe.rows,
            "cv_accuracy_yunet_found": round(accuracy, 4),
            "cv_auc_yunet_found": round(auc, 4),
        },
    }


if __name__ == "__main__":
    sys.exit(main())
