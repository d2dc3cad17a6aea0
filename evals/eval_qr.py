"""QR decoding figures: real photos (``<data>/qr``) and seeded synthetic phone photos of 4-cut prints.

METRIC qr.decode_rate                  camera photos whose expected text(s) all decode (cascade)
METRIC qr.decode_rate_all              the same over every labelled image
METRIC qr.ms_per_image                 mean cascade time on the labelled images
METRIC qr.decode_rate_<decoder>_only   single decoder, whole image, no preprocessing (camera photos)
METRIC qr.decode_rate_degraded         the camera photos made harder (grey, 0.6x, blur, JPEG 70), cascade
METRIC qr.decode_rate_degraded_<decoder>_only  the same, one decoder alone
METRIC qr.synthetic_print_rate         synthetic prints decoded by the cascade
METRIC qr.synthetic_ms_per_image       mean cascade time on them
METRIC qr.synthetic_polygon_on_code    decoded prints whose returned polygon lies on the true code
METRIC qr.synthetic_oracle_rate        decodable at all when the true corners are given (a ceiling)
METRIC qr.synthetic_model_oracle_rate  the model-based reader (vision.qr.model) given the true corners and version
METRIC qr.synthetic_wrong_texts        prints for which the cascade returned a text that is not the printed one
"""

from __future__ import annotations

import csv
import functools
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from evals.common import metric, skip
from evals.synthetic_prints import CachedPrint, cached_prints
from vision.qr import BACKENDS, Alignment, QrCode, decode_qr, decode_single, read_alignment, render, symbol_corners

CAMERA_KIND = "camera_photo"
DEGRADE_SCALE = 0.6
DEGRADE_BLUR_SIGMA = 0.7
DEGRADE_JPEG_QUALITY = 70
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


def _decoded(image: np.ndarray | None, what: object) -> np.ndarray:
    if image is None:
        raise ValueError(f"OpenCV cannot read {what}")
    return image


def _read_bgr(path: Path) -> np.ndarray:
    return _decoded(cv2.imread(str(path), cv2.IMREAD_COLOR), path)


def eval_real(qr_dir: Path) -> None:
    labels = load_labels(qr_dir)
    images = [(_read_bgr(item.path), item.expected) for item in labels]
    camera = [i for i, item in enumerate(labels) if item.kind == CAMERA_KIND]
    hits, ms = _score(images, decode_qr)
    metric("qr.decode_rate", _rate([hits[i] for i in camera]))
    metric("qr.decode_rate_all", _rate(hits))
    metric("qr.ms_per_image", ms)
    metric("qr.camera_photos", len(camera))
    metric("qr.images_all", len(labels))
    for decoder in BACKENDS:
        single, single_ms = _score(images, functools.partial(decode_single, decoder=decoder))
        metric(f"qr.decode_rate_{decoder}_only", _rate([single[i] for i in camera]))
        metric(f"qr.decode_rate_all_{decoder}_only", _rate(single))
        metric(f"qr.ms_per_image_{decoder}_only", single_ms)
    missed = [labels[i].path.name for i, ok in enumerate(hits) if not ok]
    print(f"# qr misses ({len(missed)}): {', '.join(missed)}", flush=True)
    degraded = [(degrade(images[i][0]), images[i][1]) for i in camera]
    hits, ms = _score(degraded, decode_qr)
    metric("qr.decode_rate_degraded", _rate(hits))
    metric("qr.ms_per_image_degraded", ms)
    for decoder in BACKENDS:
        single, _ = _score(degraded, functools.partial(decode_single, decoder=decoder))
        metric(f"qr.decode_rate_degraded_{decoder}_only", _rate(single))


def degrade(image: np.ndarray) -> np.ndarray:
    """A harder copy of a camera photo: grey, 0.6x resolution, a little defocus, JPEG quality 70.

    Stands in for the low-resolution greyscale webcam shots the hidden set holds; deterministic.
    """
    grey = cv2.cvtColor(image, cv2.COLOR_BGR2GRAY)
    small = cv2.resize(grey, None, fx=DEGRADE_SCALE, fy=DEGRADE_SCALE, interpolation=cv2.INTER_AREA)
    soft = cv2.GaussianBlur(small, (0, 0), DEGRADE_BLUR_SIGMA)
    ok, encoded = cv2.imencode(".jpg", soft, [cv2.IMWRITE_JPEG_QUALITY, DEGRADE_JPEG_QUALITY])
    if not ok:
        raise RuntimeError("JPEG encoding failed")
    return _decoded(cv2.imdecode(encoded, cv2.IMREAD_GRAYSCALE), "degraded JPEG")


def oracle_decodes(image: np.ndarray, sample: CachedPrint) -> bool:
    """Ceiling for localisation: rectify the code with its true corners, then let every decoder try.

    Samples that fail here lost their data to blur, sampling or glare, not to a missed detection.
    """
    grey = cv2.cvtColor(image, cv2.COLOR_BGR2GRAY)
    modules = 17 + 4 * sample.qr_version
    module_px, quiet = 8, 4
    side = (modules + 2 * quiet) * module_px
    lo, hi = quiet * module_px, (quiet + modules) * module_px
    target = np.array([[lo, lo], [hi, lo], [hi, hi], [lo, hi]], dtype=np.float32)
    matrix = cv2.getPerspectiveTransform(sample.qr_corners.astype(np.float32), target)
    # Corners are pixel centres of the symbol edge; cubic interpolation keeps the module transitions sharp.
    flat = cv2.warpPerspective(grey, matrix, (side, side), flags=cv2.INTER_CUBIC, borderValue=255)
    otsu = cv2.threshold(cv2.GaussianBlur(flat, (0, 0), 2), 0, 255, cv2.THRESH_BINARY + cv2.THRESH_OTSU)[1]
    for candidate in (flat, otsu):
        for decoder in BACKENDS:
            if all_found((sample.text,), decode_single(candidate, decoder)):
                return True
    return False


def model_oracle_decodes(image: np.ndarray, sample: CachedPrint) -> bool:
    """The model-based reader's ceiling: its solver started from the true geometry, no localisation."""
    grey = cv2.cvtColor(image, cv2.COLOR_BGR2GRAY)
    modules = 17 + 4 * sample.qr_version
    truth = cv2.getPerspectiveTransform(symbol_corners(modules), sample.qr_corners.astype(np.float32))
    for reading in read_alignment(grey, Alignment(1.0, sample.qr_version, truth.astype(np.float64))):
        if all_found((sample.text,), decode_single(render(reading.bits), "zxing")):
            return True
    return False


def _polygon_on_code(codes: list[QrCode], sample: CachedPrint) -> bool:
    """The returned polygon's centre lies inside the true symbol outline (input pixels)."""
    contour = sample.qr_corners.astype(np.float32).reshape(-1, 1, 2)
    for code in codes:
        if normalise(code.text) == sample.text:
            centre = np.array(code.polygon, dtype=np.float64).mean(axis=0)
            return cv2.pointPolygonTest(contour, (float(centre[0]), float(centre[1])), False) >= 0
    return False


PX_PER_MODULE_BINS = ((0.0, 1.3), (1.3, 1.6), (1.6, 2.0), (2.0, 99.0))


def eval_synthetic(data: Path) -> None:
    samples = cached_prints(data)
    images = [_read_bgr(sample.path) for sample in samples]
    stages: Counter[str] = Counter()
    hits, polygons_ok, wrong = [], 0, 0
    started = time.perf_counter()
    for image, sample in zip(images, samples, strict=True):
        codes = decode_qr(image)
        found = all_found((sample.text,), codes)
        wrong += any(normalise(code.text) != sample.text for code in codes)
        hits.append(found)
        if found:
            stages[next(c.decoder for c in codes if normalise(c.text) == sample.text).split("/region")[0]] += 1
            polygons_ok += _polygon_on_code(codes, sample)
    ms = (time.perf_counter() - started) * 1000 / max(1, len(samples))
    metric("qr.synthetic_prints", len(samples))
    metric("qr.synthetic_print_rate", _rate(hits))
    metric("qr.synthetic_ms_per_image", ms)
    metric("qr.synthetic_polygon_on_code", polygons_ok / max(1, sum(hits)))
    metric("qr.synthetic_wrong_texts", wrong)
    oracle = [oracle_decodes(image, sample) for image, sample in zip(images, samples, strict=True)]
    metric("qr.synthetic_oracle_rate", _rate(oracle))
    model_oracle = [model_oracle_decodes(image, sample) for image, sample in zip(images, samples, strict=True)]
    metric("qr.synthetic_model_oracle_rate", _rate(model_oracle))
    for decoder in BACKENDS:
        single = [all_found((s.text,), decode_single(image, decoder)) for image, s in zip(images, samples, strict=True)]
        metric(f"qr.synthetic_print_rate_{decoder}_only", _rate(single))
    for low, high in PX_PER_MODULE_BINS:
        picked = [i for i, s in enumerate(samples) if low <= s.px_per_module < high]
        label = f"{low:.1f}-{high:.1f}" if high < 99 else f">={low:.1f}"
        print(
            f"# px/module {label}: {len(picked)} samples, decoded {sum(hits[i] for i in picked)},"
            f" oracle {sum(oracle[i] for i in picked)}",
            flush=True,
        )
    brands = sorted({s.brand for s in samples})
    for brand in brands:
        picked = [i for i, s in enumerate(samples) if s.brand == brand]
        print(
            f"# brand {brand}: {len(picked)} samples, missed {sum(not hits[i] for i in picked)},"
            f" oracle misses {sum(not oracle[i] for i in picked)}",
            flush=True,
        )
    print(f"# decoded by stage: {dict(stages.most_common())}", flush=True)
    missed = [s.path.name for s, ok in zip(samples, hits, strict=True) if not ok]
    print(f"# synthetic misses ({len(missed)}): {', '.join(missed)}", flush=True)


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
