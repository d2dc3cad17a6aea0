"""Smile figures on ``<data>/smile`` (600 GENKI-4K 64×64 crops, 300 smiling / 300 not).

A score ≥ 50 counts as "smiling". A crop where the landmarker finds no face scores NO_FACE_SCORE (50, "cannot
tell") like at run time; about 5 % of this set are such crops (necks, ties, half faces: the set's Haar-cascade misses).

METRIC smile.accuracy / smile.auc          the shipped model (vision/smile/smile_model.json, FITTED ON THIS SET) through
                                           SmileScorer.read_face, as the bot reads a face (each crop is a face box;
                                           mirror views only when unsure)
METRIC smile.cv_accuracy / smile.cv_auc    10-fold CV of the same recipe (scripts/fit_smile.py; main model with the
                                           small-face model blended in by face size as the bot does, stacked with
                                           the pixel reading and the expression net's P(happy) (its inner-CV stack
                                           refitted in each fold too), and the
                                           fallback where the landmarker finds no face): refit on 9 folds,
                                           score the held-out fold: the honest generalisation figure on this set
                                           (from the cached measurements, mirror view always averaged)
METRIC smile.*_face_found                  the same on the crops where the landmarker found a face
METRIC smile.cv_accuracy_landmarks_alone / _auc   the same without the pixel reading (the fifth attempt's recipe)
METRIC smile.cv_accuracy_without_expression / _auc / smile.cv_calibration_error_without_expression   the same
                                           stacked with the pixel reading only (the sixth attempt's recipe)
METRIC smile.no_face_rate                  share of crops scored NO_FACE_SCORE (neither the landmarker nor the fallback
                                           found a face)
METRIC smile.landmarker_no_face_rate       share of crops the landmarker cannot read (before the fallback)
METRIC smile.fallback_rate                 share of crops scored by the fallback (vision/smile/fallback.py)
METRIC smile.fallback_cv_accuracy / _auc   10-fold CV of the fallback alone on every crop where YuNet finds a face
                                           (real faces it could be asked about; same folds)
METRIC smile.cv_calibration_error          held-out scores vs the share really smiling, per score decile (ECE, 0–1)
METRIC smile.cv_median_score_neutral / _smiling   median held-out score of each class (faces found)
METRIC smile.baseline_accuracy / _auc      one raw blendshape (mouthSmileLeft/Right averaged, mirror views averaged)
                                           at its natural threshold 0.5; _best_accuracy: at its best threshold in
                                           hindsight (an optimistic baseline)
METRIC smile.<variant>_cv_accuracy / _auc  CV scores of greyscale / half-size / 4× upscaled / greyscale central-80 %
                                           copies of the held-out crops (robustness to other sources)
METRIC smile.ms_per_face                   mean wall time of SmileScorer.read_face per 64×64 crop (the crop as it is,
                                           then its READ_VIEWS: 2–4 landmarker runs)
METRIC smile.cpu_ms_per_face               the same in CPU time of this process (all its threads): less distorted
                                           than wall time when other jobs share the cores
"""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np
from sklearn.metrics import accuracy_score, roc_auc_score

from evals.common import metric, skip
from evals.smile_data import (
    BASELINE_FEATURE,
    VARIANTS,
    combined_held_out,
    cross_validated,
    fallback_cross_validated,
    load_smile_set,
    measure_fallback_set,
    measure_happy_set,
    measure_pixel_set,
    measure_set,
    read_rgb,
    variant_sides,
)
from vision.smile import MEASUREMENTS, NO_FACE_SCORE, SmileScorer


def _accuracy(labels: np.ndarray, scores: np.ndarray, threshold: float) -> float:
    return float(accuracy_score(labels, (scores >= threshold).astype(labels.dtype)))


def _auc(labels: np.ndarray, scores: np.ndarray) -> float:
    return float(roc_auc_score(labels, scores))


def run(data: Path | None) -> None:
    smile_dir = data / "smile" if data else None
    if smile_dir is None or not (smile_dir / "labels.csv").is_file():
        skip("smile: no <eval data>/smile/labels.csv; smile figures skipped")
        return
    crops = load_smile_set(smile_dir)
    labels = crops.labels
    scorer = SmileScorer()
    views = {name: measure_set(crops, scorer, name) for name in VARIANTS}
    pixel_views = {name: measure_pixel_set(crops, scorer, name) for name in VARIANTS}
    happy_views = {name: measure_happy_set(crops, scorer, name) for name in VARIANTS}
    fallback_views = {name: measure_fallback_set(crops, name) for name in VARIANTS}
    colour = views["colour"]
    found = ~np.isnan(colour).any(axis=1)

    scores, sources, wall_ms, cpu_ms = _run_time_scores(scorer, crops.files)
    metric("smile.accuracy", _accuracy(labels, scores, 50.0))
    metric("smile.auc", _auc(labels, scores))
    metric("smile.no_face_rate", float(np.mean(sources == "none")))
    metric("smile.landmarker_no_face_rate", float(1.0 - found.mean()))
    metric("smile.fallback_rate", float(np.mean(sources == "fallback")))
    metric("smile.accuracy_face_found", _accuracy(labels[found], scores[found], 50.0))

    fallback_alone = fallback_cross_validated(fallback_views, labels)
    yunet_found = ~np.isnan(fallback_alone)
    metric("smile.fallback_cv_accuracy", _accuracy(labels[yunet_found], fallback_alone[yunet_found], 0.5))
    metric("smile.fallback_cv_auc", _auc(labels[yunet_found], fallback_alone[yunet_found]))

    colour_sides = variant_sides(crops, "colour")
    previous = _held_out_scores(views, fallback_views, labels, "colour", colour_sides)
    metric("smile.cv_accuracy_landmarks_alone", _accuracy(labels, previous, 50.0))
    metric("smile.cv_auc_landmarks_alone", _auc(labels, previous))
    metric("smile.cv_calibration_error_landmarks_alone", _calibration_error(labels[found], previous[found]))
    two = _held_out_scores(views, fallback_views, labels, "colour", colour_sides, pixel_views, colour_sides)
    metric("smile.cv_accuracy_without_expression", _accuracy(labels, two, 50.0))
    metric("smile.cv_auc_without_expression", _auc(labels, two))
    metric("smile.cv_calibration_error_without_expression", _calibration_error(labels[found], two[found]))
    held_out = _held_out_scores(
        views, fallback_views, labels, "colour", colour_sides, pixel_views, colour_sides, happy_views
    )
    metric("smile.cv_accuracy", _accuracy(labels, held_out, 50.0))
    metric("smile.cv_auc", _auc(labels, held_out))
    metric("smile.cv_accuracy_face_found", _accuracy(labels[found], held_out[found], 50.0))
    metric("smile.cv_calibration_error", _calibration_error(labels[found], held_out[found]))
    metric("smile.cv_median_score_neutral", float(np.median(held_out[found & (labels == 0)])))
    metric("smile.cv_median_score_smiling", float(np.median(held_out[found & (labels == 1)])))
    metric("smile.cv_auc_face_found", _auc(labels[found], held_out[found]))

    baseline = np.nan_to_num(colour[:, MEASUREMENTS.index(BASELINE_FEATURE)], nan=0.5)
    metric("smile.baseline_accuracy", _accuracy(labels, baseline, 0.5))
    metric("smile.baseline_best_accuracy", max(_accuracy(labels, baseline, t) for t in np.unique(baseline)))
    metric("smile.baseline_auc", _auc(labels, baseline))

    for name, measured in views.items():
        if name == "colour":
            continue
        sides = variant_sides(crops, name)
        variant_scores = _held_out_scores(
            views, fallback_views, labels, name, sides, pixel_views, colour_sides, happy_views
        )
        metric(f"smile.{name}_cv_accuracy", _accuracy(labels, variant_scores, 50.0))
        metric(f"smile.{name}_cv_auc", _auc(labels, variant_scores))
        neither = np.isnan(measured).any(axis=1) & np.isnan(fallback_views[name]).any(axis=1)
        metric(f"smile.{name}_no_face_rate", float(neither.mean()))
    metric("smile.ms_per_face", wall_ms)
    metric("smile.cpu_ms_per_face", cpu_ms)


def _run_time_scores(scorer: SmileScorer, files: tuple[Path, ...]) -> tuple[np.ndarray, np.ndarray, float, float]:
    """Scores and sources through SmileScorer.read_face, the path the bot runs; mean wall and CPU ms per crop."""
    crops = [read_rgb(path) for path in files]
    scorer.read_face(crops[0], max(crops[0].shape[:2]))  # warm-up
    started, started_cpu = time.perf_counter(), time.process_time()
    readings = [scorer.read_face(crop, max(crop.shape[:2])) for crop in crops]
    wall_ms = 1000.0 * (time.perf_counter() - started) / len(crops)
    cpu_ms = 1000.0 * (time.process_time() - started_cpu) / len(crops)
    scores = np.array([reading.score for reading in readings])
    return scores, np.array([reading.source for reading in readings]), wall_ms, cpu_ms


def _calibration_error(labels: np.ndarray, scores: np.ndarray, bins: int = 10) -> float:
    """Expected calibration error: |share labelled smiling - mean score/100| per score decile, weighted by count."""
    which = np.minimum((scores / 100.0 * bins).astype(int), bins - 1)
    error = 0.0
    for b in range(bins):
        members = which == b
        if members.any():
            error += members.mean() * abs(labels[members].mean() - scores[members].mean() / 100.0)
    return float(error)


def _held_out_scores(
    views: dict[str, np.ndarray],
    fallback_views: dict[str, np.ndarray],
    labels: np.ndarray,
    test_variant: str,
    sides: np.ndarray,
    pixel_views: dict[str, np.ndarray] | None = None,
    colour_sides: np.ndarray | None = None,
    happy_views: dict[str, np.ndarray] | None = None,
) -> np.ndarray:
    """Cross-validated scores 0–100 of `test_variant`'s crops, whose faces are `sides` px (main model blended with
    the small-face model by size, stacked with the pixel reading when `pixel_views` are given and the expression
    net's when `happy_views` are too, else fallback); NO_FACE_SCORE where neither found a face."""
    main = cross_validated(
        views,
        labels,
        test_variant=test_variant,
        sides=sides,
        pixel_views=pixel_views,
        colour_sides=colour_sides,
        happy_views=happy_views,
    )
    fallback = fallback_cross_validated(fallback_views, labels, test_variant=test_variant)
    held_out = 100.0 * combined_held_out(main, fallback)
    return np.where(np.isnan(held_out), NO_FACE_SCORE, held_out)
