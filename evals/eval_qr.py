"""QR decoding figures: real photos (``<data>/qr``) and seeded synthetic phone photos of 4-cut prints.

METRIC qr.decode_rate                  camera photos whose expected text(s) all decode (cascade)
METRIC qr.decode_rate_all              the same over every labelled image
METRIC qr.ms_per_image                 mean cascade time on the labelled images
METRIC qr.decode_rate_<decoder>_only   single decoder, whole image, no preprocessing (camera photos)
METRIC qr.synthetic_print_rate         synthetic prints decoded by the cascade
METRIC qr.synthetic_ms_per_image       mean cascade time on them
"""

from __future__ import annotations

import csv
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from evals.common import metric, skip
from evals.synthetic_prints import cached_prints
from vision.qr import BACKENDS, QrCode, decode_qr, decode_single

CAMERA_KIND = "camera_photo"
MULTI_SEPARATOR = "\n----\n"


@dataclass(frozen=True)
class LabelledImage:
    path: Path
    kind: str
    expected: tuple[str, ...]


def normalise(text: str) -> str:
    return text.replace("\r\n", "\n").strip()


def load_labels(qr_dir: Path) -> list[LabelledImage]:
    items = []
    with (qr_dir / "labels.csv").open(newline="", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            raw = (qr_dir / row["expected_text_file"]).read_bytes().decode("utf-8")
            texts = raw.split(MULTI_SEPARATOR) if int(row["n_codes"]) > 1 else [raw]
            items.append(LabelledImage(qr_dir / row["file"], row["kind"], tuple(normalise(t) for t in texts)))
    return items


def all_found(expected: tuple[str, ...], codes: list[QrCode]) -> bool:
    got = {normalise(code.text) for code in codes}
    return all(text in got for text in expected)


def _score(
    items: list[tuple[np.ndarray, tuple[str, ...]]], decode: Callable[[np.ndarray], list[QrCode]]
) -> tuple[list[bool], float]:
    hits, started = [], time.perf_counter()
    for image, expected in items:
        hits.append(all_found(expected, decode(image)))
    elapsed_ms = (time.perf_counter() - started) * 1000
    return hits, elapsed_ms / max(1, len(items))


def _rate(hits: list[bool]) -> float:
    return sum(hits) / max(1, len(hits))


def eval_real(qr_dir: Path) -> None:
    labels = load_labels(qr_dir)
    images = [(cv2.imread(str(item.path), cv2.IMREAD_COLOR), item.expected) for item in labels]
    camera = [i for i, item in enumerate(labels) if item.kind == CAMERA_KIND]
    hits, ms = _score(images, decode_qr)
    metric("qr.decode_rate", _rate([hits[i] for i in camera]))
    metric("qr.decode_rate_all", _rate(hits))
    metric("qr.ms_per_image", ms)
    metric("qr.camera_photos", len(camera))
    metric("qr.images_all", len(labels))
    for decoder in BACKENDS:
        single, single_ms = _score(images, lambda image, d=decoder: decode_single(image, d))
        metric(f"qr.decode_rate_{decoder}_only", _rate([single[i] for i in camera]))
        metric(f"qr.decode_rate_all_{decoder}_only", _rate(single))
        metric(f"qr.ms_per_image_{decoder}_only", single_ms)
    missed = [labels[i].path.name for i, ok in enumerate(hits) if not ok]
    print(f"# qr misses ({len(missed)}): {', '.join(missed)}", flush=True)


def eval_synthetic(data: Path) -> None:
    samples = cached_prints(data)
    items = [(cv2.imread(str(path), cv2.IMREAD_COLOR), (text,)) for path, text in samples]
    hits, ms = _score(items, decode_qr)
    metric("qr.synthetic_prints", len(items))
    metric("qr.synthetic_print_rate", _rate(hits))
    metric("qr.synthetic_ms_per_image", ms)
    for decoder in BACKENDS:
        single, _ = _score(items, lambda image, d=decoder: decode_single(image, d))
        metric(f"qr.synthetic_print_rate_{decoder}_only", _rate(single))
    brands = Counter(text.split("/")[2] for (_, (text,)), ok in zip(items, hits, strict=True) if not ok)
    print(f"# synthetic misses by host: {dict(brands)}", flush=True)


def run(data: Path | None) -> None:
    if data is None:
        skip("qr: no evaluation data")
        return
    if (data / "qr" / "labels.csv").is_file():
        eval_real(data / "qr")
    else:
        skip("qr: <data>/qr/labels.csv missing; real-photo figures skipped")
    if (data / "photobooth" / "images").is_dir():
        eval_synthetic(data)
    else:
        skip("qr: <data>/photobooth/images missing; synthetic print figures skipped")
