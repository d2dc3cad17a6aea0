"""The smile fitting and evaluation helpers: the fit learns, the AUC is right, CV never scores a crop with itself."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from evals import eval_smile
from evals.smile_data import cross_validated, fit_logistic, roc_auc
from vision.smile import MEASUREMENTS

FEATURE = "bs.mouthSmile"
OTHER = "geo.mouth_width"


def _rows(values: dict[str, np.ndarray], count: int) -> np.ndarray:
    rows = np.zeros((count, len(MEASUREMENTS)))
    for name, column in values.items():
        rows[:, MEASUREMENTS.index(name)] = column
    return rows


def test_roc_auc_known_values() -> None:
    labels = np.array([0, 0, 1, 1])
    assert roc_auc(labels, np.array([0.1, 0.2, 0.8, 0.9])) == 1.0
    assert roc_auc(labels, np.array([0.9, 0.8, 0.2, 0.1])) == 0.0
    assert roc_auc(labels, np.array([0.5, 0.5, 0.5, 0.5])) == 0.5
    assert roc_auc(labels, np.array([0.1, 0.6, 0.5, 0.9])) == 0.75


def test_fit_logistic_learns_the_informative_feature() -> None:
    rng = np.random.default_rng(1)
    labels = rng.integers(0, 2, 400)
    informative = labels * 0.6 + rng.normal(0, 0.15, 400).clip(-0.3, 0.3) + 0.3
    rows = _rows({FEATURE: informative, OTHER: rng.normal(1.0, 0.2, 400)}, 400)
    fit = fit_logistic(rows, labels, (FEATURE, OTHER), l2=0.01)
    assert fit.coef[0] > 1.0 > abs(fit.coef[1])
    assert roc_auc(labels, fit.probability(rows)) > 0.95


def test_cross_validation_cannot_memorise_crops() -> None:
    """Random labels on random features: a fit that sees a crop memorises it, held-out scores stay at chance."""
    rng = np.random.default_rng(2)
    count = 60
    labels = np.array([0, 1] * (count // 2))
    rows = rng.uniform(0.0, 1.0, (count, len(MEASUREMENTS)))
    every = tuple(MEASUREMENTS)
    in_sample = fit_logistic(rows, labels, every, l2=1e-4).probability(rows)
    held_out = cross_validated({"colour": rows}, labels, every, 1e-4, ("colour",))
    assert roc_auc(labels, in_sample) > 0.9
    assert abs(roc_auc(labels, held_out) - 0.5) < 0.2


def test_cross_validation_leaves_faceless_rows_unscored() -> None:
    labels = np.array([0, 1] * 20)
    rows = _rows({FEATURE: labels * 0.5 + 0.1}, 40)
    rows[3] = np.nan
    held_out = cross_validated({"colour": rows}, labels, (FEATURE,), 0.01, ("colour",), folds=4)
    assert np.isnan(held_out[3])
    assert not np.isnan(np.delete(held_out, 3)).any()


def test_eval_without_data_says_so(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    eval_smile.run(None)
    eval_smile.run(tmp_path)
    captured = capsys.readouterr()
    assert captured.err.count("SKIP smile") == 2
    assert "METRIC" not in captured.out
