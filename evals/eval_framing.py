"""Does a face's smile score depend on the picture around it? (``<data>/smile``: 600 GENKI-4K crops.)

Each crop is made into a booth cut (resized to the cut's size; a cut wider than tall shows the crop centred on a
background taken from the crop's own edge colours, as a booth's backdrop) and scored twice through the bot's own
analysis (``pipeline.analysis.analyse_rgb``: cuts → faces → smiles):
- alone, the cut as its own photo (the original a booth link gives, or a member's single photo);
- inside a print with three other faces: a 2×2 collage (1200×1800, cuts 540×780) and a 4-cut strip (600×1800, cuts
  540×380), with the white frame, gutters and footer band booth prints have.
The face pixels are the same in both; only what lies around them differs.

METRIC smile.framing_delta_p90           p90 of |score alone - score in the print| in points, over faces found in both
METRIC smile.framing_delta_median        the median of the same
METRIC smile.framing_<layout>_delta_p90  per layout (collage_2x2, strip_1x4)
METRIC smile.framing_found_both          share of faces found alone that are found in the print too
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from evals.common import metric, skip
from evals.smile_data import load_smile_set, read_rgb
from pipeline.analysis import PhotoAnalysis, analyse_rgb
from vision.poses import PoseReading

FACES_PER_PRINT = 4
# A booth prints each shot smaller than the shot itself: a 4-cut strip's cut is about 540 px wide, the camera's
# frame 1280-1600 px (Life4Cuts originals are 1200×1800 per strip at most, a phone photo 1600-4000 px).
ALONE_SCALE = 2.5
LIMIT = 240  # crops measured (60 prints per layout): enough for a stable p90, minutes on two cores


@dataclass(frozen=True)
class Layout:
    name: str
    size: tuple[int, int]  # print width, height
    cuts: tuple[tuple[int, int, int, int], ...]  # x, y, w, h of each cut


def _strip() -> Layout:
    return Layout("strip_1x4", (600, 1800), tuple((30, 30 + i * 400, 540, 380) for i in range(4)))


def _collage() -> Layout:
    return Layout(
        "collage_2x2", (1200, 1800), tuple((40 + c * 580, 40 + r * 800, 540, 780) for r in range(2) for c in range(2))
    )


LAYOUTS = (_collage(), _strip())


def no_poses(
    _rgb: np.ndarray, _boxes: Sequence[tuple[float, float, float, float]], _shapes: Sequence[Mapping[str, float] | None]
) -> PoseReading:
    """Poses are not measured here."""
    return PoseReading(people=(), pairs=())


def as_cut(crop: np.ndarray, width: int, height: int) -> np.ndarray:
    """The crop as a booth cut of width × height: scaled to the cut's height, centred on a backdrop of its edges."""
    side = min(width, height)
    face = cv2.resize(crop, (side, side), interpolation=cv2.INTER_CUBIC)
    backdrop = np.median(np.concatenate([crop[:, 0], crop[:, -1]]), axis=0).astype(np.uint8)
    cut = np.empty((height, width, 3), np.uint8)
    cut[:] = backdrop
    x, y = (width - side) // 2, (height - side) // 2
    cut[y : y + side, x : x + side] = face
    return cut


def alone_photo(cut: np.ndarray) -> np.ndarray:
    """The cut as the photo it was printed from: the booth's original, ALONE_SCALE times the size of its print."""
    height, width = cut.shape[:2]
    return cv2.resize(cut, (round(width * ALONE_SCALE), round(height * ALONE_SCALE)), interpolation=cv2.INTER_CUBIC)


def print_of(layout: Layout, cuts: Sequence[np.ndarray]) -> np.ndarray:
    """A booth print: white paper, the cuts in their places, a footer band left blank as booths print a logo there."""
    width, height = layout.size
    paper = np.full((height, width, 3), 250, np.uint8)
    for (x, y, w, h), cut in zip(layout.cuts, cuts, strict=True):
        paper[y : y + h, x : x + w] = cut
    return paper


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
    """(|alone - in print| per face found in both, faces found alone, faces found alone and in the print)."""
    deltas: list[float] = []
    found_alone = found_both = 0
    for start in range(0, len(crops) - FACES_PER_PRINT + 1, FACES_PER_PRINT):
        cuts = [as_cut(crop, w, h) for crop, (_, _, w, h) in zip(crops[start : start + 4], layout.cuts, strict=True)]
        in_print = analyse_rgb(print_of(layout, cuts), recognise=no_poses)
        for cut, box in zip(cuts, layout.cuts, strict=True):
            photo = alone_photo(cut)
            alone = _score_in(analyse_rgb(photo, recognise=no_poses), (0, 0, photo.shape[1], photo.shape[0]))
            if alone is None:
                continue
            found_alone += 1
            framed = _score_in(in_print, box)
            if framed is not None:
                found_both += 1
                deltas.append(abs(alone - framed))
    return deltas, found_alone, found_both


def run(data: Path | None) -> None:
    smile_dir = data / "smile" if data else None
    if smile_dir is None or not (smile_dir / "labels.csv").is_file():
        skip("framing: no <eval data>/smile/labels.csv; framing figures skipped")
        return
    crops = [read_rgb(path) for path in load_smile_set(smile_dir).files[:LIMIT]]
    every: list[float] = []
    alone_total = both_total = 0
    for index, layout in enumerate(LAYOUTS):
        share = crops[index::2]  # each layout gets its own half of the crops
        deltas, alone, both = framing_deltas(share, layout)
        every += deltas
        alone_total += alone
        both_total += both
        metric(f"smile.framing_{layout.name}_delta_p90", float(np.percentile(deltas, 90)))
    metric("smile.framing_delta_p90", float(np.percentile(every, 90)))
    metric("smile.framing_delta_median", float(np.median(every)))
    metric("smile.framing_found_both", both_total / max(alone_total, 1))
