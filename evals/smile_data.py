"""Smile data and fitting shared by ``scripts/fit_smile.py`` and ``evals/eval_smile.py``.

The labelled crops are read from ``<eval data>/smile`` (never copied into the repo). Measurements of each crop are
cached under ``.cache/smile`` keyed by the measuring code, so refits and evals do not rerun the landmarker.
"""

from __future__ import annotations

import csv
import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from evals.common import REPO_ROOT
from vision import smile
from vision.smile import MEASUREMENTS, SmileScorer

CACHE_DIR = REPO_ROOT / ".cache" / "smile"
BASELINE_FEATURE = "bs.mouthSmile"

# The fitting recipe (scripts/fit_smile.py ships it; evals/eval_smile.py cross-validates exactly this).
FEATURES: tuple[str, ...] = (
    "bs.mouthSmile",
    "bs.mouthDimple",
    "bs.mouthStretch",
    "bs.jawOpen",
    "bs.mouthUpperUp",
    "bs.mouthPress",
    "geo.mouth_width",
    "geo.corner_lift",
    "geo.mouth_open",
)
L2 = 0.01
TRAIN_VARIANTS: tuple[str, ...] = ("colour",)


@dataclass(frozen=True)
class LabelledCrops:
    files: tuple[Path, ...]
    labels: np.ndarray  # 1 smiling, 0 not


def load_smile_set(smile_dir: Path) -> LabelledCrops:
    files, labels = [], []
    with (smile_dir / "labels.csv").open(newline="", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            files.append(smile_dir / row["file"])
            labels.append(int(row["smile"]))
    return LabelledCrops(tuple(files), np.array(labels, dtype=np.int64))


def read_rgb(path: Path) -> np.ndarray:
    bgr = cv2.imread(str(path), cv2.IMREAD_COLOR)
    if bgr is None:
        raise ValueError(f"cannot read {path}")
    return cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB)


def _grey(rgb: np.ndarray) -> np.ndarray:
    return cv2.cvtColor(cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY), cv2.COLOR_GRAY2RGB)


def _resized(factor: float) -> Callable[[np.ndarray], np.ndarray]:
    def apply(rgb: np.ndarray) -> np.ndarray:
        size = max(8, round(rgb.shape[1] * factor)), max(8, round(rgb.shape[0] * factor))
        return cv2.resize(rgb, size, interpolation=cv2.INTER_AREA if factor < 1 else cv2.INTER_CUBIC)

    return apply


def _tight(rgb: np.ndarray) -> np.ndarray:
    """The central 80 %: a tighter crop than the set's Haar boxes."""
    h, w = rgb.shape[:2]
    return rgb[round(h * 0.1) : round(h * 0.9), round(w * 0.1) : round(w * 0.9)]


# Robustness variants of the labelled crops (the hidden sets include greyscale tight crops and big web photos).
VARIANTS: dict[str, Callable[[np.ndarray], np.ndarray]] = {
    "colour": lambda rgb: rgb,
    "grey": _grey,
    "half": _resized(0.5),
    "x4": _resized(4.0),
    "grey_tight": lambda rgb: _grey(_tight(rgb)),
}


def _code_key(variant: str, mirror: bool) -> str:
    source = Path(smile.__file__).read_bytes()
    return hashlib.sha256(source + f"|{variant}|{mirror}".encode()).hexdigest()[:16]


def measure_set(
    crops: LabelledCrops, scorer: SmileScorer, variant: str = "colour", *, use_cache: bool = True
) -> np.ndarray:
    """(N, len(MEASUREMENTS)) measurements of every crop under `variant`; rows of NaN where no face was found."""
    cache = CACHE_DIR / f"{variant}-{_code_key(variant, scorer.mirror)}-{len(crops.files)}.npy"
    if use_cache and cache.is_file():
        return np.load(cache)
    transform = VARIANTS[variant]
    rows = np.full((len(crops.files), len(MEASUREMENTS)), np.nan)
    for index, path in enumerate(crops.files):
        measured = scorer.measure(transform(read_rgb(path)))
        if measured is not None:
            rows[index] = measured
    if use_cache:
        CACHE_DIR.mkdir(parents=True, exist_ok=True)
        np.save(cache, rows)
    return rows


@dataclass(frozen=True)
class LogisticFit:
    features: tuple[str, ...]
    mean: np.ndarray
    scale: np.ndarray
    coef: np.ndarray
    intercept: float

    def probability(self, measurements: np.ndarray) -> np.ndarray:
        x = (measurements[:, columns(self.features)] - self.mean) / self.scale
        return 1.0 / (1.0 + np.exp(-(x @ self.coef + self.intercept)))


def columns(features: tuple[str, ...]) -> np.ndarray:
    return np.array([MEASUREMENTS.index(name) for name in features])


def fit_logistic(measurements: np.ndarray, labels: np.ndarray, features: tuple[str, ...], l2: float) -> LogisticFit:
    """L2-penalised logistic regression on standardised features, by Newton's method (the intercept is not penalised).

    `l2` is the penalty per sample: the objective is mean log-loss + l2/2·|coef|².
    """
    x = measurements[:, columns(features)]
    mean, scale = x.mean(axis=0), x.std(axis=0)
    scale[scale < 1e-9] = 1.0
    design = np.hstack([np.ones((len(x), 1)), (x - mean) / scale])
    penalty = np.full(design.shape[1], l2 * len(x))
    penalty[0] = 0.0
    weights = np.zeros(design.shape[1])
    for _ in range(100):
        p = 1.0 / (1.0 + np.exp(-(design @ weights)))
        gradient = design.T @ (p - labels) + penalty * weights
        hessian = (design * (p * (1 - p))[:, None]).T @ design + np.diag(penalty) + 1e-9 * np.eye(len(weights))
        step = np.linalg.solve(hessian, gradient)
        weights -= step
        if np.abs(step).max() < 1e-8:
            break
    return LogisticFit(features, mean, scale, weights[1:], float(weights[0]))


def roc_auc(labels: np.ndarray, scores: np.ndarray) -> float:
    """Area under the ROC curve (Mann-Whitney, ties counted half)."""
    positive, negative = scores[labels == 1], scores[labels == 0]
    greater = (positive[:, None] > negative[None, :]).sum()
    ties = (positive[:, None] == negative[None, :]).sum()
    return float((greater + 0.5 * ties) / (len(positive) * len(negative)))


def fold_ids(count: int, folds: int, seed: int = 7) -> np.ndarray:
    return np.random.default_rng(seed).permutation(count) % folds


def cross_validated(
    measurements: list[np.ndarray], labels: np.ndarray, features: tuple[str, ...], l2: float, folds: int = 10
) -> np.ndarray:
    """Held-out P(smile) of each crop (from `measurements[0]`): fit on the other folds' rows of every array given.

    Extra arrays are augmented views of the same crops (e.g. greyscale): they join the training folds only, so a
    crop never helps to score itself. NaN rows (no face) are left out of fitting and give NaN.
    """
    ids = fold_ids(len(labels), folds)
    held_out = np.full(len(labels), np.nan)
    for fold in range(folds):
        train = ids != fold
        x = np.vstack([m[train] for m in measurements])
        y = np.concatenate([labels[train]] * len(measurements))
        usable = ~np.isnan(x).any(axis=1)
        fit = fit_logistic(x[usable], y[usable], features, l2)
        test = ~train
        held_out[test] = fit.probability(measurements[0][test])
    return held_out
