"""Does a face's smile score depend on the picture around it? A booth prints each shot small in a strip or a 2×2
collage; the same shot also reaches the bot whole (the booth link's original, a member's own photo).

Synthetic pairs (``<data>/smile``, GENKI-4K crops): each crop becomes a shot (the face 160-270 px, on a backdrop of
its own edge colours, JPEG q90 as a camera saves it) and the shot is printed into a 4-cut strip (600×1800, cuts
540×380) or a 2×2 collage (900×600, cuts 414×225, pibooth's landscape layout) with three other shots: shrunk to the
cut (the face then about 40 px, as in real prints) and saved as JPEG q80 (a print as it is shared). Both are scored
through the bot's own analysis (``pipeline.analysis.analyse_rgb``: cuts → faces → smiles).
Real pair (``<data>/photobooth``): pibooth's landscape collage and the four captures it was made of.

METRIC smile.framing_delta_p90           p90 of |score whole - score in the print| in points, synthetic pairs
METRIC smile.framing_delta_median        the median of the same
METRIC smile.framing_<layout>_delta_p90  per layout (strip_1x4, collage_2x2)
METRIC smile.framing_found_both          share of faces found whole that are found in the print too
METRIC smile.framing_pibooth_delta_p90 / _max   the real pair (13 faces; not in any fitting data)
METRIC smile.cv_framing_delta_p90        the synthetic pairs again, each face scored by a model refitted without it
                                         (scripts/fit_smile.py's recipe on the other 9 folds of evals/smile_data.py,
                                         main model and fallback): the shipped model is fitted on these GENKI crops,
                                         so the figures above are in-sample (each print holds faces of one fold)
METRIC smile.cv_framing_delta_median / smile.cv_framing_<layout>_delta_p90   the same, median and per layout
METRIC smile.cv_framing_previous_*       the same faces and folds scored by the previous recipe (the sixth attempt's:
                                         landmark and pixel readings stacked, no expression net), for comparison
METRIC smile.framing_pibooth_previous_delta_p90 / _max   the real pair under the previous recipe fitted on all crops
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from evals.common import metric, skip
from evals.smile_data import (
    PIXEL_VARIANTS,
    TRAIN_VARIANTS,
    LabelledCrops,
    crop_folds,
    fit_recipe,
    load_smile_set,
    measure_fallback_set,
    measure_happy_set,
    measure_pixel_set,
    measure_set,
    read_rgb,
    variant_sides,
)
from pipeline.analysis import PhotoAnalysis, analyse_rgb
from vision.cuts import split_cuts
from vision.poses import PoseReading
from vision.smile import SmileScorer
from vision.smile.scorer import SmileModel, degraded

FACES_PER_PRINT = 4
LIMIT = 160  # crops measured (20 prints per layout): a stable p90 in a few minutes on two cores
# Held-out crops measured per fold (4 prints per layout): 320 crops, ~300 pairs. A p90 over ~150 faces moved by
# ±3 points between two draws of faces (README "Framing", fifth attempt), so the set is twice that.
CV_PER_FOLD = 32
SHOT_SCALE = 4  # a shot is this many times the size of its cut in the print (pibooth: 4460 px → 414 px, 10.8)
FACE_SHARE = 0.18  # the face's height in its cut (pibooth's landscape collage: 33-64 px in 225 px cuts)
SHOT_JPEG, PRINT_JPEG = 90, 80


@dataclass(frozen=True)
class Layout:
    name: str
    size: tuple[int, int]  # print width, height
    cuts: tuple[tuple[int, int, int, int], ...]  # x, y, w, h of each cut


def _strip() -> Layout:
    return Layout("strip_1x4", (600, 1800), tuple((30, 30 + i * 400, 540, 380) for i in range(4)))


def _collage() -> Layout:
    return Layout(
        "collage_2x2", (900, 600), tuple((24 + c * 438, 25 + r * 250, 414, 225) for r in range(2) for c in range(2))
    )


LAYOUTS = (_strip(), _collage())


def no_poses(
    _rgb: np.ndarray, _boxes: Sequence[tuple[float, float, float, float]], _shapes: Sequence[Mapping[str, float] | None]
) -> PoseReading:
    """Poses are not measured here."""
    return PoseReading(people=(), pairs=())


def shot_of(crop: np.ndarray, width: int, height: int) -> np.ndarray:
    """The crop as a camera shot for a cut of width × height: SHOT_SCALE times the cut, the face FACE_SHARE of its
    height (a GENKI crop's face is about 3/4 of the crop), centred on a backdrop of the crop's edge colours."""
    width, height = width * SHOT_SCALE, height * SHOT_SCALE
    side = round(height * FACE_SHARE / 0.75)
    face = cv2.resize(crop, (side, side), interpolation=cv2.INTER_CUBIC)
    backdrop = np.median(np.concatenate([crop[:, 0], crop[:, -1]]), axis=0).astype(np.uint8)
    shot = np.empty((height, width, 3), np.uint8)
    shot[:] = backdrop
    x, y = (width - side) // 2, (height - side) // 2
    shot[y : y + side, x : x + side] = face
    return degraded(shot, 1.0, SHOT_JPEG)


def print_of(layout: Layout, shots: Sequence[np.ndarray]) -> np.ndarray:
    """A booth print: white paper, each shot shrunk into its cut, saved as a shared print is (JPEG)."""
    width, height = layout.size
    paper = np.full((height, width, 3), 250, np.uint8)
    for (x, y, w, h), shot in zip(layout.cuts, shots, strict=True):
        paper[y : y + h, x : x + w] = cv2.resize(shot, (w, h), interpolation=cv2.INTER_AREA)
    return degraded(paper, 1.0, PRINT_JPEG)


def _score_in(analysis: PhotoAnalysis, box: tuple[int, int, int, int]) -> float | None:
    """The score of the largest face whose centre lies in `box` (x, y, w, h), None when none does."""
    bx, by, bw, bh = box
    inside = [
        face
        for face in analysis.faces
        if bx <= face.box[0] + face.box[2] / 2 < bx + bw and by <= face.box[1] + face.box[3] / 2 < by + bh
    ]
    if not inside:
        return None
    return max(inside, key=lambda face: face.box[2] * face.box[3]).smile


def framing_deltas(crops: Sequence[np.ndarray], layout: Layout) -> tuple[list[float], int, int]:
    """(|whole - in print| per face found in both, faces found whole, faces found whole and in the print)."""
    deltas: list[float] = []
    found_alone = found_both = 0
    for start in range(0, len(crops) - FACES_PER_PRINT + 1, FACES_PER_PRINT):
        group = crops[start : start + FACES_PER_PRINT]
        shots = [shot_of(crop, w, h) for crop, (_, _, w, h) in zip(group, layout.cuts, strict=True)]
        in_print = analyse_rgb(print_of(layout, shots), recognise=no_poses)
        for shot, box in zip(shots, layout.cuts, strict=True):
            alone = _score_in(analyse_rgb(shot, recognise=no_poses), (0, 0, shot.shape[1], shot.shape[0]))
            if alone is None:
                continue
            found_alone += 1
            framed = _score_in(in_print, box)
            if framed is not None:
                found_both += 1
                deltas.append(abs(alone - framed))
    return deltas, found_alone, found_both


def pibooth_deltas(photobooth: Path, captures: Sequence[int] = range(4)) -> list[float]:
    """The real pair: each capture's faces against the same faces in the collage made of them (matched by where the
    capture's face lands in its cut)."""
    images = photobooth / "images"
    collage = read_rgb(images / "pibooth_collage_landscape.jpg")
    frames = split_cuts(collage).frames
    printed = analyse_rgb(collage, recognise=no_poses).faces
    deltas = []
    for index in captures:
        frame = frames[index]
        capture = read_rgb(images / f"pibooth_capture_landscape{index}.jpg")
        fx, fy, fw, fh = frame.box
        sx, sy = fw / capture.shape[1], fh / capture.shape[0]
        for face in analyse_rgb(capture, recognise=no_poses).faces:
            x, y, w, h = face.box
            cx, cy = fx + (x + w / 2) * sx, fy + (y + h / 2) * sy
            near = min(printed, key=lambda f: np.hypot(f.box[0] + f.box[2] / 2 - cx, f.box[1] + f.box[3] / 2 - cy))
            if np.hypot(near.box[0] + near.box[2] / 2 - cx, near.box[1] + near.box[3] / 2 - cy) < near.box[2]:
                deltas.append(abs(face.smile - near.smile))
    return deltas


def run(data: Path | None) -> None:
    photobooth = data / "photobooth" if data else None
    if photobooth is not None and (photobooth / "images" / "pibooth_collage_landscape.jpg").is_file():
        real = pibooth_deltas(photobooth)
        metric("smile.framing_pibooth_delta_p90", float(np.percentile(real, 90)))
        metric("smile.framing_pibooth_delta_max", float(max(real)))
        metric("smile.framing_pibooth_faces", len(real))
    else:
        skip("framing: no <eval data>/photobooth pibooth collage; the real pair is skipped")
    smile_dir = data / "smile" if data else None
    if smile_dir is None or not (smile_dir / "labels.csv").is_file():
        skip("framing: no <eval data>/smile/labels.csv; framing figures skipped")
        return
    labelled = load_smile_set(smile_dir)
    if photobooth is not None and (photobooth / "images" / "pibooth_collage_landscape.jpg").is_file():
        with SmileScorer.shared().scoring_with(_recipe_model(labelled, None, expression=False)):
            real = pibooth_deltas(photobooth)
        metric("smile.framing_pibooth_previous_delta_p90", float(np.percentile(real, 90)))
        metric("smile.framing_pibooth_previous_delta_max", float(max(real)))
    crops = [read_rgb(path) for path in labelled.files[:LIMIT]]
    every: list[float] = []
    alone_total = both_total = 0
    for index, layout in enumerate(LAYOUTS):
        deltas, alone, both = framing_deltas(crops[index :: len(LAYOUTS)], layout)
        every += deltas
        alone_total += alone
        both_total += both
        metric(f"smile.framing_{layout.name}_delta_p90", float(np.percentile(deltas, 90)))
    metric("smile.framing_delta_p90", float(np.percentile(every, 90)))
    metric("smile.framing_delta_median", float(np.median(every)))
    metric("smile.framing_found_both", both_total / max(alone_total, 1))
    for prefix, expression in (("smile.cv_framing", True), ("smile.cv_framing_previous", False)):
        held_out = cross_validated_deltas(labelled, expression=expression)
        for layout in LAYOUTS:
            metric(f"{prefix}_{layout.name}_delta_p90", float(np.percentile(held_out[layout.name], 90)))
        pooled = [delta for deltas in held_out.values() for delta in deltas]
        metric(f"{prefix}_delta_p90", float(np.percentile(pooled, 90)))
        metric(f"{prefix}_delta_median", float(np.median(pooled)))
        metric(f"{prefix}_pairs", len(pooled))


def _recipe_model(labelled: LabelledCrops, train: np.ndarray | None, *, expression: bool = True) -> SmileModel:
    """scripts/fit_smile.py's recipe fitted on `train` (all crops when None; `expression` False: the previous
    recipe, the landmark and pixel readings stacked without the expression net), from the measurement caches
    eval_smile and fit_smile fill."""
    scorer = SmileScorer.shared()
    views = {name: measure_set(labelled, scorer, name) for name in TRAIN_VARIANTS}
    fallback_views = {name: measure_fallback_set(labelled, name) for name in TRAIN_VARIANTS}
    pixel_views = {name: measure_pixel_set(labelled, scorer, name) for name in PIXEL_VARIANTS}
    happy_views = {name: measure_happy_set(labelled, scorer, name) for name in PIXEL_VARIANTS} if expression else None
    sides = variant_sides(labelled, "colour")
    return fit_recipe(views, fallback_views, labelled.labels, train, pixel_views, sides, happy_views).model()


def cross_validated_deltas(labelled: LabelledCrops, *, expression: bool = True) -> dict[str, list[float]]:
    """Framing deltas per layout of CV_PER_FOLD crops of each fold, every print scored through the bot's analysis
    with the recipe (`expression` False: the previous one) refitted on the other folds."""
    scorer = SmileScorer.shared()
    deltas: dict[str, list[float]] = {layout.name: [] for layout in LAYOUTS}
    for train, test in crop_folds(labelled.labels, 10).split():
        model = _recipe_model(labelled, train, expression=expression)
        crops = [read_rgb(labelled.files[index]) for index in test[:CV_PER_FOLD]]
        with scorer.scoring_with(model):
            for index, layout in enumerate(LAYOUTS):
                deltas[layout.name] += framing_deltas(crops[index :: len(LAYOUTS)], layout)[0]
    return deltas
