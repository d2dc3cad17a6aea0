"""The labelled hand-gesture photos of ``<data>/poses`` and the fitting recipe of the hand-shape classifier.

scripts/fit_poses.py fits vision/poses/hand_shape_model.json with `fit_softmax`; evals/eval_poses.py measures the
shipped model and cross-validates exactly this recipe (`cross_validated`), folds split by source photo.
Landmarks are cached in .cache/poses (keyed by the code that finds them), since the models take ~0.1 s per photo.
"""

from __future__ import annotations

import csv
import hashlib
import inspect
import pickle
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from evals.common import REPO_ROOT
from vision.poses import landmarks, recognise
from vision.poses.hand_features import FEATURES, feature_vector, hand_features
from vision.poses.hand_shapes import CLASSIFIED, OTHER, ShapeModel, classify_features
from vision.poses.landmarks import HandLandmarks
from vision.poses.recognise import gesture_hand, read_hands

CACHE_DIR = REPO_ROOT / ".cache" / "poses"
CLASSES: tuple[str, ...] = (*CLASSIFIED, OTHER)
# Penalty per sample on the standardised weights (mean log-loss + L2/2·|W|²); chosen by 5-fold CV among
# 0.001 / 0.003 / 0.01 / 0.03 / 0.1.
L2 = 0.01
FOLDS = 5


@dataclass(frozen=True)
class PoseSet:
    files: tuple[Path, ...]
    labels: tuple[str, ...]
    sources: tuple[str, ...]  # the photo each file was taken from: folds never split one source


def load_pose_set(pose_dir: Path) -> PoseSet:
    files, labels, sources = [], [], []
    with (pose_dir / "labels.csv").open(newline="", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            files.append(pose_dir / row["file"])
            labels.append(row["pose"])
            sources.append(f"{row['source_repo']}/{row['source_path']}")
    return PoseSet(tuple(files), tuple(labels), tuple(sources))


def read_rgb(path: Path) -> np.ndarray:
    bgr = cv2.imread(str(path), cv2.IMREAD_COLOR)
    if bgr is None:
        raise ValueError(f"cannot read {path}")
    return cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB)


def _code_key() -> str:
    parts = [inspect.getsource(landmarks), inspect.getsource(recognise)]
    return hashlib.sha256("|".join(parts).encode()).hexdigest()[:16]


def measure_set(pose_set: PoseSet, *, use_cache: bool = True) -> list[list[HandLandmarks]]:
    """Every hand MediaPipe finds in each photo (the whole photo: one person, no face box)."""
    cache = CACHE_DIR / f"hands-{_code_key()}-{len(pose_set.files)}.pkl"
    if use_cache and cache.is_file():
        with cache.open("rb") as handle:
            return pickle.load(handle)
    measured = []
    for path in pose_set.files:
        measured.append(read_hands(read_rgb(path)))
    CACHE_DIR.mkdir(parents=True, exist_ok=True)
    with cache.open("wb") as handle:
        pickle.dump(measured, handle)
    return measured


def training_rows(pose_set: PoseSet, measured: list[list[HandLandmarks]]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Feature rows of the gesture hand of each photo with a hand, its class index, and the photo's index."""
    rows, targets, photos = [], [], []
    for index, (hands, label) in enumerate(zip(measured, pose_set.labels, strict=True)):
        chosen = gesture_hand(hands)
        if chosen is None:
            continue
        rows.append(feature_vector(chosen.points, chosen.side))
        targets.append(CLASSES.index(label))
        photos.append(index)
    return np.array(rows), np.array(targets), np.array(photos)


def fit_softmax(x: np.ndarray, targets: np.ndarray, l2: float = L2, iterations: int = 3000) -> ShapeModel:
    """Multinomial logistic regression on standardised features by full-batch gradient descent with momentum."""
    mean, scale = x.mean(axis=0), x.std(axis=0)
    scale[scale < 1e-9] = 1.0
    z = (x - mean) / scale
    onehot = np.eye(len(CLASSES))[targets]
    weights = np.zeros((len(CLASSES), z.shape[1]))
    bias = np.zeros(len(CLASSES))
    velocity_w, velocity_b = np.zeros_like(weights), np.zeros_like(bias)
    rate, momentum = 0.5, 0.9
    for _ in range(iterations):
        logits = z @ weights.T + bias
        logits -= logits.max(axis=1, keepdims=True)
        p = np.exp(logits)
        p /= p.sum(axis=1, keepdims=True)
        error = (p - onehot) / len(z)
        grad_w = error.T @ z + l2 * weights
        grad_b = error.sum(axis=0)
        velocity_w = momentum * velocity_w - rate * grad_w
        velocity_b = momentum * velocity_b - rate * grad_b
        weights += velocity_w
        bias += velocity_b
    return ShapeModel(CLASSES, FEATURES, mean, scale, weights, bias)


def fold_of_source(sources: tuple[str, ...], folds: int = FOLDS, seed: int = 11) -> np.ndarray:
    """A fold per photo such that every file of one source photo shares it."""
    unique = sorted(set(sources))
    order = np.random.default_rng(seed).permutation(len(unique))
    fold_by_source = {unique[i]: int(rank % folds) for rank, i in enumerate(order)}
    return np.array([fold_by_source[s] for s in sources])


def predict_photo(hands: list[HandLandmarks], model: ShapeModel) -> tuple[str, float]:
    """The photo's gesture: the surest named shape among its hands, "other" when none has one (or no hand)."""
    shapes = [classify_features(hand_features(hand.points, hand.side), model) for hand in hands]
    named = [shape for shape in shapes if shape.name != OTHER]
    if not named:
        return OTHER, max((shape.confidence for shape in shapes), default=0.0)
    best = max(named, key=lambda shape: shape.confidence)
    return best.name, best.confidence


def cross_validated(pose_set: PoseSet, measured: list[list[HandLandmarks]], l2: float = L2) -> list[str]:
    """Held-out prediction of every photo: the recipe refitted without the photo's fold."""
    x, targets, photos = training_rows(pose_set, measured)
    folds = fold_of_source(pose_set.sources)
    predictions = [OTHER] * len(pose_set.files)
    for fold in range(FOLDS):
        model = fit_softmax(x[folds[photos] != fold], targets[folds[photos] != fold], l2)
        for index in np.flatnonzero(folds == fold):
            predictions[index] = predict_photo(measured[index], model)[0]
    return predictions


def per_class_scores(labels: list[str] | tuple[str, ...], predictions: list[str]) -> dict[str, tuple[float, float]]:
    """(precision, recall) per class of CLASSES."""
    truth, guess = np.array(labels), np.array(predictions)
    scores = {}
    for name in CLASSES:
        hits = float(np.sum((truth == name) & (guess == name)))
        precision = hits / max(1, int(np.sum(guess == name)))
        recall = hits / max(1, int(np.sum(truth == name)))
        scores[name] = (precision, recall)
    return scores


def macro_f1(labels: list[str] | tuple[str, ...], predictions: list[str]) -> float:
    f1s = []
    for precision, recall in per_class_scores(labels, predictions).values():
        f1s.append(0.0 if precision + recall == 0 else 2 * precision * recall / (precision + recall))
    return float(np.mean(f1s))
