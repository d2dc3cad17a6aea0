"""Where a QR code probably is in a photo, for codes too small or blurred for the decoders' own search.

Two independent localisers, each returning axis-aligned boxes (``Region``) in the given image's pixels:

* ``module_cluster_regions``: a QR symbol is one dense, square cluster of dark modules surrounded by a light
  quiet zone. After a local threshold and a one-pixel dilation the modules join into one blob whose convex
  hull is nearly a filled rectangle, about half dark, with many dark/light transitions per pixel. This
  works on codes with only ~1.5 px per module, where finder patterns no longer show as nested squares.
* ``finder_regions``: pairs of nested dark/light/dark squares (finder patterns) at plausible QR distances.

The decoders' own "found but could not decode" positions are turned into regions by ``polygon_region``.
(OpenCV's QR detectors were tried here too: ~140 ms per photo each and no code found that these missed.)
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from functools import cache

import cv2
import numpy as np

from vision.qr.variants import adaptive, otsu

# Module clusters: blob sides (px) that can hold a code at >= ~1.3 px/module, and at most this many boxes.
CLUSTER_MIN_SIDE = 20
CLUSTER_MAX_SIDE = 420
CLUSTER_LIMIT = 8
CLUSTER_BLOCKS = (15, 31)
# A version-1 code is 21 modules across; run lengths overestimate the pitch of a blurred code by ~10-20 %.
MIN_MODULES_ACROSS = 18
# Matched finders: sides (px) of the correlation templates, 9 modules each, so 1.0-2.3 px per module; the
# least correlation that counts, and how many of the best spots are combined into triples.
MATCHED_FINDER_SIDES = (9, 11, 13, 15, 17, 19, 21)
MATCHED_FINDER_MIN = 0.45
MATCHED_FINDER_LIMIT = 40


@dataclass(frozen=True)
class Region:
    """An axis-aligned candidate box; ``code_side`` is the estimated symbol side in the same pixels."""

    x0: int
    y0: int
    x1: int
    y1: int
    source: str
    code_side: float = 0.0
    module_px: float = 0.0  # estimated module pitch, 0 when unknown

    @property
    def area(self) -> int:
        return max(0, self.x1 - self.x0) * max(0, self.y1 - self.y0)

    def overlap(self, other: Region) -> float:
        ix = max(0, min(self.x1, other.x1) - max(self.x0, other.x0))
        iy = max(0, min(self.y1, other.y1) - max(self.y0, other.y0))
        return ix * iy / max(1, min(self.area, other.area))

    def scaled(self, factor: float) -> Region:
        return Region(
            int(self.x0 * factor),
            int(self.y0 * factor),
            int(np.ceil(self.x1 * factor)),
            int(np.ceil(self.y1 * factor)),
            self.source,
            self.code_side * factor,
            self.module_px * factor,
        )


def polygon_region(polygon: np.ndarray, shape: tuple[int, ...], source: str, margin: float = 0.35) -> Region:
    """Box around a code outline with a margin for the quiet zone and for outline errors."""
    height, width = shape[:2]
    x0, y0 = polygon.min(axis=0)
    x1, y1 = polygon.max(axis=0)
    side = max(x1 - x0, y1 - y0, 8)
    pad = margin * side
    return Region(
        max(0, int(x0 - pad)),
        max(0, int(y0 - pad)),
        min(width, int(x1 + pad)),
        min(height, int(y1 + pad)),
        source,
        float(side),
    )


# --------------------------------------------------------------------------- module clusters


def _transition_density(dark: np.ndarray) -> float:
    """Dark/light changes per pixel along rows and columns, over the region's area."""
    changes = np.count_nonzero(dark[:, 1:] != dark[:, :-1]) + np.count_nonzero(dark[1:, :] != dark[:-1, :])
    return changes / (2.0 * max(1, dark.size))


def _cluster_score(binary: np.ndarray, contour: np.ndarray) -> float | None:
    """How QR-like one joined dark blob is (transitions per pixel), or None when it cannot be a code."""
    x, y, w, h = cv2.boundingRect(contour)
    if not CLUSTER_MIN_SIDE <= max(w, h) <= CLUSTER_MAX_SIDE or min(w, h) < 0.5 * max(w, h):
        return None
    hull = cv2.convexHull(contour)
    hull_area = cv2.contourArea(hull)
    _, (rect_w, rect_h), _ = cv2.minAreaRect(hull)
    # A code seen under perspective is still a convex quadrilateral: its hull fills its bounding rectangle.
    if hull_area < 0.5 * CLUSTER_MIN_SIDE**2 or hull_area < 0.8 * rect_w * rect_h:
        return None
    mask = np.zeros((h, w), np.uint8)
    cv2.drawContours(mask, [hull - (x, y)], -1, 255, -1)
    inside = mask > 0
    dark = (binary[y : y + h, x : x + w] > 0) & inside
    dark_share = np.count_nonzero(dark) / max(1, int(np.count_nonzero(inside)))
    if not 0.3 < dark_share < 0.8:
        return None
    density = _transition_density(dark) * dark.size / max(1.0, hull_area)
    if density < 0.08:
        return None
    return density * _quiet_zone_share(binary, x, y, w, h) ** 2


def _quiet_zone_share(binary: np.ndarray, x: int, y: int, w: int, h: int) -> float:
    """Light share of a ring around a blob's box, a few modules out: a code's quiet zone is all light.

    Textured photo regions (hair, foliage, print edges) join into blobs too, but other dark blobs lie
    right beside them; ranking by this keeps a small code among the first candidates.
    """
    height, width = binary.shape
    gap, ring = 1, max(2, round(0.06 * max(w, h)))
    x0, y0 = max(0, x - gap - ring), max(0, y - gap - ring)
    x1, y1 = min(width, x + w + gap + ring), min(height, y + h + gap + ring)
    outer = binary[y0:y1, x0:x1] > 0
    inner = np.zeros_like(outer)
    inner[max(0, y - gap - y0) : y + h + gap - y0, max(0, x - gap - x0) : x + w + gap - x0] = True
    ring_pixels = ~inner
    if not ring_pixels.any():
        return 0.0
    return 1.0 - np.count_nonzero(outer & ring_pixels) / np.count_nonzero(ring_pixels)


def run_length_pitch(dark: np.ndarray) -> float:
    """Module pitch from the run lengths of a binarised code (True = dark), 0.0 when there are too few runs.

    Data modules are close to random bits, so dark and light runs are geometric with a mean of two
    modules: half the mean run length is the pitch (blur merging a few runs biases it only slightly).
    Only the middle half of rows and columns is read, where the code is when the box has a margin.
    """
    runs: list[np.ndarray] = []
    for lines in (dark, dark.T):
        for line in lines[len(lines) // 4 : 3 * len(lines) // 4]:
            edges = np.flatnonzero(line[1:] != line[:-1])
            if len(edges) > 2:
                runs.append(np.diff(edges[1:-1]) if len(edges) > 4 else np.diff(edges))
    return float(np.concatenate(runs).mean()) / 2 if runs else 0.0


def crop_pitch(crop: np.ndarray) -> float:
    """``run_length_pitch`` of a grey crop around a code, binarised locally."""
    binary = cv2.adaptiveThreshold(crop, 255, cv2.ADAPTIVE_THRESH_MEAN_C, cv2.THRESH_BINARY_INV, 15, 4)
    height, width = crop.shape
    # Only the central part, so background beside the code does not count.
    return run_length_pitch(binary[height // 4 : 3 * height // 4, width // 4 : 3 * width // 4] > 0)


def _blob_outlines(binary: np.ndarray) -> list[np.ndarray]:
    """Outer boundaries of every dark blob, also of blobs that lie inside a hole of another one.

    A code on the white patch of a dark-framed print sits inside the ring that the frame's edge leaves
    in a local threshold: external contours alone would return only that ring.
    """
    contours, hierarchy = cv2.findContours(binary, cv2.RETR_CCOMP, cv2.CHAIN_APPROX_SIMPLE)
    if hierarchy is None:
        return []
    return [contour for contour, links in zip(contours, hierarchy[0], strict=True) if links[3] < 0]


def module_cluster_regions(grey: np.ndarray) -> list[Region]:
    """Square blobs of joined dark modules, most textured first."""
    scored: list[tuple[float, Region]] = []
    for block in CLUSTER_BLOCKS:
        binary = cv2.adaptiveThreshold(grey, 255, cv2.ADAPTIVE_THRESH_MEAN_C, cv2.THRESH_BINARY_INV, block, 4)
        joined = cv2.dilate(binary, np.ones((3, 3), np.uint8))
        for contour in _blob_outlines(joined):
            score = _cluster_score(binary, contour)
            if score is not None:
                polygon = contour.reshape(-1, 2).astype(np.float64)
                region = polygon_region(polygon, grey.shape, "cluster")
                tight = polygon_region(polygon, grey.shape, "cluster", margin=0.0)
                pitch = run_length_pitch(binary[tight.y0 : tight.y1, tight.x0 : tight.x1] > 0)
                scored.append((score, dataclasses.replace(region, module_px=pitch)))
    # Blobs too few modules across to hold a version-1 code (text, hair, small print details) go last:
    # their dense small-scale texture would otherwise outrank a real, blurred code. Blur merges runs and
    # so undercounts modules; the bound leaves room for that.
    scored.sort(key=lambda item: (_modules_across(item[1]) < MIN_MODULES_ACROSS, -item[0]))
    return [region for _, region in scored]


def _modules_across(region: Region) -> float:
    return region.code_side / region.module_px if region.module_px > 0 else float("inf")


# --------------------------------------------------------------------------- finder patterns


def _finder_centres(grey: np.ndarray) -> list[tuple[float, float, float]]:
    """Centres and sizes of nested dark/light/dark squares (QR finder patterns) in a binarised image."""
    found: list[tuple[float, float, float]] = []
    for binary in (adaptive(grey), otsu(grey)):
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


@cache
def _finder_template(side: int) -> np.ndarray:
    """A finder pattern with its light separator (9 x 9 modules) area-sampled to ``side`` px, softened by a
    blur of 0.4 module as a small code in a phone photo shows it (a sharp template loses half its correlation
    at half a pixel off)."""
    rings = np.maximum.outer(np.abs(np.arange(9) - 4), np.abs(np.arange(9) - 4))
    pattern = np.where(np.isin(rings, (0, 1, 3)), 0.0, 1.0).astype(np.float32)
    template = cv2.resize(np.kron(pattern, np.ones((16, 16), np.float32)), (side, side), interpolation=cv2.INTER_AREA)
    return cv2.GaussianBlur(template, (0, 0), 0.4 * side / 9, borderType=cv2.BORDER_REPLICATE)


def _matched_finders(grey: np.ndarray) -> list[tuple[float, np.ndarray, float]]:
    """(score, centre, pitch) of finder-pattern-like spots by normalised correlation with blurred finders.

    Blur merges a small finder's rings, so the nested-contour search (``_finder_centres``) no longer sees it;
    the correlation with the whole 1:1:3:1:1 profile still peaks at its centre.
    """
    image = grey.astype(np.float32)
    peaks: list[tuple[float, np.ndarray, float]] = []
    for side in MATCHED_FINDER_SIDES:
        pitch = side / 9
        template = _finder_template(side)
        score = cv2.matchTemplate(image, template, cv2.TM_CCOEFF_NORMED)
        window = round(5 * pitch) | 1
        is_peak = (score >= cv2.dilate(score, np.ones((window, window), np.uint8))) & (score > MATCHED_FINDER_MIN)
        half = template.shape[0] // 2
        for y, x in zip(*np.nonzero(is_peak), strict=True):
            peaks.append((float(score[y, x]), np.array([x + half, y + half], dtype=np.float64), pitch))
    peaks.sort(key=lambda peak: -peak[0])
    kept: list[tuple[float, np.ndarray, float]] = []
    for peak in peaks:
        if all(np.linalg.norm(peak[1] - other[1]) > 3.5 * max(peak[2], other[2]) for other in kept):
            kept.append(peak)
            if len(kept) == MATCHED_FINDER_LIMIT:
                break
    return kept


def finder_triples(grey: np.ndarray, limit: int = 6) -> list[tuple[np.ndarray, float]]:
    """Three matched finders that can be one code: centres (top-left, top-right, bottom-left) and modules across.

    Three finders of one code form a right isosceles triangle (loosely, under up to ~25 degrees of tilt)
    whose legs are ``modules - 7`` module pitches long; the corner finder is top-left and the code's
    orientation follows from which side the other two lie on. Best-scoring triples first. The module count
    is an estimate (blur widens a finder's profile); ``outline_from_finders`` turns a triple and a version
    into symbol corners.
    """
    finders = _matched_finders(grey)
    if len(finders) < 3:
        return []
    scores = np.array([f[0] for f in finders])
    centres = np.array([f[1] for f in finders])
    pitches = np.array([f[2] for f in finders])
    # Index arrays over every (corner, b, c) with b < c and the corner different from both.
    corner, b, c = np.meshgrid(*(np.arange(len(finders)),) * 3, indexing="ij")
    keep = (b < c) & (corner != b) & (corner != c)
    corner, b, c = corner[keep], b[keep], c[keep]
    leg_b, leg_c = centres[b] - centres[corner], centres[c] - centres[corner]
    length_b, length_c = np.linalg.norm(leg_b, axis=1), np.linalg.norm(leg_c, axis=1)
    three = np.stack([pitches[corner], pitches[b], pitches[c]], axis=1)
    modules = (length_b + length_c) / 2 / three.mean(axis=1) + 7
    ratio = length_b / np.maximum(length_c, 1e-6)
    dot = np.abs((leg_b * leg_c).sum(axis=1))
    good = (
        (three.max(axis=1) <= 1.5 * three.min(axis=1))
        & (ratio > 0.7)
        & (ratio < 1.43)
        & (dot <= 0.45 * length_b * length_c)
        & (modules >= 15)
        & (modules <= 50)
    )
    found = []
    for index in np.flatnonzero(good)[np.argsort(-(scores[corner] + scores[b] + scores[c])[good], kind="stable")][
        :limit
    ]:
        lb, lc = leg_b[index], leg_c[index]
        # y points down: the top-right finder is the one for which the turn to bottom-left is clockwise.
        right, below = (b[index], c[index]) if lb[0] * lc[1] - lb[1] * lc[0] > 0 else (c[index], b[index])
        found.append((np.array([centres[corner[index]], centres[right], centres[below]]), float(modules[index])))
    return found


def outline_from_finders(centres: np.ndarray, version: int) -> np.ndarray:
    """Symbol corners (TL, TR, BR, BL) from the three finder centres, each 3.5 modules in from its corner."""
    top_left, top_right, bottom_left = centres
    modules = 17 + 4 * version
    across = (top_right - top_left) / (modules - 7)
    down = (bottom_left - top_left) / (modules - 7)
    tl = top_left - 3.5 * (across + down)
    tr = top_right + 3.5 * (across - down)
    bl = bottom_left + 3.5 * (down - across)
    return np.array([tl, tr, tr + bl - tl, bl])


def finder_regions(grey: np.ndarray) -> list[Region]:
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
                Region(
                    max(0, int(mx - half)),
                    max(0, int(my - half)),
                    min(width, int(mx + half)),
                    min(height, int(my + half)),
                    "finder",
                    # Adjacent finders: the side is their distance plus one finder; diagonal ones overestimate.
                    distance + size,
                )
            )
    return regions


def candidate_regions(
    grey: np.ndarray, failed_outlines: list[np.ndarray], skip: list[np.ndarray], limit: int
) -> list[Region]:
    """Up to ``limit`` distinct boxes, most promising first.

    ``failed_outlines`` are outlines a decoder found but could not read; boxes whose centre lies inside
    one of the ``skip`` outlines (codes already decoded) are dropped.
    """
    ordered = [polygon_region(p, grey.shape, "decoder-position") for p in failed_outlines]
    ordered += module_cluster_regions(grey)[: 2 * limit]
    ordered += sorted(finder_regions(grey), key=lambda r: r.area)
    return _distinct(ordered, grey.shape, skip, limit)


def outline_regions(
    grey: np.ndarray, failed_outlines: list[np.ndarray], skip: list[np.ndarray], limit: int
) -> list[Region]:
    """Only the boxes around ``failed_outlines`` (no search of the image): the cheap subset."""
    ordered = [polygon_region(p, grey.shape, "decoder-position") for p in failed_outlines]
    return _distinct(ordered, grey.shape, skip, limit)


def _distinct(ordered: list[Region], shape: tuple[int, ...], skip: list[np.ndarray], limit: int) -> list[Region]:
    kept: list[Region] = []
    for region in ordered:
        if region.area < 21**2 or region.area > 0.9 * shape[0] * shape[1]:
            continue
        if any(_same_place(region, other) for other in kept) or _inside_any(region, skip):
            continue
        kept.append(region)
        if len(kept) >= limit:
            break
    return kept


def _same_place(a: Region, b: Region) -> bool:
    # Boxes of very different sizes at one place are different guesses (a decoder's outline can be off).
    return a.overlap(b) > 0.7 and 0.5 < a.area / max(1, b.area) < 2.0


def _inside_any(region: Region, outlines: list[np.ndarray]) -> bool:
    centre = ((region.x0 + region.x1) / 2, (region.y0 + region.y1) / 2)
    return any(
        cv2.pointPolygonTest(outline.astype(np.float32).reshape(-1, 1, 2), centre, False) >= 0
        for outline in outlines
        if len(outline) >= 3
    )
