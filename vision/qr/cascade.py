"""QR code decoding for phone photos of printed photo-booth strips.

``decode_qr`` runs a cascade and stops as early as it can:

1. fast path: zxing-cpp on the whole grey image, and zbar (pyzbar) when zxing read nothing (zbar on a
   Telegram-sized photo costs 24 ms, three times the rest of a read; on 60 synthetic photos of 2-3 codes it
   read no code the 2x pass and the unread outlines below did not);
2. small codes: zxing on the image upscaled 2x (cubic), then candidate regions (outlines a decoder saw
   but could not read, square clusters of dark modules, finder-pattern pairs; see ``vision.qr.regions``),
   each cropped, upscaled to 4 and 6 px per module using a run-length estimate of the module pitch, and
   retried through sharpening and local-threshold variants sized in modules (``vision.qr.variants``).
   When the fast path already read a code, only the 2x pass and the unread outlines are tried, so a
   second, smaller code in the same photo is still returned;
   still nothing: the outlines zxing found but could not read (also on the image upscaled 3x) and those of
   matched finder-pattern triples (``vision.qr.regions.finder_triples``) are read model-based
   (``vision.qr.model``: fixed patterns aligned by ECC, blur kernel fitted, modules solved by least squares,
   the clean matrix decoded), within a time budget;
   then small codes (< ``DEBLUR_MAX_PITCH`` px per module) among the first regions are deblurred
   by Wiener deconvolution with a small bank of defocus/motion kernels (``vision.qr.deblur``), within a
   time budget;
3. webcam-sized photos only: the whole image upscaled with every variant, then small rotations.

Pure: numpy arrays in, dataclasses out. Every result's polygon is mapped back to input-image pixels.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import cache
from types import ModuleType

import cv2
import numpy as np
import zxingcpp

from vision.qr.deblur import deblurred_variants
from vision.qr.model import MAX_VERSION as MAX_MODEL_VERSION
from vision.qr.model import align_outline, read_alignment, render
from vision.qr.regions import (
    Region,
    candidate_regions,
    crop_pitch,
    finder_triples,
    outline_from_finders,
    outline_regions,
)
from vision.qr.soft import correct as soft_correct
from vision.qr.variants import WHOLE_IMAGE_VARIANTS, adaptive, crop_variants, otsu, resize

log = logging.getLogger(__name__)

Point = tuple[int, int]
Polygon = tuple[Point, ...]
RawHit = tuple[str, np.ndarray]  # decoded text, polygon as float (N, 2) array in the decoded image's pixels
Outline = tuple[np.ndarray, tuple[int, ...]]  # symbol corners (TL, TR, BR, BL) and versions to try (empty: all)

# Images smaller than this on either side cannot hold a readable QR code (21 modules + quiet zone).
MIN_SIDE_PX = 21
# Working resolution caps: zbar gets slow and finder search noisy above these long sides.
MAX_PYZBAR_SIDE = 2000
MAX_SEARCH_SIDE = 1600
# Candidate crops are rescaled to about this many px per module (the estimate can be off by ~30 %, so
# the most promising regions get a second scale); TYPICAL_MODULES (version 3) turns a code's size into a
# pitch when no run lengths were measured.
REGION_MODULE_PX = (4.0, 6.0)
WIDE_SEARCH_REGIONS = 3
TYPICAL_MODULES = 29
MAX_REGION_UPSCALE = 6.0
MAX_REGIONS = 8
# zbar has no local binariser of its own and is ~5x slower than zxing on crops: it only gets the two
# thresholded crop variants it decodes beyond zxing.
PYZBAR_CROP_VARIANTS = frozenset({"unsharp-strong-otsu", "unsharp-wide-local2"})
# The last-resort whole-image pass (upscales, variants, rotations) runs on photos up to this side
# (webcam-sized shots); above it, it costs seconds and read nothing the region stage missed.
SMALL_PHOTO_SIDE = 640
# Upscaled crops are capped at this side: a real code needs < 400 px at 6 px per module.
MAX_CROP_SIDE = 640
# Deblurring (vision.qr.deblur) is for codes below this estimated pitch (photo px per module; blur makes the
# run-length estimate run ~10-20 % high): larger ones the variants could not read are damaged by glare or
# occlusion rather than by merged modules (3.0 read nothing more and cost time). It works on the first
# DEBLUR_REGIONS regions, at DEBLUR_MODULE_PX px per module, and stops after DEBLUR_BUDGET_S seconds.
DEBLUR_MAX_PITCH = 2.4
DEBLUR_REGIONS = 8
DEBLUR_MODULE_PX = 7.5
DEBLUR_BUDGET_S = 1.5
# zxing's own finder search needs ~3 px per module; Telegram-sized photos of prints give 1.3-2.5.
UPSCALE_FACTOR = 2.0
# Model-based reading (vision.qr.model) of outlines zxing found but could not decode and of matched finder
# triples: at most this many distinct outlines are aligned and the best-fitting MODEL_MAX_ALIGNMENTS read
# (every print the stage reads on the eval set was its first or second), with a wall-clock budget only as a
# safety net, so results do not depend on the machine's speed.
MODEL_OUTLINES = 16
MODEL_FINDER_OUTLINES = 4
MODEL_VERSIONS_PER_OUTLINE = 3
MODEL_MAX_ALIGNMENTS = 3
MODEL_BUDGET_S = 8.0
# The model stage also takes the outlines zxing reports on the working image upscaled this much (~25 ms).
MODEL_OUTLINE_UPSCALE = 3.0


@dataclass(frozen=True)
class QrCode:
    text: str
    polygon: Polygon
    decoder: str


# --------------------------------------------------------------------------- input handling


def to_grey(image: np.ndarray) -> np.ndarray:
    """Normalise any reasonable image array to a contiguous uint8 grey image.

    Accepts (H, W), (H, W, 1), (H, W, 3) BGR and (H, W, 4) BGRA arrays of uint8, bool, other integer or
    float dtype (floats in [0, 1] are scaled to [0, 255]). Raises TypeError/ValueError for anything else.
    """
    if not isinstance(image, np.ndarray):
        raise TypeError(f"expected a numpy array, got {type(image).__name__}")
    if image.ndim == 3 and image.shape[2] == 1:
        image = image[:, :, 0]
    if image.ndim not in (2, 3) or (image.ndim == 3 and image.shape[2] not in (3, 4)):
        raise ValueError(f"expected an (H, W), (H, W, 3) or (H, W, 4) image, got shape {image.shape}")
    if image.dtype != np.uint8:
        image = _as_uint8(image)
    if image.ndim == 3:
        code = cv2.COLOR_BGR2GRAY if image.shape[2] == 3 else cv2.COLOR_BGRA2GRAY
        image = cv2.cvtColor(image, code)
    return np.ascontiguousarray(image)


def _as_uint8(image: np.ndarray) -> np.ndarray:
    if image.dtype == np.bool_:
        return image.astype(np.uint8) * 255
    if np.issubdtype(image.dtype, np.floating):
        finite = np.nan_to_num(image.astype(np.float64), nan=0.0, posinf=255.0, neginf=0.0)
        if finite.size and finite.max() <= 1.0:
            finite = finite * 255.0
        return np.clip(finite, 0, 255).astype(np.uint8)
    if np.issubdtype(image.dtype, np.integer):
        if image.size and image.max() > 255:
            # e.g. 16-bit camera output: keep the relative levels.
            return (image.astype(np.float64) * (255.0 / float(image.max()))).astype(np.uint8)
        return np.clip(image, 0, 255).astype(np.uint8)
    raise ValueError(f"unsupported image dtype {image.dtype}")


# --------------------------------------------------------------------------- decoder backends


_QR_ONLY = zxingcpp.BarcodeFormats(zxingcpp.BarcodeFormat.QRCode)


def _zxing_read(grey: np.ndarray, *, try_downscale: bool = True, return_errors: bool = False) -> list[zxingcpp.Barcode]:
    """zxing-cpp's QR reader; the two options and their defaults are zxing-cpp's own."""
    return zxingcpp.read_barcodes(
        grey,
        formats=_QR_ONLY,
        text_mode=zxingcpp.TextMode.Plain,
        try_downscale=try_downscale,
        return_errors=return_errors,
    )


def _zxing_hits(grey: np.ndarray) -> list[RawHit]:
    hits = []
    for barcode in _zxing_read(grey):
        if barcode.valid and barcode.text:
            hits.append((barcode.text, _zxing_polygon(barcode.position)))
    return hits


def _zxing_polygon(position: zxingcpp.Position) -> np.ndarray:
    corners = (position.top_left, position.top_right, position.bottom_right, position.bottom_left)
    return np.array([[p.x, p.y] for p in corners], dtype=np.float64)


@cache
def _pyzbar_module() -> ModuleType | None:
    try:
        from pyzbar import pyzbar
    except (ImportError, OSError) as exc:  # libzbar0 not installed: the cascade runs on zxing alone
        log.warning("pyzbar unavailable (%s); QR decoding falls back to zxing-cpp only", exc)
        return None
    return pyzbar


def _bytes_text(data: bytes) -> str:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("latin-1")


def _pyzbar_hits(grey: np.ndarray) -> list[RawHit]:
    pyzbar = _pyzbar_module()
    if pyzbar is None:
        return []
    hits = []
    for symbol in pyzbar.decode(grey, symbols=[pyzbar.ZBarSymbol.QRCODE]):
        text = _bytes_text(symbol.data)
        if text:
            hits.append((text, np.array([[p.x, p.y] for p in symbol.polygon], dtype=np.float64)))
    return hits


def _opencv_hits(grey: np.ndarray) -> list[RawHit]:
    # The bytes API: the str API raises on payloads that are not UTF-8 (e.g. Shift_JIS).
    try:
        ok, payloads, points, _ = cv2.QRCodeDetector().detectAndDecodeBytesMulti(grey)
    except cv2.error:  # e.g. Kanji mode: "not implemented" in OpenCV's decoder
        return []
    if not ok or points is None:
        return []
    hits = []
    for payload, quad in zip(payloads, points, strict=False):
        text = _bytes_text(bytes(payload))
        if text:
            hits.append((text, np.asarray(quad, dtype=np.float64)))
    return hits


BACKENDS: dict[str, Callable[[np.ndarray], list[RawHit]]] = {
    "zxing": _zxing_hits,
    "pyzbar": _pyzbar_hits,
    "opencv": _opencv_hits,
}
# The cascade's decoders: OpenCV's decoder adds nothing to these two on camera photos and is slower.
REGION_BACKENDS = ("zxing", "pyzbar")


def decode_single(image: np.ndarray, decoder: str) -> list[QrCode]:
    """One decoder on the whole image, no preprocessing: the baseline the cascade is measured against."""
    if decoder not in BACKENDS:
        raise ValueError(f"unknown decoder {decoder!r}; choose from {sorted(BACKENDS)}")
    grey = to_grey(image)
    if min(grey.shape) < MIN_SIDE_PX:
        return []
    results = _Results()
    results.add(BACKENDS[decoder](grey), np.eye(3), decoder)
    return results.codes


# --------------------------------------------------------------------------- result bookkeeping


class _Results:
    """Collected codes, de-duplicated by text and by location (one code read twice with different text)."""

    def __init__(self) -> None:
        self.codes: list[QrCode] = []
        self._polygons: list[np.ndarray] = []

    def add(self, hits: list[RawHit], to_input: np.ndarray, decoder: str) -> int:
        added = 0
        for text, polygon in hits:
            mapped = _apply_homography(to_input, polygon)
            if any(code.text == text for code in self.codes) or self._overlaps_known(mapped):
                continue
            self.codes.append(QrCode(text=text, polygon=_int_polygon(mapped), decoder=decoder))
            self._polygons.append(mapped)
            added += 1
        return added

    def _overlaps_known(self, polygon: np.ndarray) -> bool:
        centre = polygon.mean(axis=0)
        for known in self._polygons:
            contour = known.astype(np.float32).reshape(-1, 1, 2)
            if len(known) >= 3 and cv2.pointPolygonTest(contour, (float(centre[0]), float(centre[1])), False) >= 0:
                return True
        return False


def _apply_homography(matrix: np.ndarray, polygon: np.ndarray) -> np.ndarray:
    points = np.c_[polygon, np.ones(len(polygon))] @ matrix.T
    return points[:, :2] / points[:, 2:3]


def _int_polygon(polygon: np.ndarray) -> Polygon:
    return tuple((round(float(x)), round(float(y))) for x, y in polygon)


def _scale_matrix(scale: float, offset_x: float = 0.0, offset_y: float = 0.0) -> np.ndarray:
    """Maps pixels of a crop at (offset) that was then resized by ``scale`` back to the uncropped image."""
    return np.array([[1 / scale, 0, offset_x], [0, 1 / scale, offset_y], [0, 0, 1]], dtype=np.float64)


# --------------------------------------------------------------------------- cascade


def _attempts(grey: np.ndarray) -> Iterator[tuple[str, np.ndarray]]:
    for variant_name, variant in WHOLE_IMAGE_VARIANTS:
        prepared = variant(grey)
        for backend in REGION_BACKENDS:
            yield f"{backend}/{variant_name}", prepared


def _module_estimate(region: Region, crop: np.ndarray) -> float:
    """Module pitch in the region's pixels: measured from run lengths, else guessed from the code size."""
    if region.module_px > 0:
        return region.module_px
    measured = crop_pitch(crop)
    if measured > 0:
        return measured
    side = region.code_side or max(region.x1 - region.x0, region.y1 - region.y0) / 1.7
    return side / TYPICAL_MODULES


def _try_region(
    grey: np.ndarray,
    region: Region,
    to_input: np.ndarray,
    results: _Results,
    module_targets: tuple[float, ...],
    unread: list[np.ndarray],
) -> bool:
    """Decode one candidate region; outlines zxing saw there but could not read go to ``unread`` (input px)."""
    crop = grey[region.y0 : region.y1, region.x0 : region.x1]
    if min(crop.shape) < MIN_SIDE_PX // 2:
        return False
    pitch = max(0.5, _module_estimate(region, crop))
    for target in module_targets:
        scale = max(1.0, min(MAX_REGION_UPSCALE, MAX_CROP_SIDE / max(crop.shape), target / pitch))
        scaled = resize(crop, scale) if scale > 1 else crop
        # Crop coordinates -> working image -> input image.
        crop_to_input = to_input @ _scale_matrix(scale, region.x0, region.y0)
        for barcode in _zxing_read(scaled, try_downscale=False, return_errors=True):
            outline = _zxing_polygon(barcode.position)
            if barcode.valid and barcode.text:
                label = f"zxing/plain/region:{region.source}:x{scale:.1f}"
                return results.add([(barcode.text, outline)], crop_to_input, label) > 0
            unread.append(_apply_homography(crop_to_input, outline))
        for variant_name, prepared in crop_variants(scaled, max(2.0, pitch * scale)):
            backends = REGION_BACKENDS if variant_name in PYZBAR_CROP_VARIANTS else ("zxing",)
            for backend in backends:
                hits = BACKENDS[backend](prepared)
                if hits:
                    label = f"{backend}/{variant_name}/region:{region.source}:x{scale:.1f}"
                    return results.add(hits, crop_to_input, label) > 0
    return False


def _deblur_region(grey: np.ndarray, region: Region, to_input: np.ndarray, results: _Results, deadline: float) -> bool:
    """Wiener deconvolution by a bank of blur kernels, each restored crop binarised and decoded."""
    crop = grey[region.y0 : region.y1, region.x0 : region.x1]
    if min(crop.shape) < MIN_SIDE_PX // 2:
        return False
    pitch = max(0.5, _module_estimate(region, crop))
    if pitch >= DEBLUR_MAX_PITCH:
        return False
    scale = max(1.0, min(MAX_REGION_UPSCALE, MAX_CROP_SIDE / max(crop.shape), DEBLUR_MODULE_PX / pitch))
    module = pitch * scale
    crop_to_input = to_input @ _scale_matrix(scale, region.x0, region.y0)
    for kernel_name, restored in deblurred_variants(crop, scale):
        smooth = cv2.GaussianBlur(restored, (0, 0), 0.3 * module)
        thresholded = otsu(restored, 0.3 * module)
        attempts = (
            ("plain", restored),
            ("otsu", thresholded),
            ("local4", adaptive(smooth, round(4 * module), 2)),
        )
        # zxing only: it rejects a restored crop without a code in ~0.1 ms, zbar takes ~5 ms.
        for binarised, prepared in attempts:
            hits = _zxing_hits(prepared)
            if hits:
                label = f"zxing/{kernel_name}-{binarised}/region:{region.source}:x{scale:.1f}"
                return results.add(hits, crop_to_input, label) > 0
        if time.perf_counter() > deadline:
            break
    return False


def _distinct_outlines(outlines: list[Outline], limit: int) -> list[Outline]:
    """The first ``limit`` four-corner outlines, without near-repeats of one another (for the same versions)."""
    kept: list[Outline] = []
    for outline, versions in outlines:
        if len(kept) >= limit:
            break
        if len(outline) != 4:
            continue
        side = float(np.ptp(outline, axis=0).max())
        if side < MIN_SIDE_PX / 2 or any(
            tried == versions and np.abs(outline - other).max() < 0.1 * side for other, tried in kept
        ):
            continue
        kept.append((outline, versions))
    return kept


def _read_by_model(grey: np.ndarray, outlines: list[Outline], results: _Results, deadline: float) -> bool:
    """Model-based reading (``vision.qr.model``) of outlines in input pixels, best-aligned first.

    Decoders also report outlines built from finder-like shapes that are not one code; the ECC fit of the
    fixed patterns ranks the real ones first. Each solution is rendered clean for zxing's error correction.
    """
    alignments = []
    for outline, versions in _distinct_outlines(outlines, MODEL_OUTLINES):
        alignments += align_outline(grey, outline, versions or None)[:MODEL_VERSIONS_PER_OUTLINE]
        if time.perf_counter() > deadline:
            break
    for alignment in sorted(alignments, key=lambda item: -item.fit)[:MODEL_MAX_ALIGNMENTS]:
        for reading in read_alignment(grey, alignment):
            hits, how = _zxing_hits(render(reading.bits)), reading.method
            if not hits:
                # Soft decision: the least sure codewords as erasures (twice the errors corrected).
                corrected = soft_correct(reading.values, reading.version)
                hits, how = (_zxing_hits(render(corrected)) if corrected is not None else []), f"{how}-soft"
            if hits:
                label = f"zxing/model-v{reading.version}-{how}"
                return results.add([(hits[0][0], reading.corners)], np.eye(3), label) > 0
        if time.perf_counter() > deadline:
            return False
    return False


def _finder_outlines(work: np.ndarray, work_to_input: np.ndarray) -> list[Outline]:
    """Outlines from matched finder triples (``vision.qr.regions``), in input pixels, one per plausible version.

    Blur widens the finders' profile, so the module count reads high: the versions just below the estimate
    come first. The outline depends on the version (finder centres sit 3.5 modules in), so each gets its own.
    """
    outlines: list[Outline] = []
    for centres, modules in finder_triples(work, MODEL_FINDER_OUTLINES):
        guess = (modules - 17) / 4
        for version in sorted(range(1, MAX_MODEL_VERSION + 1), key=lambda v: abs(v - guess + 0.3))[:3]:
            outline = outline_from_finders(centres, version)
            outlines.append((_apply_homography(work_to_input, outline), (version,)))
    return outlines


def _whole_image_scales(grey: np.ndarray) -> list[float]:
    """Upscales for the last-resort pass on small photos (webcam shots, crops), where it is cheap."""
    return [2.0, 3.0] if max(grey.shape) <= 500 else [2.0]


def _upscaled_zxing(
    work: np.ndarray, work_to_input: np.ndarray, results: _Results, factor: float = UPSCALE_FACTOR
) -> list[np.ndarray]:
    """zxing on the working image upscaled ``factor`` times: its finder search needs ~3 px per module.

    Codes it reads are added; returns the outlines of symbols it saw but could not read, in working-image
    pixels. At 3x and ~1.5 px per module it locates codes (to ~1 px) it cannot sample: those outlines start
    the model-based reading.
    """
    up = resize(work, factor)
    to_input = work_to_input @ _scale_matrix(factor)
    failed = []
    for barcode in _zxing_read(up, try_downscale=False, return_errors=True):
        outline = _zxing_polygon(barcode.position)
        if barcode.valid and barcode.text:
            results.add([(barcode.text, outline)], to_input, f"zxing/full:x{factor:.0f}")
        else:
            failed.append(outline / factor)
    return failed


def _rotated(grey: np.ndarray, degrees: float) -> tuple[np.ndarray, np.ndarray]:
    """Rotate about the centre onto an enlarged canvas; returns the image and the matrix back to ``grey``."""
    height, width = grey.shape
    matrix = cv2.getRotationMatrix2D((width / 2, height / 2), degrees, 1.0)
    cos, sin = abs(matrix[0, 0]), abs(matrix[0, 1])
    new_w, new_h = int(height * sin + width * cos), int(height * cos + width * sin)
    matrix[0, 2] += new_w / 2 - width / 2
    matrix[1, 2] += new_h / 2 - height / 2
    rotated = cv2.warpAffine(grey, matrix, (new_w, new_h), flags=cv2.INTER_LINEAR, borderValue=255)
    forward = np.vstack([matrix, [0, 0, 1]])
    return rotated, np.linalg.inv(forward)


def decode_qr(image: np.ndarray) -> list[QrCode]:
    """Find and decode every QR code in a photo; empty list when there is none (or nothing readable).

    ``image`` is a BGR, BGRA or grey numpy array. Each code is returned once (de-duplicated by text and
    location) with its polygon in input-image pixels and the cascade step that decoded it.
    """
    grey = to_grey(image)
    if min(grey.shape) < MIN_SIDE_PX:
        return []
    results = _Results()
    identity = np.eye(3)

    # 1. Fast path on the whole image.
    failed = []
    for barcode in _zxing_read(grey, return_errors=True):
        if barcode.valid and barcode.text:
            results.add([(barcode.text, _zxing_polygon(barcode.position))], identity, "zxing/full")
        else:
            failed.append(_zxing_polygon(barcode.position))
    if not results.codes:
        zbar_scale = min(1.0, MAX_PYZBAR_SIDE / max(grey.shape))
        zbar_grey = resize(grey, zbar_scale) if zbar_scale < 1 else grey
        results.add(_pyzbar_hits(zbar_grey), _scale_matrix(zbar_scale), "pyzbar/full")

    # 2. Small codes: zxing at twice the resolution, then candidate regions cropped and upscaled.
    # When the fast path already read a code, only the cheap part runs: the 2x pass and the places where
    # a decoder saw a symbol it could not read (a second, smaller code in the same photo).
    thorough = not results.codes
    work_scale = min(1.0, MAX_SEARCH_SIDE / max(grey.shape))
    work = resize(grey, work_scale) if work_scale < 1 else grey
    work_to_input = _scale_matrix(work_scale)
    failed = [outline * work_scale for outline in failed] + _upscaled_zxing(work, work_to_input, results)
    if thorough and results.codes:
        return results.codes
    decoded = [np.array(code.polygon, dtype=np.float64) * work_scale for code in results.codes]
    if thorough:
        regions = candidate_regions(work, failed, skip=decoded, limit=MAX_REGIONS)
    else:
        regions = outline_regions(work, failed, skip=decoded, limit=MAX_REGIONS)
    if thorough:
        failed = _upscaled_zxing(work, work_to_input, results, MODEL_OUTLINE_UPSCALE) + failed
        if results.codes:
            return results.codes
    unread = [_apply_homography(work_to_input, outline) for outline in failed]
    for rank, region in enumerate(regions):
        targets = REGION_MODULE_PX if rank < WIDE_SEARCH_REGIONS else REGION_MODULE_PX[:1]
        if work_scale < 1:
            # Crop from full resolution when we downscaled to search: more pixels per module.
            _try_region(grey, region.scaled(1 / work_scale), identity, results, targets, unread)
        else:
            _try_region(work, region, work_to_input, results, targets, unread)
    if results.codes:
        return results.codes
    if thorough:
        outlines = [(outline, ()) for outline in unread] + _finder_outlines(work, work_to_input)
        if _read_by_model(grey, outlines, results, time.perf_counter() + MODEL_BUDGET_S):
            return results.codes
    if thorough:
        deadline = time.perf_counter() + DEBLUR_BUDGET_S
        for region in regions[:DEBLUR_REGIONS]:
            if time.perf_counter() > deadline:
                break
            if work_scale < 1:
                found = _deblur_region(grey, region.scaled(1 / work_scale), identity, results, deadline)
            else:
                found = _deblur_region(work, region, work_to_input, results, deadline)
            if found:
                return results.codes

    # 3. Small photos only: the whole image upscaled with every variant, then small rotations. On larger
    # photos the region stage has looked closely at every code-like place, and zxing's own downscaled
    # passes (try_downscale) in the fast path cover codes too large and soft for the finder search.
    if max(grey.shape) > SMALL_PHOTO_SIDE:
        return results.codes
    for scale in _whole_image_scales(grey):
        scaled = resize(grey, scale)
        for label, prepared in _attempts(scaled):
            backend = label.split("/", 1)[0]
            if results.add(BACKENDS[backend](prepared), _scale_matrix(scale), f"{label}/full:x{scale:.2f}"):
                return results.codes
    for degrees in (15.0, -15.0, 45.0):
        rotated, back = _rotated(work, degrees)
        for backend in REGION_BACKENDS:
            if results.add(BACKENDS[backend](rotated), work_to_input @ back, f"{backend}/rotate{degrees:+.0f}"):
                return results.codes
    return results.codes
