"""Scratch harness of README "Framing" → "Seventh attempt": the logit stack of the landmark and pixel readings with
weights that depend on the face's size. Reads the arrays `evals.framing_pixels collect` caches.

    .venv/bin/python -m evals.framing_size [ROWS]                # the rows of the first table (~1 min CPU each)
    .venv/bin/python -m evals.framing_size zone 60-68 [56-72 ...]  # the plain stack, small-face model zone moved
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from dataclasses import dataclass

import cv2
import numpy as np
from sklearn.linear_model import LogisticRegression

from evals import smile_data
from evals.framing_pixels import (
    Pixels,
    Setup,
    _ece,
    _logit,
    _pixel_fit,
    _sigmoid,
    describe_all,
    framing_figures,
    inner_held_out,
    pairs_summary,
    setup,
)

PRINTS = ("print1", "print2", "print3", "print4")


@dataclass(frozen=True)
class Stack:
    """How the stack's weights depend on the face size: `kind` "plain" (b on the colour crops: shipped), "hard"
    (b and a size part on colour + printed copies, hard labels), "split_hard" / "split_soft" (a second stack c for
    small faces, fitted on the printed copies with hard labels / taught the plain stack's probability of the same
    crop whole; logits blended by the weight). `zone`: the weight is 1 up to zone[0] px, 0 from zone[1]."""

    kind: str = "plain"
    zone: tuple[float, float] = (48.0, 64.0)
    prints: tuple[str, ...] = PRINTS

    def weight(self, side: np.ndarray | float) -> np.ndarray:
        low, high = self.zone
        return np.clip((high - np.asarray(side, dtype=np.float64)) / (high - low), 0.0, 1.0)


@dataclass
class Fitted:
    plain: np.ndarray  # b0, b1, b2
    small: np.ndarray | None  # c0, c1, c2 (split kinds) or the size part (hard)
    stack: Stack

    def logit(self, p: np.ndarray, pp: np.ndarray, side: np.ndarray | float) -> np.ndarray:
        lp, lpp = _logit(np.asarray(p, float)), _logit(np.asarray(pp, float))
        base = self.plain[0] + self.plain[1] * lp + self.plain[2] * lpp
        if self.small is None:
            return base
        w = self.stack.weight(side)
        if self.stack.kind == "hard":
            return base + w * (self.small[0] + self.small[1] * lp + self.small[2] * lpp)
        small = self.small[0] + self.small[1] * lp + self.small[2] * lpp
        return (1 - w) * base + w * small

    def probability(self, p: np.ndarray, pp: np.ndarray, side: np.ndarray | float) -> np.ndarray:
        return _sigmoid(self.logit(p, pp, side))


def fit_stack(s: Setup, tables: dict[str, np.ndarray], train: np.ndarray, l2: float, stack: Stack) -> Fitted:
    variants = ("colour",) if stack.kind == "plain" else ("colour", *stack.prints)
    inner = inner_held_out(s, tables, train, l2, variants)
    colour = inner["colour"]
    usable = train[~np.isnan(colour[train]).any(axis=1)]
    plain_fit = LogisticRegression(C=1e6).fit(_logit(colour[usable]), s.labels[usable])
    plain = np.array([plain_fit.intercept_[0], *plain_fit.coef_[0]])
    if stack.kind == "plain":
        return Fitted(plain, None, stack)
    rows, sides, labels, targets = [], [], [], []
    for name in stack.prints:
        table = inner[name]
        ok = train[~np.isnan(table[train]).any(axis=1) & ~np.isnan(colour[train]).any(axis=1)]
        rows.append(table[ok])
        sides.append(s.genki[name]["side"][ok])
        labels.append(s.labels[ok])
        targets.append(Fitted(plain, None, stack).probability(colour[ok, 0], colour[ok, 1], 64.0))
    x, side, y, t = np.vstack(rows), np.concatenate(sides), np.concatenate(labels), np.concatenate(targets)
    if stack.kind == "hard":
        w = stack.weight(np.concatenate([np.full(len(usable), 64.0), side]))
        lx = np.vstack([_logit(colour[usable]), _logit(x)])
        features = np.column_stack([lx, w, w * lx[:, 0], w * lx[:, 1]])
        fit = LogisticRegression(C=1e6, max_iter=1000).fit(features, np.concatenate([s.labels[usable], y]))
        b = fit.coef_[0]
        return Fitted(np.array([fit.intercept_[0], b[0], b[1]]), np.array([b[2], b[3], b[4]]), stack)
    lx = _logit(x)
    if stack.kind == "shift":  # c = (b0 + delta, b1, b2): the plain stack moved by one offset for small faces
        z = plain[0] + plain[1] * lx[:, 0] + plain[2] * lx[:, 1]
        weights = stack.weight(side)

        def loss(delta: float) -> float:
            q = np.clip(_sigmoid(z + weights * delta), 1e-9, 1 - 1e-9)
            return float(-np.mean(t * np.log(q) + (1 - t) * np.log(1 - q)))

        delta = float(min(np.linspace(-3.0, 3.0, 601), key=loss))
        return Fitted(plain, np.array([plain[0] + delta, plain[1], plain[2]]), stack)
    if stack.kind == "split_hard":
        fit = LogisticRegression(C=1e6).fit(lx, y)
    else:  # split_soft: each row once as "smiling" weighted by its target, once as "not"
        count = len(lx)
        fit = LogisticRegression(C=1e6).fit(
            np.vstack([lx, lx]), np.r_[np.ones(count), np.zeros(count)], sample_weight=np.r_[t, 1 - t]
        )
    return Fitted(plain, np.array([fit.intercept_[0], *fit.coef_[0]]), stack)


def _blurred_all(items: dict[str, np.ndarray], pixels: Pixels, sigma: float) -> np.ndarray:
    """describe_all with the stored view blurred (Gaussian, `sigma` px of the 128-px view) first."""
    if sigma <= 0:
        return describe_all(items, pixels)
    blurred = dict(items)
    blurred["view"] = np.array([cv2.GaussianBlur(view, (0, 0), sigma) for view in items["view"]])
    return describe_all(blurred, pixels)


def evaluate(
    s: Setup, pixels: Pixels, l2: float, stack: Stack, sigma: float = 0.0
) -> tuple[dict[str, float], list[float]]:
    """The held-out figures of one candidate (as framing_pixels.evaluate; CV accuracy also on the printed and
    half-size copies) and the stack fitted on every crop."""
    tables = {name: _blurred_all(items, pixels, sigma) for name, items in s.genki.items()}
    pair_tables = {name: _blurred_all(items, pixels, sigma) for name, items in s.pairs.items()}
    pibooth_table = _blurred_all(s.pibooth, pixels, sigma)
    fold_pixels, stacks = [], []
    for train, _ in s.folds:
        fold_pixels.append(_pixel_fit(tables, s.labels, train, l2))
        stacks.append(fit_stack(s, tables, train, l2, stack))
    everything = np.arange(len(s.labels))
    whole_pixels = _pixel_fit(tables, s.labels, everything, l2)
    whole_stack = fit_stack(s, tables, everything, l2, stack)
    result: dict[str, float] = {}
    for name in ("colour", "print1", "print2", "half"):
        cv = np.full(len(s.labels), np.nan)
        for k, (_, test) in enumerate(s.folds):
            rows, table, sides = s.views[name], tables[name], s.genki[name]["side"]
            ok = test[~np.isnan(rows[test]).any(axis=1) & ~np.isnan(table[test]).any(axis=1)]
            p = np.array([s.recipes[k].cv_row(rows[i], float(sides[i])) for i in ok])
            cv[ok] = stacks[k].probability(p, fold_pixels[k].probability(table[ok]), sides[ok])
        found = ~np.isnan(cv)
        result[f"{name}_acc"] = float(np.mean((cv[found] >= 0.5) == s.labels[found]))
        if name == "colour":
            scores = 100 * cv[found]
            result["found"] = int(found.sum())
            result["ece"] = _ece(s.labels[found], scores)
            result["med0"] = float(np.median(scores[s.labels[found] == 0]))
            result["med1"] = float(np.median(scores[s.labels[found] == 1]))

    def score(items: dict[str, np.ndarray], table: np.ndarray | None, index: int, k: int | None) -> float:
        recipe = s.whole if k is None else s.recipes[k]
        p = recipe.read(items, index)
        if np.isnan(p) or table is None:
            return p
        fitted = whole_pixels if k is None else fold_pixels[k]
        fitted_stack = whole_stack if k is None else stacks[k]
        pp = float(fitted.probability(table[index : index + 1])[0])
        side = float(items["side"][index])
        return round(100 * float(fitted_stack.probability(np.array(p), np.array(pp), side)), 1)

    result |= framing_figures(s, score, pair_tables, pibooth_table)
    small = [] if whole_stack.small is None else whole_stack.small.tolist()
    return result, whole_stack.plain.tolist() + small


ROWS: tuple[tuple[str, Pixels, float, Stack] | tuple[str, Pixels, float, Stack, float], ...] = (
    ("shipped: plain stack", Pixels(), 0.3, Stack("plain")),
    ("hard: size part, colour + print1-4, zone 48-64", Pixels(), 0.3, Stack("hard")),
    ("split_hard: small stack on print1-4, zone 48-64", Pixels(), 0.3, Stack("split_hard")),
    ("split_soft: small stack taught the plain stack, zone 48-64", Pixels(), 0.3, Stack("split_soft")),
    ("hard, zone 56-72", Pixels(), 0.3, Stack("hard", (56.0, 72.0))),
    ("shift: one offset for small faces, zone 48-64", Pixels(), 0.3, Stack("shift")),
    ("shift, zone 56-72", Pixels(), 0.3, Stack("shift", (56.0, 72.0))),
    ("plain, raw 12x6", Pixels(size=(12, 6)), 0.3, Stack("plain")),
    ("plain, view blurred sigma 0.8 (of 128 px)", Pixels(), 0.3, Stack("plain"), 0.8),
    ("plain, view blurred sigma 1.5 (of 128 px)", Pixels(), 0.3, Stack("plain"), 1.5),
    ("plain, pixel L2 3.0", Pixels(), 3.0, Stack("plain")),
)


def zones(names: Sequence[str]) -> None:
    """The shipped recipe with the small-face model's zone (SMALL_FACE_PX) moved, refitted per fold."""
    for name in names:
        low, high = (float(value) for value in name.split("-"))
        smile_data.SMALL_FACE_PX = (low, high)
        r, _ = evaluate(setup(), Pixels(), 0.3, Stack("plain"))
        print(
            f"zone {low:.0f}-{high:.0f} acc {r['colour_acc']:.4f} p1 {r['print1_acc']:.3f} p2 {r['print2_acc']:.3f} "
            f"half {r['half_acc']:.3f} ECE {r['ece']:.3f} | pairs {r['pairs_p90']:.2f}; {r['pairs_strip_p90']:.2f} / "
            f"{r['pairs_collage_p90']:.2f} | pibooth {r['pibooth_p90']:.1f} / {r['pibooth_max']:.1f}",
            flush=True,
        )


def main(argv: list[str]) -> int:
    if argv[:1] == ["zone"]:
        zones(argv[1:])
        return 0
    s = setup()
    only = [int(value) for value in argv]
    for number, row in enumerate(ROWS):
        if only and number not in only:
            continue
        name = row[0]
        r, whole_stack = evaluate(s, *row[1:])
        pairs = pairs_summary(s, r, 2)
        print(
            f"{number:2d} {name:50s} acc {r['colour_acc']:.4f} ({r['found']}) p1 {r['print1_acc']:.3f} "
            f"p2 {r['print2_acc']:.3f} half {r['half_acc']:.3f} ECE {r['ece']:.3f} med {r['med0']:.0f}/{r['med1']:.0f}"
            f" | {pairs} | pibooth {r['pibooth_p90']:.1f} / {r['pibooth_max']:.1f} | b {np.round(whole_stack, 3)}",
            flush=True,
        )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
