"""Scratch harness of README "Framing" → "Fifth attempt": a smile reading from the face's pixels (the mouth of the
48-px reading view, aligned by the landmarks the scorer already has) next to the eight landmark measurements. Not
shipped; kept so the figures can be re-measured.

    .venv/bin/python -m evals.framing_pixels collect         # landmarker passes, cached under .cache/framing5
    .venv/bin/python -m evals.framing_pixels collect pairs2  # the second, fresh set of held-out pairs
    .venv/bin/python -m evals.framing_pixels report [ROWS]   # the table of the fifth attempt (~2 min CPU)
    .venv/bin/python -m evals.framing_pixels cpu             # CPU ms of the pixel descriptor per face

What is collected, each item read as `SmileScorer.read_face` reads it (the READ_VIEWS' 48-px face, its first view that
the landmarker reads, and that view mirrored): the 28 MEASUREMENTS of both views, the view in lightness at 128 px and
the 478 landmarks of both views. Items: the 600 GENKI crops of `<data>/smile` under the fitting variants (colour,
grey, half, print1, print2) and two more printed copies (print3, print4); the 151 held-out synthetic pairs of
`evals/eval_framing.cross_validated_deltas` (the same shots and prints, faces found and kept as `analyse_rgb` finds
and keeps them) and, as `pairs2`, the same made of the next CV_PER_FOLD crops of each fold; pibooth's real pair.
Scoring a candidate is then arithmetic on these arrays, with the bot's rule for the mirror view (only when the first
view leaves the verdict open) and the small-face blend by face size; for the shipped recipe it reproduces
eval_framing's held-out figures exactly.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import cv2
import numpy as np
from sklearn.linear_model import LogisticRegression

from evals.common import REPO_ROOT, eval_data_dir
from evals.eval_framing import CV_PER_FOLD, FACES_PER_PRINT, LAYOUTS, Layout, print_of, shot_of
from evals.smile_data import (
    FEATURES,
    L2,
    TRAIN_VARIANTS,
    VARIANTS,
    StandardisedLogistic,
    as_model,
    crop_folds,
    fit_logistic,
    fit_small_faces,
    fit_standardised,
    load_smile_set,
    read_rgb,
)
from pipeline.analysis import UNREAD_MIN_DETECTION, _faces_by_frame
from vision.cuts import split_cuts
from vision.faces import detect_faces
from vision.faces.detect import Box
from vision.smile import MEASUREMENTS, SmileScorer
from vision.smile.fallback import hog
from vision.smile.pixels import CHIP, CHIP_EYE_Y, CHIP_IOD, MOUTH_COLS, MOUTH_ROWS, eye_aligned
from vision.smile.pixels import _chip as aligned_mouth_chip
from vision.smile.scorer import ATTEMPTS, SURE_ABOVE, SURE_BELOW, crop_face, measurements_of, reading_views
from vision.smile.views import VIEW_SIZE, prepare_view

CACHE = REPO_ROOT / ".cache" / "framing5"
STORED_VIEW = 128  # the 256-px view kept in lightness at this size (it holds a 48-px face: nothing is lost)
GENKI_VARIANTS = ("colour", "grey", "half", "print1", "print2", "print3", "print4")
NAN_POINTS = np.full((478, 2), np.nan, np.float32)


@dataclass
class Items:
    """Per item: measurements of the view and of its mirror (NaN rows: not found), the stored view, the landmarks of
    both (in STORED_VIEW px), the face size, whether the crop as it is was read (read_face's gate)."""

    meas: list[np.ndarray]
    meas_m: list[np.ndarray]
    view: list[np.ndarray]
    pts: list[np.ndarray]
    pts_m: list[np.ndarray]
    side: list[float]
    gate: list[bool]

    @classmethod
    def empty(cls) -> Items:
        return cls([], [], [], [], [], [], [])

    def arrays(self) -> dict[str, Any]:
        return {
            "meas": np.array(self.meas),
            "meas_m": np.array(self.meas_m),
            "view": np.array(self.view, np.uint8),
            "pts": np.array(self.pts, np.float32),
            "pts_m": np.array(self.pts_m, np.float32),
            "side": np.array(self.side),
            "gate": np.array(self.gate),
        }


def _landmarks(scorer: SmileScorer, view: np.ndarray) -> tuple[np.ndarray, np.ndarray] | None:
    """(measurements, landmarks in px) of the face nearest the view's centre, as SmileScorer._view_reading picks it."""
    import mediapipe as mp

    result = scorer._landmarker.detect(mp.Image(image_format=mp.ImageFormat.SRGB, data=view))
    if not result.face_landmarks:
        return None
    size = np.array(view.shape[1::-1], dtype=np.float64)
    faces = [np.array([(p.x, p.y) for p in marks]) * size for marks in result.face_landmarks]
    best = int(np.argmin([np.hypot(*(face.mean(axis=0) - size / 2)) for face in faces]))
    blendshapes = {c.category_name: float(c.score) for c in result.face_blendshapes[best]}
    return measurements_of(blendshapes, faces[best], view), faces[best]


def _first(scorer: SmileScorer, rgb: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray] | None:
    for margin, fill in ATTEMPTS:
        view = prepare_view(rgb, margin, VIEW_SIZE, fill)
        found = _landmarks(scorer, view)
        if found is not None:
            return view, *found
    return None


def add_item(items: Items, scorer: SmileScorer, crop: np.ndarray, side: float, *, gate: bool = True) -> None:
    """One face crop read as read_face reads it (gate: the crop as it is must be read first)."""
    gated = (_first(scorer, crop) is not None) if gate else True
    first = _first(scorer, reading_views(crop, side)[0]) if gated else None
    nan = np.full(len(MEASUREMENTS), np.nan)
    items.side.append(float(side))
    items.gate.append(gated)
    if first is None:
        items.meas.append(nan)
        items.meas_m.append(nan)
        items.view.append(np.zeros((STORED_VIEW, STORED_VIEW), np.uint8))
        items.pts.append(NAN_POINTS)
        items.pts_m.append(NAN_POINTS)
        return
    view, measured, points = first
    mirrored = _landmarks(scorer, np.ascontiguousarray(view[:, ::-1]))
    shrink = STORED_VIEW / VIEW_SIZE
    grey = cv2.cvtColor(view, cv2.COLOR_RGB2GRAY)
    items.view.append(cv2.resize(grey, (STORED_VIEW, STORED_VIEW), interpolation=cv2.INTER_AREA))
    items.meas.append(measured)
    items.pts.append((points * shrink).astype(np.float32))
    items.meas_m.append(nan if mirrored is None else mirrored[0])
    items.pts_m.append(NAN_POINTS if mirrored is None else (mirrored[1] * shrink).astype(np.float32))


def collect_genki(data: Path, scorer: SmileScorer, variants: Sequence[str] = ()) -> None:
    labelled = load_smile_set(data / "smile")
    for variant in variants or GENKI_VARIANTS:
        out = CACHE / f"genki-{variant}.npz"
        if out.is_file():
            continue
        transform = VARIANTS[variant]
        items = Items.empty()
        for path in labelled.files:
            image = transform(read_rgb(path))
            add_item(items, scorer, image, max(image.shape[:2]), gate=False)
        CACHE.mkdir(parents=True, exist_ok=True)
        np.savez_compressed(out, labels=labelled.labels, **items.arrays())
        print(f"collected {out.name}", flush=True)


def _kept_faces(rgb: np.ndarray, scorer: SmileScorer) -> list[tuple[Box, float]]:
    """(box, detector score) of the faces analyse_rgb places in a frame (before the kept-face filter)."""
    placed = _faces_by_frame(detect_faces(rgb), split_cuts(rgb).frames)
    return [(face.box, float(face.score)) for _, face in placed]


def _pick(items: Items, scorer: SmileScorer, rgb: np.ndarray, box: tuple[int, int, int, int]) -> int | None:
    """Index of the item holding the largest kept face whose centre lies in `box` (as eval_framing._score_in)."""
    bx, by, bw, bh = box
    candidates = []
    for face_box, score in _kept_faces(rgb, scorer):
        x, y, w, h = face_box
        if bx <= x + w / 2 < bx + bw and by <= y + h / 2 < by + bh:
            candidates.append((face_box, score))
    for face_box, score in sorted(candidates, key=lambda c: -c[0][2] * c[0][3]):
        crop = crop_face(rgb, face_box)
        if crop.size == 0:
            continue
        start = len(items.side)
        add_item(items, scorer, crop, max(face_box[2], face_box[3]))
        if items.gate[start] or score >= UNREAD_MIN_DETECTION:
            return start
    return None


def collect_pairs(data: Path, scorer: SmileScorer, second: bool = False) -> None:
    """The eval's held-out synthetic pairs (each fold's first CV_PER_FOLD crops) or, `second`, the next
    CV_PER_FOLD crops of each fold: fresh faces to check a choice made on the first set."""
    out = CACHE / ("pairs2.npz" if second else "pairs.npz")
    if out.is_file():
        return
    labelled = load_smile_set(data / "smile")
    items = Items.empty()
    whole_index: list[int] = []
    print_index: list[int] = []
    crop_index: list[int] = []
    layout_index: list[int] = []
    for _train, test in crop_folds(labelled.labels, 10).split():
        chosen = test[CV_PER_FOLD : 2 * CV_PER_FOLD] if second else test[:CV_PER_FOLD]
        for number, layout in enumerate(LAYOUTS):
            _pairs_of(
                items,
                scorer,
                labelled,
                chosen[number :: len(LAYOUTS)],
                layout,
                number,
                whole_index,
                print_index,
                crop_index,
                layout_index,
            )
    CACHE.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(
        out,
        whole=np.array(whole_index),
        printed=np.array(print_index),
        crop=np.array(crop_index),
        layout=np.array(layout_index),
        **items.arrays(),
    )
    print(f"collected {out.name}: {len(whole_index)} pairs", flush=True)


def _pairs_of(
    items: Items,
    scorer: SmileScorer,
    labelled,
    chosen: Sequence[int],
    layout: Layout,
    number: int,
    whole_index: list[int],
    print_index: list[int],
    crop_index: list[int],
    layout_index: list[int],
) -> None:
    crops = [read_rgb(labelled.files[index]) for index in chosen]
    for start in range(0, len(crops) - FACES_PER_PRINT + 1, FACES_PER_PRINT):
        group = crops[start : start + FACES_PER_PRINT]
        shots = [shot_of(crop, w, h) for crop, (_, _, w, h) in zip(group, layout.cuts, strict=True)]
        paper = print_of(layout, shots)
        for offset, (shot, box) in enumerate(zip(shots, layout.cuts, strict=True)):
            alone = _pick(items, scorer, shot, (0, 0, shot.shape[1], shot.shape[0]))
            if alone is None:
                continue
            framed = _pick(items, scorer, paper, box)
            if framed is None:
                continue
            whole_index.append(alone)
            print_index.append(framed)
            crop_index.append(int(chosen[start + offset]))
            layout_index.append(number)


def collect_pibooth(data: Path, scorer: SmileScorer) -> None:
    out = CACHE / "pibooth.npz"
    if out.is_file():
        return
    images = data / "photobooth" / "images"
    collage = read_rgb(images / "pibooth_collage_landscape.jpg")
    frames = split_cuts(collage).frames
    printed = detect_faces(collage)
    items = Items.empty()
    whole_index: list[int] = []
    print_index: list[int] = []
    for index in range(4):
        frame = frames[index]
        capture = read_rgb(images / f"pibooth_capture_landscape{index}.jpg")
        fx, fy, fw, fh = frame.box
        sx, sy = fw / capture.shape[1], fh / capture.shape[0]
        for face in detect_faces(capture):
            x, y, w, h = face.box
            cx, cy = fx + (x + w / 2) * sx, fy + (y + h / 2) * sy
            near = min(printed, key=lambda f: np.hypot(f.box[0] + f.box[2] / 2 - cx, f.box[1] + f.box[3] / 2 - cy))
            if np.hypot(near.box[0] + near.box[2] / 2 - cx, near.box[1] + near.box[3] / 2 - cy) >= near.box[2]:
                continue
            whole_index.append(len(items.side))
            add_item(items, scorer, crop_face(capture, face.box), max(face.box[2], face.box[3]))
            print_index.append(len(items.side))
            add_item(items, scorer, crop_face(collage, near.box), max(near.box[2], near.box[3]))
    CACHE.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(out, whole=np.array(whole_index), printed=np.array(print_index), **items.arrays())
    print(f"collected {out.name}: {len(whole_index)} pairs", flush=True)


# ----------------------------------------------------------------------------------------------------------------
# The pixel reading: the face's 48-px reading view (kept at STORED_VIEW px) warped by its landmarks into a small chip,
# the mouth region of it as a descriptor, an L2 logistic regression over that, fitted on the GENKI variants.

# The chip and the mouth region are vision/smile/pixels.py's (the shipped "eyes_mouth" alignment is its `_chip`).


@dataclass(frozen=True)
class Pixels:
    """A pixel descriptor: `align` "eyes" (similarity by the two eye centres) or "eyes_mouth" (affine by the eye
    centres and the mouth corners' midpoint); `kind` "raw" (the mouth region at `size`, zero mean and unit
    variance), "lbp" (uniform LBP histograms, 2 × 4 cells) or "hog" (4-px cells); the chip and its mirror image
    averaged."""

    align: str = "eyes_mouth"
    kind: str = "raw"
    size: tuple[int, int] = (16, 8)


def _chip(view: np.ndarray, points: np.ndarray, align: str) -> np.ndarray:
    if align != "eyes":
        return aligned_mouth_chip(view, points)
    to_right = np.array([CHIP / 2 - CHIP_IOD / 2, CHIP_EYE_Y])
    to_left = np.array([CHIP / 2 + CHIP_IOD / 2, CHIP_EYE_Y])
    return eye_aligned(view, points, CHIP, to_right, to_left)


def _lbp_histograms(grey: np.ndarray, grid: tuple[int, int] = (2, 4)) -> np.ndarray:
    centre = grey[1:-1, 1:-1].astype(np.int16)
    code = np.zeros(centre.shape, np.int32)
    offsets = ((-1, -1), (-1, 0), (-1, 1), (0, 1), (1, 1), (1, 0), (1, -1), (0, -1))
    for bit, (dy, dx) in enumerate(offsets):
        neighbour = grey[1 + dy : grey.shape[0] - 1 + dy, 1 + dx : grey.shape[1] - 1 + dx].astype(np.int16)
        code |= (neighbour >= centre).astype(np.int32) << bit
    bits = (np.arange(256)[:, None] >> np.arange(8)) & 1
    uniform = (bits != np.roll(bits, 1, axis=1)).sum(axis=1) <= 2
    labels = np.full(256, 58)
    labels[uniform] = np.arange(uniform.sum())
    codes = labels[code]
    height, width = codes.shape
    cells = []
    for row in range(grid[0]):
        for col in range(grid[1]):
            cell = codes[
                row * height // grid[0] : (row + 1) * height // grid[0],
                col * width // grid[1] : (col + 1) * width // grid[1],
            ]
            counts = np.bincount(cell.ravel(), minlength=59).astype(np.float64)
            cells.append(counts / max(counts.sum(), 1.0))
    return np.concatenate(cells)


def describe(view: np.ndarray, points: np.ndarray, pixels: Pixels) -> np.ndarray | None:
    if np.isnan(points).any():
        return None
    chip = _chip(view, points, pixels.align).astype(np.float64)
    rows = []
    for image in (chip, chip[:, ::-1]):
        mouth = image[MOUTH_ROWS[0] : MOUTH_ROWS[1], MOUTH_COLS[0] : MOUTH_COLS[1]]
        if pixels.kind == "raw":
            small = cv2.resize(mouth, pixels.size, interpolation=cv2.INTER_AREA)
            rows.append(((small - small.mean()) / (small.std() + 1e-6)).ravel())
        elif pixels.kind == "lbp":
            rows.append(_lbp_histograms(np.clip(mouth, 0, 255).astype(np.uint8)))
        else:
            rows.append(hog(mouth, cell=4))
    return np.mean(rows, axis=0)


def describe_all(items: dict[str, np.ndarray], pixels: Pixels) -> np.ndarray:
    rows = [describe(view, points, pixels) for view, points in zip(items["view"], items["pts"], strict=True)]
    width = next(len(row) for row in rows if row is not None)
    return np.vstack([np.full(width, np.nan) if row is None else row for row in rows])


def _averaged(items: dict[str, np.ndarray]) -> np.ndarray:
    """measure_face's rows (mirror view always averaged), as evals/smile_data.measure_set caches them."""
    first, mirrored = items["meas"], items["meas_m"]
    return np.where(np.isnan(mirrored).any(axis=1, keepdims=True), first, (first + mirrored) / 2)


def _logit(p: np.ndarray) -> np.ndarray:
    clipped = np.clip(p, 1e-6, 1 - 1e-6)
    return np.log(clipped / (1 - clipped))


def _sigmoid(z: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-z))


class Recipe:
    """The shipped recipe refitted on some crops (main + small-face model), read with read_face's rule."""

    def __init__(self, views: dict[str, np.ndarray], labels: np.ndarray, train: np.ndarray) -> None:
        x = np.vstack([views[name][train] for name in TRAIN_VARIANTS])
        y = np.concatenate([labels[train]] * len(TRAIN_VARIANTS))
        usable = ~np.isnan(x).any(axis=1)
        main = fit_logistic(x[usable], y[usable], FEATURES, L2)
        self.model = as_model(main, fit_small_faces(views, main, train))

    def cv_row(self, row: np.ndarray, side: float) -> float:
        return float(self.model.probability(row, side))

    def read(self, items: dict[str, np.ndarray], index: int) -> float:
        """P as read_face gives it: the first view; the mirror averaged in only when unsure."""
        if np.isnan(items["meas"][index]).any():
            return float("nan")
        side = float(items["side"][index])
        probability = float(self.model.probability(items["meas"][index], side))
        if SURE_BELOW < probability < SURE_ABOVE:
            averaged = _averaged({key: items[key][index : index + 1] for key in ("meas", "meas_m")})[0]
            probability = float(self.model.probability(averaged, side))
        return probability


def _pixel_fit(tables: dict[str, np.ndarray], labels: np.ndarray, train: np.ndarray, l2: float) -> StandardisedLogistic:
    x = np.vstack([tables[name][train] for name in GENKI_VARIANTS])
    y = np.concatenate([labels[train]] * len(GENKI_VARIANTS))
    usable = ~np.isnan(x).any(axis=1)
    return fit_standardised(x[usable], y[usable], l2)


def _ece(labels: np.ndarray, scores: np.ndarray, bins: int = 10) -> float:
    which = np.minimum((scores / 100.0 * bins).astype(int), bins - 1)
    return float(
        sum(
            (which == b).mean() * abs(labels[which == b].mean() - scores[which == b].mean() / 100.0)
            for b in range(bins)
            if (which == b).any()
        )
    )


@dataclass
class Setup:
    labels: np.ndarray
    views: dict[str, np.ndarray]  # averaged measurements per GENKI variant
    genki: dict[str, dict[str, np.ndarray]]
    pairs: dict[str, dict[str, np.ndarray]]  # "pairs" (the eval's) and "pairs2" (fresh faces) when collected
    pibooth: dict[str, np.ndarray]
    folds: list[tuple[np.ndarray, np.ndarray]]
    recipes: list[Recipe]
    whole: Recipe
    base_cv: np.ndarray


def _load(name: str) -> dict[str, np.ndarray]:
    return dict(np.load(CACHE / f"{name}.npz"))


def setup() -> Setup:
    genki = {name: _load(f"genki-{name}") for name in GENKI_VARIANTS}
    labels = genki["colour"]["labels"]
    views = {name: _averaged(items) for name, items in genki.items()}
    folds = list(crop_folds(labels, 10).split())
    recipes = [Recipe(views, labels, train) for train, _ in folds]
    base_cv = np.full(len(labels), np.nan)
    for (_, test), recipe in zip(folds, recipes, strict=True):
        for index in test:
            if not np.isnan(views["colour"][index]).any():
                base_cv[index] = recipe.cv_row(views["colour"][index], float(genki["colour"]["side"][index]))
    pairs = {name: _load(name) for name in ("pairs", "pairs2") if (CACHE / f"{name}.npz").is_file()}
    whole = Recipe(views, labels, np.arange(len(labels)))
    return Setup(labels, views, genki, pairs, _load("pibooth"), folds, recipes, whole, base_cv)


# How the two readings are combined: ("none",) the shipped score; ("pixels",) the pixel reading alone; ("blend", a)
# (1 - a)·P + a·P_pixels; ("stack",) sigmoid(b0 + b1·logit P + b2·logit P_pixels), b fitted by an inner 5-fold CV
# inside each outer training fold (on held-out predictions of both, so the weights are not fitted on the crops scored).
Combine = tuple


def inner_folds(train: np.ndarray) -> list[tuple[np.ndarray, np.ndarray]]:
    """(fit on, score) of the inner 5-fold split of `train` that every harness stack is fitted by."""
    order = np.random.default_rng(11).permutation(len(train)) % 5
    return [(train[order != fold], train[order == fold]) for fold in range(5)]


def inner_held_out(
    s: Setup, tables: dict[str, np.ndarray], train: np.ndarray, l2: float, variants: Sequence[str] = ("colour",)
) -> dict[str, np.ndarray]:
    """Inner 5-fold held-out (P, P_pixels) of `train`'s crops under each of `variants` (NaN where unread)."""
    out = {name: np.full((len(s.labels), 2), np.nan) for name in variants}
    for fit_on, score_on in inner_folds(train):
        recipe = Recipe(s.views, s.labels, fit_on)
        pixel = _pixel_fit(tables, s.labels, fit_on, l2)
        for name in variants:
            rows, table, sides = s.views[name], tables[name], s.genki[name]["side"]
            read = score_on[~np.isnan(rows[score_on]).any(axis=1) & ~np.isnan(table[score_on]).any(axis=1)]
            if len(read):
                out[name][read, 0] = [recipe.cv_row(rows[i], float(sides[i])) for i in read]
                out[name][read, 1] = pixel.probability(table[read])
    return out


def _inner_stack(s: Setup, tables: dict[str, np.ndarray], train: np.ndarray, l2: float) -> tuple[float, float, float]:
    inner = inner_held_out(s, tables, train, l2)["colour"]
    usable = train[~np.isnan(inner[train]).any(axis=1)]
    stack = LogisticRegression(C=1e6).fit(_logit(inner[usable]), s.labels[usable])
    return float(stack.intercept_[0]), float(stack.coef_[0][0]), float(stack.coef_[0][1])


def evaluate(s: Setup, pixels: Pixels | None, l2: float, combine: Combine) -> dict[str, float]:
    """Held-out accuracy (10-fold, clean crops the landmarker reads), ECE and medians, and the framing deltas of every
    collected pair set (each face scored by the fold that held it out) and pibooth's pair (models fitted on all)."""
    tables = {name: describe_all(items, pixels) for name, items in s.genki.items()} if pixels else {}
    pair_tables = {name: describe_all(items, pixels) for name, items in s.pairs.items()} if pixels else {}
    pibooth_table = describe_all(s.pibooth, pixels) if pixels else None
    fold_pixels, stacks = [], []
    for train, _ in s.folds:
        fold_pixels.append(_pixel_fit(tables, s.labels, train, l2) if pixels else None)
        stacks.append(_inner_stack(s, tables, train, l2) if combine[0] == "stack" else (0.0, 1.0, 0.0))
    everything = np.arange(len(s.labels))
    whole_pixels = _pixel_fit(tables, s.labels, everything, l2) if pixels else None
    whole_stack = _inner_stack(s, tables, everything, l2) if combine[0] == "stack" else (0.0, 1.0, 0.0)

    def combined(p: float, pp: float, stack: tuple[float, float, float]) -> float:
        if combine[0] == "none":
            return p
        if combine[0] == "pixels":
            return pp
        if combine[0] == "blend":
            return (1 - combine[1]) * p + combine[1] * pp
        return float(_sigmoid(stack[0] + stack[1] * _logit(np.array(p)) + stack[2] * _logit(np.array(pp))))

    cv = np.full(len(s.labels), np.nan)
    for k, (_, test) in enumerate(s.folds):
        for index in test:
            if np.isnan(s.base_cv[index]) or (pixels and np.isnan(tables["colour"][index]).any()):
                continue
            fold_fit = fold_pixels[k]
            pp = float(fold_fit.probability(tables["colour"][index : index + 1])[0]) if fold_fit else 0.5
            cv[index] = combined(s.base_cv[index], pp, stacks[k])
    found = ~np.isnan(cv)
    scores = 100 * cv[found]
    result = {
        "cv_acc_found": float(np.mean((scores >= 50) == s.labels[found])),
        "found": int(found.sum()),
        "ece": _ece(s.labels[found], scores),
        "median_neutral": float(np.median(scores[s.labels[found] == 0])),
        "median_smiling": float(np.median(scores[s.labels[found] == 1])),
    }

    def score(items: dict[str, np.ndarray], table: np.ndarray | None, index: int, k: int | None) -> float:
        recipe = s.whole if k is None else s.recipes[k]
        p = recipe.read(items, index)
        if np.isnan(p):
            return p
        fitted = whole_pixels if k is None else fold_pixels[k]
        pp = float(fitted.probability(table[index : index + 1])[0]) if fitted is not None and table is not None else 0.5
        return round(100 * combined(p, pp, whole_stack if k is None else stacks[k]), 1)

    return result | framing_figures(s, score, pair_tables, pibooth_table)


# A face's score 0-100 in a harness: (items, their descriptor table, item index, fold that held the face out or None
# for the model fitted on every crop).
Scorer = Callable[[dict[str, np.ndarray], np.ndarray | None, int, int | None], float]


def framing_figures(
    s: Setup, score: Scorer, pair_tables: dict[str, np.ndarray], pibooth_table: np.ndarray | None
) -> dict[str, float]:
    """The framing deltas of every collected pair set (each face scored by the fold that held it out: p90 pooled and
    per layout) and of pibooth's pair (scored by the models fitted on every crop)."""
    result: dict[str, float] = {}
    fold_of = np.zeros(len(s.labels), int)
    for k, (_, test) in enumerate(s.folds):
        fold_of[test] = k
    every: list[float] = []
    for name, items in s.pairs.items():
        per_layout: dict[int, list[float]] = {0: [], 1: []}
        for whole, printed, crop, layout in zip(
            items["whole"], items["printed"], items["crop"], items["layout"], strict=True
        ):
            k = int(fold_of[crop])
            delta = abs(
                score(items, pair_tables.get(name), int(whole), k)
                - score(items, pair_tables.get(name), int(printed), k)
            )
            if not np.isnan(delta):
                per_layout[int(layout)].append(delta)
        pooled = per_layout[0] + per_layout[1]
        every += pooled
        result[f"{name}_p90"] = float(np.percentile(pooled, 90))
        result[f"{name}_strip_p90"] = float(np.percentile(per_layout[0], 90))
        result[f"{name}_collage_p90"] = float(np.percentile(per_layout[1], 90))
        result[f"{name}_n"] = len(pooled)
    result["all_p90"] = float(np.percentile(every, 90)) if every else float("nan")
    result["all_n"] = len(every)
    real = [
        abs(score(s.pibooth, pibooth_table, int(w), None) - score(s.pibooth, pibooth_table, int(p), None))
        for w, p in zip(s.pibooth["whole"], s.pibooth["printed"], strict=True)
    ]
    result["pibooth_p90"] = float(np.percentile(real, 90))
    result["pibooth_max"] = float(max(real))
    return result


# The rows of README "Framing — fifth attempt".
ROWS: tuple[tuple[str, Pixels | None, float, Combine], ...] = (
    ("shipped recipe (landmark measurements only)", None, 0.0, ("none",)),
    ("pixels alone: raw mouth 16x8, eyes-aligned", Pixels("eyes", "raw"), 0.1, ("pixels",)),
    ("pixels alone: LBP of the mouth, eyes-aligned", Pixels("eyes", "lbp"), 0.1, ("pixels",)),
    ("pixels alone: HOG of the mouth, eyes-aligned", Pixels("eyes", "hog"), 0.1, ("pixels",)),
    ("pixels alone: raw mouth 16x8, eyes+mouth-aligned", Pixels("eyes_mouth", "raw"), 0.1, ("pixels",)),
    ("pixels alone: LBP, eyes+mouth-aligned", Pixels("eyes_mouth", "lbp"), 0.1, ("pixels",)),
    ("blend 0.3 with raw 16x8 eyes-aligned", Pixels("eyes", "raw"), 0.1, ("blend", 0.3)),
    ("blend 0.35 with raw 16x8 eyes+mouth, L2 0.3", Pixels("eyes_mouth", "raw"), 0.3, ("blend", 0.35)),
    ("blend 0.5 with raw 16x8 eyes+mouth, L2 0.3", Pixels("eyes_mouth", "raw"), 0.3, ("blend", 0.5)),
    ("logit stack with raw 16x8 eyes+mouth, L2 0.3", Pixels("eyes_mouth", "raw"), 0.3, ("stack",)),
    ("logit stack with raw 16x8 eyes+mouth, L2 1.0", Pixels("eyes_mouth", "raw"), 1.0, ("stack",)),
    ("logit stack with raw 24x12 eyes+mouth, L2 0.3", Pixels("eyes_mouth", "raw", (24, 12)), 0.3, ("stack",)),
    ("logit stack with LBP eyes+mouth, L2 0.1", Pixels("eyes_mouth", "lbp"), 0.1, ("stack",)),
)


def cpu_ms_per_face(count: int = 300) -> float:
    """CPU ms of the pixel descriptor of one face from its 256-px reading view and landmarks (what the bot would add:
    the landmarks are already there), the view shrunk to STORED_VIEW first as the harness does."""
    items = _load("genki-colour")
    rng = np.random.default_rng(0)
    views = [
        cv2.resize(cv2.cvtColor(np.repeat(v[:, :, None], 3, axis=2), cv2.COLOR_RGB2GRAY), (VIEW_SIZE, VIEW_SIZE))
        for v in items["view"][:count]
    ]
    points = [p * (VIEW_SIZE / STORED_VIEW) for p in items["pts"][:count]]
    started = time.process_time()
    for view, pts in zip(views, points, strict=True):
        small = cv2.resize(view, (STORED_VIEW, STORED_VIEW), interpolation=cv2.INTER_AREA)
        describe(small, pts * (STORED_VIEW / VIEW_SIZE) + rng.normal(0, 0.0, pts.shape), Pixels())
    return 1000.0 * (time.process_time() - started) / count


def pairs_summary(s: Setup, r: dict[str, float], digits: int) -> str:
    """Each collected pair set's held-out p90: pooled; strip / collage (its number of pairs)."""
    return " | ".join(
        f"{p}: {r[f'{p}_p90']:.{digits}f}; {r[f'{p}_strip_p90']:.{digits}f} / {r[f'{p}_collage_p90']:.{digits}f}"
        f" (n {r[f'{p}_n']})"
        for p in s.pairs
    )


def report(only: Sequence[int] = ()) -> None:
    s = setup()
    for number, (name, pixels, l2, combine) in enumerate(ROWS):
        if only and number not in only:
            continue
        r = evaluate(s, pixels, l2, combine)
        pairs = pairs_summary(s, r, 1)
        print(
            f"{number:2d} {name:52s} cv acc {r['cv_acc_found']:.4f} ({r['found']}) ECE {r['ece']:.3f} "
            f"med {r['median_neutral']:.0f}/{r['median_smiling']:.0f} | {pairs} | pibooth {r['pibooth_p90']:.1f} / "
            f"{r['pibooth_max']:.1f} | all pairs {r['all_p90']:.1f} (n {r['all_n']})",
            flush=True,
        )


def main(argv: list[str]) -> int:
    data = eval_data_dir()
    if data is None:
        print("no eval data", file=sys.stderr)
        return 2
    if argv[:1] == ["collect"]:
        scorer = SmileScorer()
        which = argv[1:] or ["pibooth", "pairs", "genki"]
        for name in which:
            if name.startswith("genki="):
                collect_genki(data, scorer, name.removeprefix("genki=").split(","))
                continue
            if name == "pairs2":
                collect_pairs(data, scorer, second=True)
                continue
            {"pibooth": collect_pibooth, "pairs": collect_pairs, "genki": collect_genki}[name](data, scorer)
        return 0
    if argv[:1] == ["cpu"]:
        print(f"pixel descriptor: {cpu_ms_per_face():.2f} CPU ms per face", flush=True)
        return 0
    if argv[:1] == ["report"]:
        report([int(number) for number in argv[1:]])
        return 0
    print(
        "usage: python -m evals.framing_pixels collect [pibooth|pairs|pairs2|genki[=variants]] | report [rows]",
        file=sys.stderr,
    )
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
