"""Face detection on group and booth photos (``<data>/photobooth``) against the annotator's face counts.

The counts are weak labels (labels.csv `annotator_faces_visible`): "2", a range "0-1", "3 main + 2-3 background",
or "many tiny" (not counted). A range gives (least, most) faces the annotator saw.

METRIC faces.recall             sum over images of min(found, least) / sum of least (images with least > 0)
METRIC faces.excess             faces found beyond `most`, over all counted images (false-positive proxy)
METRIC faces.found_on_empty     faces found on images whose annotator saw none (balloons, QR screen)
METRIC faces.images             images counted
METRIC faces.ms_per_image       detect_faces time per image (decoded RGB in, all cores)
METRIC faces.tight_crop_recall  64×64 GENKI face crops (``<data>/smile``) with a face found: every crop holds one
METRIC faces.tight_crop_grey_recall   the same crops in greyscale
"""

from __future__ import annotations

import csv
import re
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from evals.common import metric, skip
from vision.faces import detect_faces
from vision.images import load_rgb


@dataclass(frozen=True)
class CountLabel:
    file: str
    least: int
    most: int


def parse_count(text: str) -> tuple[int, int] | None:
    """(least, most) faces from the annotator's wording; None when it gives no count ("many tiny")."""
    numbers = [int(n) for n in re.findall(r"\d+", text)]
    if not numbers:
        return None
    if "+" in text:  # "3 main + 2-3 background": the main faces are required, the background ones optional
        return numbers[0], numbers[0] + max(numbers[1:], default=0)
    return min(numbers), max(numbers)


def load_counts(photobooth_dir: Path) -> list[CountLabel]:
    labels = []
    with (photobooth_dir / "labels.csv").open(newline="", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            parsed = parse_count(row["annotator_faces_visible"])
            if parsed is not None:
                labels.append(CountLabel(row["file"], *parsed))
    return labels


def eval_tight_crops(smile_dir: Path) -> None:
    with (smile_dir / "labels.csv").open(newline="", encoding="utf-8") as handle:
        files = [row["file"] for row in csv.DictReader(handle)]
    colour = grey = 0
    for name in files:
        rgb = load_rgb((smile_dir / name).read_bytes())
        colour += bool(detect_faces(rgb))
        grey += bool(detect_faces(np.ascontiguousarray(rgb.mean(axis=2).astype(np.uint8))))
    metric("faces.tight_crop_recall", colour / max(1, len(files)))
    metric("faces.tight_crop_grey_recall", grey / max(1, len(files)))


def run(data: Path | None) -> None:
    smile_dir = data / "smile" if data else None
    if smile_dir is not None and (smile_dir / "labels.csv").is_file():
        eval_tight_crops(smile_dir)
    else:
        skip("faces: no <data>/smile/labels.csv; tight-crop recall skipped")
    photobooth_dir = data / "photobooth" if data else None
    if photobooth_dir is None or not (photobooth_dir / "labels.csv").is_file():
        skip("faces: no <data>/photobooth/labels.csv; face detection metrics skipped")
        return
    labels = load_counts(photobooth_dir)
    hits = wanted = excess = on_empty = 0
    elapsed = 0.0
    for label in labels:
        rgb = load_rgb((photobooth_dir / label.file).read_bytes())
        started = time.perf_counter()
        found = len(detect_faces(rgb))
        elapsed += time.perf_counter() - started
        hits += min(found, label.least)
        wanted += label.least
        excess += max(0, found - label.most)
        if label.most == 0:
            on_empty += found
        print(f"# faces {label.file}: found {found}, annotator {label.least}-{label.most}", flush=True)
    metric("faces.recall", hits / max(1, wanted))
    metric("faces.excess", excess)
    metric("faces.found_on_empty", on_empty)
    metric("faces.images", len(labels))
    metric("faces.ms_per_image", 1000 * elapsed / max(1, len(labels)))
