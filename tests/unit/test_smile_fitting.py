"""The smile fitting and evaluation helpers: the fit minimises the stated objective and learns, CV never scores a crop
with itself (nor with its own variants)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from sklearn.metrics import roc_auc_score

from evals import eval_smile, smile_data
from evals.smile_data import (
    FEATURES,
    PIXEL_VARIANTS,
    PRINT_FACE_PX,
    SMALL_FACE_PX,
    SMALL_TEACHER,
    SMALL_VARIANTS,
    TRAIN_VARIANTS,
    VARIANTS,
    cross_validated,
    fit_logistic,
    fit_recipe,
    fit_small_faces,
    fit_soft,
    fit_stack,
    fit_standardised,
)
from vision.smile import MEASUREMENTS
from vision.smile.pixels import DESCRIPTOR_LENGTH

FEATURE = "bs.mouthSmile"
OTHER = "geo.mouth_width"


def _rows(values: dict[str, np.ndarray], count: int) -> np.ndarray:
    rows = np.zeros((count, len(MEASUREMENTS)))
    for name, column in values.items():
        rows[:, MEASUREMENTS.index(name)] = column
    return rows


def test_fit_standardised_minimises_mean_log_loss_plus_per_sample_penalty() -> None:
    """At the fit, the gradient of mean log-loss + l2/2·|coef|² (intercept free) over standardised columns is zero:
    the penalty is per sample, as L2 and FALLBACK_L2 were chosen, not scikit-learn's C."""
    rng = np.random.default_rng(3)
    x = rng.normal([2.0, -1.0, 5.0], [0.5, 3.0, 1.0], (300, 3))
    labels = (x[:, 0] - 2.0 + rng.normal(0.0, 0.5, 300) > 0).astype(np.int64)
    l2 = 0.05
    fit = fit_standardised(x, labels, l2)
    np.testing.assert_allclose(fit.mean, x.mean(axis=0))
    np.testing.assert_allclose(fit.scale, x.std(axis=0))
    standardised = (x - fit.mean) / fit.scale
    residual = fit.probability(x) - labels
    np.testing.assert_allclose(standardised.T @ residual / len(x) + l2 * fit.coef, 0.0, atol=1e-8)
    assert abs(residual.mean()) < 1e-8
    assert fit.coef[0] > 0.5


def test_fit_logistic_learns_the_informative_feature() -> None:
    rng = np.random.default_rng(1)
    labels = rng.integers(0, 2, 400)
    informative = labels * 0.6 + rng.normal(0, 0.15, 400).clip(-0.3, 0.3) + 0.3
    rows = _rows({FEATURE: informative, OTHER: rng.normal(1.0, 0.2, 400)}, 400)
    fit = fit_logistic(rows, labels, (FEATURE, OTHER), l2=0.01)
    assert fit.coef[0] > 1.0 > abs(fit.coef[1])
    assert roc_auc_score(labels, fit.probability(rows)) > 0.95


def test_cross_validation_cannot_memorise_crops() -> None:
    """Random labels on random features: a fit that sees a crop memorises it, held-out scores stay at chance."""
    rng = np.random.default_rng(2)
    count = 60
    labels = np.array([0, 1] * (count // 2))
    rows = rng.uniform(0.0, 1.0, (count, len(MEASUREMENTS)))
    every = tuple(MEASUREMENTS)
    in_sample = fit_logistic(rows, labels, every, l2=1e-4).probability(rows)
    held_out = cross_validated({"colour": rows}, labels, every, 1e-4, ("colour",))
    assert roc_auc_score(labels, in_sample) > 0.9
    assert abs(roc_auc_score(labels, held_out) - 0.5) < 0.2


def test_cross_validation_keeps_a_crops_variants_out_of_its_training() -> None:
    """A second variant that is a near copy of each crop: if a crop's copy could train the fit that scores it,
    held-out scores would be memorised."""
    rng = np.random.default_rng(4)
    count = 60
    labels = np.array([0, 1] * (count // 2))
    rows = rng.uniform(0.0, 1.0, (count, len(MEASUREMENTS)))
    views = {"colour": rows, "copy": rows + rng.normal(0.0, 1e-3, rows.shape)}
    held_out = cross_validated(views, labels, tuple(MEASUREMENTS), 1e-4, ("colour", "copy"))
    assert abs(roc_auc_score(labels, held_out) - 0.5) < 0.2


def test_cross_validation_leaves_faceless_rows_unscored() -> None:
    labels = np.array([0, 1] * 20)
    rows = _rows({FEATURE: labels * 0.5 + 0.1}, 40)
    rows[3] = np.nan
    held_out = cross_validated({"colour": rows}, labels, (FEATURE,), 0.01, ("colour",), folds=4)
    assert np.isnan(held_out[3])
    assert not np.isnan(np.delete(held_out, 3)).any()


def test_printed_copies_are_print_sized_jpegs_drawn_per_crop_and_reproducible() -> None:
    rng = np.random.default_rng(6)
    crops = [rng.integers(0, 255, (64, 64, 3), dtype=np.uint8) for _ in range(6)]
    assert {"print1", "print2"} <= set(TRAIN_VARIANTS)
    sides = set()
    for name in ("print1", "print2"):
        for crop in crops:
            printed = VARIANTS[name](crop)
            assert np.array_equal(printed, VARIANTS[name](crop)), "seeded: a refit measures the same copies"
            assert PRINT_FACE_PX[0] - 1 <= printed.shape[0] <= PRINT_FACE_PX[1] + 1
            sides.add(printed.shape[0])
    assert len(sides) > 3, "the face size is drawn per crop and per copy"


def test_fit_recipe_model_scores_like_its_fit_and_only_sees_the_crops_given() -> None:
    rng = np.random.default_rng(8)
    count = 80
    labels = np.array([0, 1] * (count // 2))
    views = {
        name: _rows({name_: rng.normal(labels * 0.5, 0.2) for name_ in FEATURES}, count) for name in TRAIN_VARIANTS
    }
    fallback_views = {name: rng.normal(labels[:, None] * 0.5, 0.3, (count, 4)) for name in TRAIN_VARIANTS}
    everything = fit_recipe(views, fallback_views, labels)
    model = everything.model()
    rows = views["colour"]
    np.testing.assert_allclose(model.probability(rows), everything.main.probability(rows))
    assert model.fallback is not None
    np.testing.assert_allclose(
        model.fallback.probability(fallback_views["grey"]), everything.fallback.probability(fallback_views["grey"])
    )
    assert everything.rows == everything.fallback_rows == count * len(TRAIN_VARIANTS)
    half = fit_recipe(views, fallback_views, labels, np.arange(count // 2))
    assert half.rows == count // 2 * len(TRAIN_VARIANTS)
    assert not np.allclose(half.main.coef, everything.main.coef)


def test_fit_soft_minimises_cross_entropy_against_the_targets() -> None:
    """At the fit, the gradient of mean cross-entropy against soft targets + l2/2·|coef|² is zero."""
    rng = np.random.default_rng(4)
    x = rng.normal([1.0, -2.0], [2.0, 0.5], (200, 2))
    targets = 1.0 / (1.0 + np.exp(-(x[:, 0] - 1.0)))
    l2 = 0.01
    fit = fit_soft(x, targets, l2)
    standardised = (x - fit.mean) / fit.scale
    residual = fit.probability(x) - targets
    np.testing.assert_allclose(standardised.T @ residual / len(x) + l2 * fit.coef, 0.0, atol=1e-8)
    assert abs(residual.mean()) < 1e-8


def test_the_small_face_model_gives_a_print_what_the_main_model_gives_the_face_whole() -> None:
    """Printed copies read the smile lower and noisier than the crop as it is: taught the main model's verdict on
    the crop, the small-face model scores the copies far closer to it than the main model itself does."""
    rng = np.random.default_rng(9)
    count = 400
    labels = np.array([0, 1] * (count // 2))
    clean = labels * 1.0 + rng.normal(0.0, 0.3, count)
    views = {
        name: _rows({FEATURE: np.abs(clean), OTHER: rng.normal(1.0, 0.1, count)}, count) for name in TRAIN_VARIANTS
    }
    for name in SMALL_VARIANTS:
        printed = 0.6 * clean + rng.normal(0.0, 0.05, count)
        views[name] = _rows({FEATURE: np.abs(printed), OTHER: rng.normal(1.0, 0.1, count)}, count)
    crops = np.arange(count)
    main = fit_logistic(views[SMALL_TEACHER], labels, (FEATURE, OTHER), 0.01)
    small = fit_small_faces(views, main, crops, (FEATURE, OTHER))
    whole = main.probability(views[SMALL_TEACHER])
    printed_rows = views[SMALL_VARIANTS[0]]
    assert (
        np.abs(small.probability(printed_rows) - whole).mean()
        < 0.5 * np.abs(main.probability(printed_rows) - whole).mean()
    )


def test_the_recipe_model_reads_small_faces_with_the_small_face_model() -> None:
    rng = np.random.default_rng(10)
    count = 80
    labels = np.array([0, 1] * (count // 2))
    views = {
        name: _rows({name_: rng.normal(labels * 0.5, 0.2) for name_ in FEATURES}, count) for name in TRAIN_VARIANTS
    }
    fallback_views = {name: rng.normal(labels[:, None] * 0.5, 0.3, (count, 4)) for name in TRAIN_VARIANTS}
    recipe = fit_recipe(views, fallback_views, labels)
    model = recipe.model()
    assert model.small is not None and model.small.face_px == SMALL_FACE_PX
    rows = views["print1"]
    low, high = SMALL_FACE_PX
    np.testing.assert_allclose(model.probability(rows, low), recipe.small.probability(rows))
    np.testing.assert_allclose(model.probability(rows, high), recipe.main.probability(rows))
    np.testing.assert_allclose(model.probability(rows), recipe.main.probability(rows))
    middle = (recipe.small.probability(rows) + recipe.main.probability(rows)) / 2
    np.testing.assert_allclose(model.probability(rows, (low + high) / 2), middle)
    held_out = cross_validated(views, labels, sides=np.full(count, low), test_variant="print1")
    assert held_out.shape == (count,) and not np.isnan(held_out).any()


def _two_readings(seed: int, count: int, pixel_signal: float) -> tuple[np.ndarray, dict, dict, dict]:
    """Labels, landmark measurements whose smile blendshape is a noisy reading of the label, fallback tables, and
    pixel descriptors whose first column carries `pixel_signal` of the label with noise of its own (the same table
    in every pixel variant)."""
    rng = np.random.default_rng(seed)
    labels = np.array([0, 1] * (count // 2))
    blendshape = np.exp(labels * 1.0 + rng.normal(0.0, 0.7, count))  # positive: model inputs take its square root
    views = {
        name: _rows({FEATURE: blendshape, OTHER: rng.normal(1.0, 0.1, count)}, count)
        for name in (*TRAIN_VARIANTS, *VARIANTS)
    }
    descriptors = rng.normal(0.0, 1.0, (count, DESCRIPTOR_LENGTH))
    descriptors[:, 0] += pixel_signal * (labels - 0.5) * 2
    pixel_views = {name: descriptors for name in PIXEL_VARIANTS}
    fallback_views = {name: rng.normal(labels[:, None] * 0.5, 0.3, (count, 4)) for name in TRAIN_VARIANTS}
    return labels, views, pixel_views, fallback_views


def test_the_pixel_stack_adds_what_the_pixels_know_and_is_shipped_by_the_recipe() -> None:
    """Two readings with independent noise: the stacked held-out scores beat the landmark reading alone, and the
    recipe's model applies the stack it fitted."""
    count = 300
    labels, views, pixel_views, fallback_views = _two_readings(12, count, pixel_signal=1.0)
    sides = np.full(count, 64.0)
    alone = cross_validated(views, labels, sides=sides)
    both = cross_validated(views, labels, sides=sides, pixel_views=pixel_views)
    assert np.mean((both > 0.5) == labels) > np.mean((alone > 0.5) == labels) + 0.03
    assert roc_auc_score(labels, both) > roc_auc_score(labels, alone)
    recipe = fit_recipe(views, fallback_views, labels, pixel_views=pixel_views, sides=sides)
    assert recipe.pixels is not None and recipe.stack is not None
    b0, b1, b2, b3 = recipe.stack
    assert b1 > 0 and b2 > 0 and b3 == 0.0
    model = recipe.model()
    assert model.pixels is not None and model.pixels.stack == recipe.stack
    row, descriptor = views["colour"][0], pixel_views["colour"][0]
    landmarks = float(model.probability(row, 64.0))
    pixels = float(recipe.pixels.probability(descriptor[None])[0])
    expected = 1.0 / (
        1.0 + np.exp(-(b0 + b1 * np.log(landmarks / (1 - landmarks)) + b2 * np.log(pixels / (1 - pixels))))
    )
    np.testing.assert_allclose(model.with_pixels(landmarks, descriptor, None), expected)
    previous = fit_recipe(views, fallback_views, labels).model()
    assert previous.pixels is None and previous.with_pixels(landmarks, descriptor, 0.9) == landmarks


def test_the_expression_reading_joins_the_stack_when_it_knows_something() -> None:
    """A third reading with noise of its own (P(happy) of the label): the stack weighs it, the held-out scores beat
    the two-reading stack, and a P(happy) that carries nothing gets next to no weight."""
    count = 300
    labels, views, pixel_views, fallback_views = _two_readings(15, count, pixel_signal=0.6)
    rng = np.random.default_rng(16)
    telling = 1.0 / (1.0 + np.exp(-((labels - 0.5) * 3.0 + rng.normal(0.0, 1.0, count))))
    happy_views = {name: telling for name in PIXEL_VARIANTS}
    sides = np.full(count, 64.0)
    two = cross_validated(views, labels, sides=sides, pixel_views=pixel_views)
    three = cross_validated(views, labels, sides=sides, pixel_views=pixel_views, happy_views=happy_views)
    assert roc_auc_score(labels, three) > roc_auc_score(labels, two) + 0.01
    recipe = fit_recipe(views, fallback_views, labels, pixel_views=pixel_views, sides=sides, happy_views=happy_views)
    assert recipe.stack is not None and recipe.stack[3] > 0.3
    model = recipe.model()
    assert model.pixels is not None and model.pixels.stack == recipe.stack
    noise = {name: rng.uniform(0.05, 0.95, count) for name in PIXEL_VARIANTS}
    _b0, b1, _b2, b3 = fit_stack(views, pixel_views, labels, np.arange(count), sides, happy_views=noise)
    assert abs(b3) < 0.25 * b1


def test_the_stack_is_fitted_on_held_out_probabilities() -> None:
    """Pixels that carry nothing (128 noise columns a fit can memorise) get next to no weight: the stack sees the
    pixel model's probabilities of crops it was not fitted on."""
    count = 200
    labels, views, pixel_views, _ = _two_readings(13, count, pixel_signal=0.0)
    crops = np.arange(count)
    _b0, b1, b2, b3 = fit_stack(views, pixel_views, labels, crops, np.full(count, 64.0))
    assert b1 > 0.5 and abs(b2) < 0.25 * b1 and b3 == 0.0


def test_every_variant_of_an_evaluation_is_scored_by_the_same_fold_fits_made_once(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """eval_smile scores nine variants with the same ten fold fits: the stack (an inner CV of both readings) and
    each regression are fitted once per process and reused, with identical held-out scores; other data refits."""
    count = 120
    labels, views, pixel_views, _ = _two_readings(14, count, pixel_signal=1.0)
    sides = np.full(count, 64.0)
    monkeypatch.setattr(smile_data, "_FITS", {})
    made: list[str] = []
    inner_fit, fit_once = smile_data._landmark_model, smile_data._fit_standardised
    monkeypatch.setattr(smile_data, "_landmark_model", lambda *args: made.append("stack") or inner_fit(*args))
    monkeypatch.setattr(smile_data, "_fit_standardised", lambda *args: made.append("fit") or fit_once(*args))
    first = cross_validated(views, labels, sides=sides, pixel_views=pixel_views)
    stacks, fits = made.count("stack"), made.count("fit")
    assert stacks == 10 * smile_data.STACK_FOLDS and fits > stacks
    again = cross_validated(views, labels, sides=sides, pixel_views=pixel_views, test_variant="print1")
    assert again.shape == first.shape and not np.isnan(again).any()
    assert made.count("stack") == stacks and made.count("fit") == fits
    monkeypatch.setattr(smile_data, "_FITS", {})
    np.testing.assert_array_equal(cross_validated(views, labels, sides=sides, pixel_views=pixel_views), first)
    other = labels.copy()
    other[:2] = 1 - other[:2]
    cross_validated(views, other, sides=sides, pixel_views=pixel_views)
    assert made.count("stack") == 3 * stacks


def test_eval_without_data_says_so(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    eval_smile.run(None)
    eval_smile.run(tmp_path)
    captured = capsys.readouterr()
    assert captured.err.count("SKIP smile") == 2
    assert "METRIC" not in captured.out
