"""Smile figures on ``<data>/smile`` (600 GENKI-4K 64×64 crops, 300 smiling / 300 not).

METRIC smile.accuracy            shipped model (vision/smile_model.json), score ≥ 50 = smiling; no face = score 0
METRIC smile.auc                 ROC-AUC of the shipped scores
METRIC smile.cv_accuracy         10-fold CV: refit the same recipe on 9 folds, score the held-out fold
METRIC smile.cv_auc              ROC-AUC of the held-out scores (the honest generalisation figure on this set)
METRIC smile.baseline_accuracy   one raw blendshape (mean of mouthSmileLeft/Right, mirror-averaged) ≥ 0.5
METRIC smile.baseline_best_accuracy   the same at its best threshold in hindsight (an optimistic baseline)
METRIC smile.baseline_auc        ROC-AUC of that blendshape
METRIC smile.no_face_rate        crops where the landmarker found no face (scored NO_FACE_SCORE)
METRIC smile.<variant>_accuracy / _auc   shipped model on greyscale / resized / tighter versions of the crops
METRIC smile.ms_per_face         mean wall time of SmileScorer.read per crop (mirror view included)
"""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np

from evals.common import metric, skip
from evals.smile_data import (
    BASELINE_FEATURE,
    FEATURES,
    L2,
    TRAIN_VARIANTS,
    VARIANTS,
    cross_validated,
    load_smile_set,
    measure_set,
    read_rgb,
    roc_auc,
)
from vision.smile import MEASUREMENTS, NO_FACE_SCORE, SmileModel, SmileScorer

TIMED_CROPS = 60


def _scores(model: SmileModel, measurements: np.ndarray) -> np.ndarray:
    """Shipped scores 0–100 for measurement rows, NO_FACE_SCORE where no face was found."""
    found = ~np.isnan(measurements).any(axis=1)
    scores = np.full(len(measurements), NO_FACE_SCORE)
    scores[found] = 100.0 * model.probability(measurements[found])
    return scores


def _accuracy(labels: np.ndarray, scores: np.ndarray, threshold: float) -> float:
    return float(((scores >= threshold) == (labels == 1)).mean())


def run(data: Path | None) -> None:
    smile_dir = data / "smile" if data else None
    if smile_dir is None or not (smile_dir / "labels.csv").is_file():
        skip("smile: no <eval data>/smile/labels.csv; smile figures skipped")
        return
    crops = load_smile_set(smile_dir)
    labels = crops.labels
    scorer = SmileScorer()
    model = scorer.model
    colour = measure_set(crops, scorer, "colour")
    scores = _scores(model, colour)
    metric("smile.accuracy", _accuracy(labels, scores, 50.0))
    metric("smile.auc", roc_auc(labels, scores))

    variant_views = {name: measure_set(crops, scorer, name) for name in TRAIN_VARIANTS}
    held_out = 100.0 * cross_validated(
        [variant_views.get("colour", colour), *[v for n, v in variant_views.items() if n != "colour"]],
        labels,
        FEATURES,
        L2,
    )
    held_out = np.where(np.isnan(held_out), NO_FACE_SCORE, held_out)
    metric("smile.cv_accuracy", _accuracy(labels, held_out, 50.0))
    metric("smile.cv_auc", roc_auc(labels, held_out))

    baseline = np.nan_to_num(colour[:, MEASUREMENTS.index(BASELINE_FEATURE)], nan=0.0)
    metric("smile.baseline_accuracy", _accuracy(labels, baseline, 0.5))
    metric("smile.baseline_best_accuracy", max(_accuracy(labels, baseline, t) for t in np.unique(baseline)))
    metric("smile.baseline_auc", roc_auc(labels, baseline))
    metric("smile.no_face_rate", float(np.isnan(colour).any(axis=1).mean()))

    for name in VARIANTS:
        if name == "colour":
            continue
        variant_scores = _scores(model, measure_set(crops, scorer, name))
        metric(f"smile.{name}_accuracy", _accuracy(labels, variant_scores, 50.0))
        metric(f"smile.{name}_auc", roc_auc(labels, variant_scores))

    timed = [read_rgb(path) for path in crops.files[:TIMED_CROPS]]
    scorer.read(timed[0])  # warm-up
    started = time.perf_counter()
    for crop in timed:
        scorer.read(crop)
    metric("smile.ms_per_face", 1000.0 * (time.perf_counter() - started) / len(timed))
