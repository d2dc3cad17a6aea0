"""Cut splitting figures: real booth collages and party photos (``<data>/photobooth``) and seeded synthetic prints.

METRIC cuts.layout_accuracy              real files whose layout (kind) matches the expected one
METRIC cuts.collage_recall               real collages split into the expected grid
METRIC cuts.single_false_split_rate      real plain photos that were split (should be 0)
METRIC cuts.ms_per_image                 mean wall time of split_cuts at a 1280 px long side (real files)
METRIC cuts.cpu_ms_per_image             the same in process CPU time (the eval machine is shared)
METRIC cuts.synthetic_layout_accuracy    synthetic files with the right kind and duplicated flag
METRIC cuts.synthetic_frame_iou          mean IoU of each expected frame with its best predicted frame (0 when missed)
METRIC cuts.synthetic_false_split_rate   synthetic tempting plain photos that were split
METRIC cuts.synthetic_duplicate_accuracy doubled and single-copy 1x4 strips told apart
METRIC cuts.photo_frames_layout_accuracy synthetic prints whose frames are crops of the real photos (needs the data)

Expected layout of a real file, derived from ``labels.csv`` (the set has no box labels): a ``source_label`` saying
"4-photo" (pibooth's 4-photo template, which the annotator notes call "2x2") or a note saying "2x2" -> "2x2";
everything else (raw captures, stock photos, the 1-photo layout, the QR screen) -> "single". Real frame boxes are not
labelled, so box accuracy is measured on the synthetic set only.
"""

from __future__ import annotations

import csv
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from evals.common import metric, skip
from evals.synthetic_cuts import DEFAULT_SEED, SyntheticCut, box_iou, synthetic_set
from vision.cuts import CutLayout, split_cuts
from vision.images import load_rgb

EVAL_LONG_SIDE = 1280
SYNTHETIC_COUNT = 240
PHOTO_FRAME_COUNT = 60


@dataclass(frozen=True)
class LabelledFile:
    path: Path
    expected: str


def expected_layout(source_label: str, note: str) -> str:
    if "4-photo" in source_label or "2x2" in note:
        return "2x2"
    return "single"


def load_labels(folder: Path) -> list[LabelledFile]:
    with (folder / "labels.csv").open(newline="", encoding="utf-8") as handle:
        return [
            LabelledFile(folder / row["file"], expected_layout(row["source_label"], row["annotator_note"]))
            for row in csv.DictReader(handle)
        ]


def at_long_side(rgb: np.ndarray, side: int = EVAL_LONG_SIDE) -> np.ndarray:
    scale = side / max(rgb.shape[:2])
    if scale >= 1.0:
        return rgb
    return cv2.resize(rgb, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)


def timed_split(rgb: np.ndarray) -> tuple[CutLayout, float, float]:
    wall, cpu = time.perf_counter(), time.process_time()
    layout = split_cuts(rgb)
    return layout, (time.perf_counter() - wall) * 1000, (time.process_time() - cpu) * 1000


def eval_real(folder: Path) -> list[np.ndarray]:
    """Prints the real-file figures; returns the plain photos (for synthetic prints made of real frames)."""
    labels = load_labels(folder)
    hits, collage_hits, false_splits, walls, cpus = [], [], [], [], []
    photos = []
    for item in labels:
        rgb = at_long_side(load_rgb(item.path.read_bytes()))
        split_cuts(rgb)  # warm caches: time the steady state, as in a worker that has run before
        layout, wall, cpu = timed_split(rgb)
        walls.append(wall)
        cpus.append(cpu)
        hit = layout.kind == item.expected
        hits.append(hit)
        if item.expected == "single":
            false_splits.append(layout.kind != "single")
            if "collage" not in item.path.name and "screenshot" not in item.path.name:
                photos.append(rgb)
        else:
            collage_hits.append(hit)
        print(f"  {item.path.name}: expected {item.expected}, got {layout.kind} ({len(layout.frames)} frames)")
    metric("cuts.layout_accuracy", _mean(hits))
    metric("cuts.collage_recall", _mean(collage_hits))
    metric("cuts.single_false_split_rate", _mean(false_splits))
    metric("cuts.ms_per_image", float(np.mean(walls)))
    metric("cuts.cpu_ms_per_image", float(np.mean(cpus)))
    return photos


def frame_recall_iou(sample: SyntheticCut, layout: CutLayout) -> list[float]:
    predicted = [frame.box for frame in layout.frames] if layout.kind != "single" else []
    return [max((box_iou(expected, box) for box in predicted), default=0.0) for expected in sample.boxes]


def score_synthetic(samples: Sequence[SyntheticCut]) -> dict[str, float]:
    hits, ious, false_splits, duplicate_hits = [], [], [], []
    for sample in samples:
        layout = split_cuts(sample.rgb)
        hits.append(layout.kind == sample.kind and layout.duplicated == sample.duplicated)
        if sample.kind == "single":
            false_splits.append(layout.kind != "single")
            continue
        ious.extend(frame_recall_iou(sample, layout))
        if sample.kind == "1x4":
            duplicate_hits.append(layout.duplicated == sample.duplicated)
    return {
        "layout_accuracy": _mean(hits),
        "frame_iou": float(np.mean(ious)) if ious else 0.0,
        "false_split_rate": _mean(false_splits),
        "duplicate_accuracy": _mean(duplicate_hits),
    }


def _mean(values: Sequence[bool]) -> float:
    return float(np.mean(values)) if values else 0.0


def run(data: Path | None) -> None:
    photos: list[np.ndarray] = []
    folder = data / "photobooth" if data is not None else None
    if folder is None or not (folder / "labels.csv").is_file():
        skip("cuts: no <data>/photobooth/labels.csv; real-collage figures skipped")
    else:
        photos = eval_real(folder)
    scores = score_synthetic(synthetic_set(DEFAULT_SEED, SYNTHETIC_COUNT))
    metric("cuts.synthetic_layout_accuracy", scores["layout_accuracy"])
    metric("cuts.synthetic_frame_iou", scores["frame_iou"])
    metric("cuts.synthetic_false_split_rate", scores["false_split_rate"])
    metric("cuts.synthetic_duplicate_accuracy", scores["duplicate_accuracy"])
    if photos:
        real_framed = score_synthetic(synthetic_set(DEFAULT_SEED + 1, PHOTO_FRAME_COUNT, photos=photos))
        metric("cuts.photo_frames_layout_accuracy", real_framed["layout_accuracy"])
        metric("cuts.photo_frames_frame_iou", real_framed["frame_iou"])
