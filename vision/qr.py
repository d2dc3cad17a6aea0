"""QR code decoding for phone photos of printed photo-booth strips.

``decode_qr`` runs a cascade and stops as early as it can:

1. fast path: zxing-cpp and zbar (pyzbar) on the whole grey image;
2. candidate regions: places where a code probably is (zxing positions of codes it found but could not
   decode, OpenCV's detector, clusters of finder-pattern-like nested squares), each cropped, upscaled
   to a few pixels per module and retried through a list of image variants (CLAHE, sharpening, Otsu and
   adaptive binarisation, inversion) until one decodes;
3. whole-image variants at other scales (upscale small photos, downscale huge ones), then small rotations.

Pure: numpy arrays in, dataclasses out. Every result's polygon is mapped back to input-image pixels.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import cache

import cv2
import numpy as np
import zxingcpp

log = logging.getLogger(__name__)

Point = tuple[int, int]
Polygon = tuple[Point, ...]
RawHit = tuple[str, np.ndarray]  # decoded text, polygon as float (N, 2) array in the decoded image's pixels

# Images smaller than this on either side cannot hold a readable QR code (21 modules + quiet zone).
MIN_SIDE_PX = 21
# Working resolution caps: zbar gets slow and finder search noisy above these long sides.
MAX_PYZBAR_SIDE = 2000
MAX_SEARCH_SIDE = 1600
# Crops are rescaled so a candidate region is about this wide: ~6-10 px per module for versions 1-10.
REGION_TARGET_PX = 360
MAX_REGION_UPSCALE = 6.0
MAX_REGIONS = 8


@dataclass(frozen=True)
class QrCode:
    text: str
    polygon: Polygon
    decoder: str


@dataclass(frozen=True)
class _Region:
    """An axis-aligned candidate box in working-image pixels."""

    x0: int
    y0: int
    x1: int
    y1: int
    source: str

    @property
    def area(self) -> int:
        return max(0, self.x1 - self.x0) * max(0, self.y1 - self.y0)

    def overlap(self, other: _Region) -> float:
        ix = max(0, min(self.x1, other.x1) - max(self.x0, other.x0))
        iy = max(0, min(self.y1, other.y1) - max(self.y0, other.y0))
        inter = ix * iy
        return inter / max(1, min(self.area, other.area))


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


def _zxing_hits(grey: np.ndarray) -> list[RawHit]:
    hits = []
    for barcode in zxingcpp.read_barcodes(
        grey, formats=zxingcpp.BarcodeFormat.QRCode, text_mode=zxingcpp.TextMode.Plain
    ):
        if barcode.valid and barcode.text:
            hits.append((barcode.text, _zxing_polygon(barcode.position)))
    return hits


def _zxing_polygon(position: zxingcpp.Position) -> np.ndarray:
    corners = (position.top_left, position.top_right, position.bottom_right, position.bottom_left)
    return np.array([[p.x, p.y] for p in corners], dtype=np.float64)


def _zxing_failed_positions(grey: np.ndarray) -> list[np.ndarray]:
    """Where zxing found a QR symbol but could not decode it."""
    found = zxingcpp.read_barcodes(grey, formats=zxingcpp.BarcodeFormat.QRCode, return_errors=True, try_downscale=True)
    return [_zxing_polygon(b.position) for b in found if not b.valid]


@cache
def _pyzbar_module():
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


# --------------------------------------------------------------------------- image variants


def _clahe(grey: np.ndarray) -> np.ndarray:
    tiles = max(2, min(8, min(grey.shape) // 64))
    return cv2.createCLAHE(clipLimit=2.5, tileGridSize=(tiles, tiles)).apply(grey)


def _sharpen(grey: np.ndarray) -> np.ndarray:
    sigma = max(1.0, min(grey.shape) / 300)
    blurred = cv2.GaussianBlur(grey, (0, 0), sigma)
    return cv2.addWeighted(grey, 2.0, blurred, -1.0, 0)


def _otsu(grey: np.ndarray) -> np.ndarray:
    smoothed = cv2.GaussianBlur(grey, (3, 3), 0)
    return cv2.threshold(smoothed, 0, 255, cv2.THRESH_BINARY + cv2.THRESH_OTSU)[1]


def _adaptive(grey: np.ndarray) -> np.ndarray:
    block = max(11, (min(grey.shape) // 12) | 1)
    return cv2.adaptiveThreshold(grey, 255, cv2.ADAPTIVE_THRESH_MEAN_C, cv2.THRESH_BINARY, block, 5)


def _sharp_otsu(grey: np.ndarray) -> np.ndarray:
    return _otsu(_sharpen(_clahe(grey)))


def _invert(grey: np.ndarray) -> np.ndarray:
    return cv2.bitwise_not(grey)


def _denoise(grey: np.ndarray) -> np.ndarray:
    return cv2.medianBlur(grey, 3)


# Ordered cheapest / most often useful first; each variant is tried with every backend before the next.
VARIANTS: tuple[tuple[str, Callable[[np.ndarray], np.ndarray]], ...] = (
    ("plain", lambda g: g),
    ("clahe", _clahe),
    ("sharpen", _sharpen),
    ("otsu", _otsu),
    ("adaptive", _adaptive),
    ("clahe-sharpen-otsu", _sharp_otsu),
    ("median", _denoise),
    ("invert", _invert),
)
REGION_BACKENDS = ("zxing", "pyzbar")


def _resize(grey: np.ndarray, scale: float) -> np.ndarray:
    interpolation = cv2.INTER_CUBIC if scale > 1 else cv2.INTER_AREA
    return cv2.resize(grey, None, fx=scale, fy=scale, interpolation=interpolation)


# --------------------------------------------------------------------------- candidate regions


def _finder_centres(grey: np.ndarray) -> list[tuple[float, float, float]]:
    """Centres and sizes of nested dark/light/dark squares (QR finder patterns) in a binarised image."""
    found: list[tuple[float, float, float]] = []
    for binary in (_adaptive(grey), _otsu(grey)):
        contours, hierarchy = cv2.findContours(255 - binary, cv2.RETR_TREE, cv2.CHAIN_APPROX_SIMPLE)
        if hierarchy is None:
            continue
        tree = hierarchy[0]
        for index, contour in enumerate(contours):
            child = tree[index][2]
            if child < 0 or tree[child][2] < 0:
                continue
            grandchild = tree[child][2]
            outer_area = cv2.contourArea(contour)
            inner_area = cv2.contourArea(contours[grandchild])
            if outer_area < 16 or inner_area <= 0:
                continue
            # Finder pattern: 7x7 outer, 3x3 core -> area ratio ~5.4, loose for blur and perspective.
            if not 2.0 < outer_area / inner_area < 14.0:
                continue
            x, y, w, h = cv2.boundingRect(contour)
            if not 0.5 < w / max(h, 1) < 2.0:
                continue
            if cv2.contourArea(cv2.convexHull(contour)) > 1.35 * outer_area:
                continue
            found.append((x + w / 2, y + h / 2, float(max(w, h))))
    return found


def _finder_regions(grey: np.ndarray) -> list[_Region]:
    """Boxes around pairs of similar finder patterns at plausible QR distances."""
    centres = _finder_centres(grey)
    # Merge duplicates found by both binarisations.
    unique: list[tuple[float, float, float]] = []
    for cx, cy, size in sorted(centres, key=lambda c: -c[2]):
        if all(np.hypot(cx - ux, cy - uy) > 0.5 * max(size, us) for ux, uy, us in unique):
            unique.append((cx, cy, size))
    unique = unique[:40]
    height, width = grey.shape
    regions = []
    for i, (ax, ay, asize) in enumerate(unique):
        for bx, by, bsize in unique[i + 1 :]:
            if not 0.6 < asize / bsize < 1.6:
                continue
            distance = float(np.hypot(ax - bx, ay - by))
            size = (asize + bsize) / 2
            # Finder centres are 14 modules apart in version 1 and ~3x that in version 10, over 7-module finders.
            if not 1.8 * size < distance < 9.0 * size:
                continue
            half = 1.25 * distance + size
            mx, my = (ax + bx) / 2, (ay + by) / 2
            regions.append(
                _Region(
                    max(0, int(mx - half)),
                    max(0, int(my - half)),
                    min(width, int(mx + half)),
                    min(height, int(my + half)),
                    "finder",
                )
            )
    return regions


def _polygon_region(polygon: np.ndarray, shape: tuple[int, int], source: str, margin: float = 0.35) -> _Region:
    height, width = shape
    x0, y0 = polygon.min(axis=0)
    x1, y1 = polygon.max(axis=0)
    pad = margin * max(x1 - x0, y1 - y0, 8)
    return _Region(
        max(0, int(x0 - pad)), max(0, int(y0 - pad)), min(width, int(x1 + pad)), min(height, int(y1 + pad)), source
    )


def _opencv_regions(grey: np.ndarray) -> list[_Region]:
    regions = []
    for detector in (cv2.QRCodeDetectorAruco(), cv2.QRCodeDetector()):
        try:
            ok, points = detector.detectMulti(grey)
        except cv2.error:
            continue
        if ok and points is not None:
            regions.extend(_polygon_region(np.asarray(q, dtype=np.float64), grey.shape, "opencv") for q in points)
        if regions:
            break
    return regions


def _candidate_regions(grey: np.ndarray) -> list[_Region]:
    shape = grey.shape
    regions = [_polygon_region(p, shape, "zxing-position") for p in _zxing_failed_positions(grey)]
    regions += _opencv_regions(grey)
    regions += sorted(_finder_regions(grey), key=lambda r: r.area)
    kept: list[_Region] = []
    for region in regions:
        if region.area < MIN_SIDE_PX**2 or region.area > 0.9 * shape[0] * shape[1]:
            continue
        if any(region.overlap(other) > 0.7 for other in kept):
            continue
        kept.append(region)
        if len(kept) >= MAX_REGIONS:
            break
    return kept


# --------------------------------------------------------------------------- cascade


def _attempts(grey: np.ndarray) -> Iterator[tuple[str, np.ndarray]]:
    for variant_name, variant in VARIANTS:
        prepared = variant(grey)
        for backend in REGION_BACKENDS:
            yield f"{backend}/{variant_name}", prepared


def _try_region(grey: np.ndarray, region: _Region, to_input: np.ndarray, results: _Results) -> bool:
    crop = grey[region.y0 : region.y1, region.x0 : region.x1]
    side = max(crop.shape)
    scale = min(MAX_REGION_UPSCALE, max(1.0, REGION_TARGET_PX / side))
    scaled = _resize(crop, scale) if scale > 1 else crop
    # Crop coordinates -> working image -> input image.
    crop_to_input = to_input @ _scale_matrix(scale, region.x0, region.y0)
    for label, prepared in _attempts(scaled):
        backend = label.split("/", 1)[0]
        hits = BACKENDS[backend](prepared)
        if hits:
            results.add(hits, crop_to_input, f"{label}/region:{region.source}:x{scale:.1f}")
            return True
    return False


def _whole_image_scales(grey: np.ndarray) -> list[float]:
    long_side = max(grey.shape)
    if long_side <= 500:
        return [2.0, 3.0]
    if long_side <= 1100:
        return [2.0]
    return [1.0, 1100 / long_side]


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
    results.add(_zxing_hits(grey), identity, "zxing/full")
    zbar_scale = min(1.0, MAX_PYZBAR_SIDE / max(grey.shape))
    zbar_grey = _resize(grey, zbar_scale) if zbar_scale < 1 else grey
    results.add(_pyzbar_hits(zbar_grey), _scale_matrix(zbar_scale), "pyzbar/full")
    if results.codes:
        return results.codes

    # 2. Candidate regions, searched at a bounded working resolution.
    work_scale = min(1.0, MAX_SEARCH_SIDE / max(grey.shape))
    work = _resize(grey, work_scale) if work_scale < 1 else grey
    work_to_input = _scale_matrix(work_scale)
    for region in _candidate_regions(work):
        # Crop from full resolution when we downscaled to search: more pixels per module.
        if work_scale < 1:
            full_region = _Region(
                int(region.x0 / work_scale),
                int(region.y0 / work_scale),
                int(region.x1 / work_scale),
                int(region.y1 / work_scale),
                region.source,
            )
            _try_region(grey, full_region, identity, results)
        else:
            _try_region(work, region, work_to_input, results)
    if results.codes:
        return results.codes

    # 3. Whole image at other scales with every variant, then small rotations.
    for scale in _whole_image_scales(grey):
        scaled = _resize(grey, scale) if scale != 1 else grey
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
