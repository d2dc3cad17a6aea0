"""Split a photo-booth file into its frames ("cuts"): 1x4 strips, 2x2 / 2x3 grids, doubled sheets, single photos.

How, on a downscaled (640 px) and, when needed, deskewed copy (projection-profile search, within 3 degrees):
1. Gutters are lines (rows, then columns across the chosen row bands, and the other way round) whose pixels nearly
   all match the line's median colour and, when the outer ring shows one margin colour, that colour. The runs
   between them are frame bands; bands of alike size form the grid (logo, date and caption bands differ in size), and
   a regular pitch adds a frame whose dark (or pale) picture melted into a border of its colour.
2. On a decorated background (leaves, stickers across gutters, oval masks) the same is done with lines that are
   mostly margin colour, with stricter checks: margins on every side and one picture shape in every cell.
3. A grid counts only with frames of alike size, booth-like aspect ratios, most of the file covered, a known
   layout, and straight edges (the picture differs from the gutter all along each frame's edge). Anything else —
   party photos with strong straight lines, plain walls or skies, people standing apart against a backdrop — stays
   "single".
4. A sheet holding the strip twice (Life4Cuts prints two identical strips side by side) is recognised by correlating
   the cells of one half with the other's; only the first copy's frames are returned.
5. Frame edges are moved to the exact gutter/picture transition in the full-resolution image.

Layout names are columns x rows, as photo-booth prints are named: "1x4" is the vertical strip of four frames, "4x1"
the horizontal one, "2x3" two columns of three; `CutLayout.cols` / `.rows` say it without ambiguity.
Pure: an RGB uint8 array in, dataclasses out.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import cv2
import numpy as np

ANALYSIS_SIDE = 640  # the long side the analysis runs at
LINE_SAMPLES = 200  # pixels sampled along a line to judge whether it is uniform
REFERENCE_SAMPLES = 15
SKEW_SIDE = 256  # the long side the skew search runs at
SKEW_LIMIT_DEG = 3.0
COLOUR_TOLERANCE = 20.0  # max channel difference (0-255) from the run's median colour that still counts as uniform
SEPARATOR_FRACTION = 0.9  # share of a row's pixels that must be uniform for the row to be background
MIN_BAND_FRACTION = 0.03  # non-uniform runs thinner than this (of the side) are noise inside a gutter
SIZE_TOLERANCE = 0.12  # frames of one grid differ by at most this much in width and height
BACKGROUND_TOLERANCE = 32.0  # a gutter's colour is within this of the margin's colour
RING_SHARE = 0.5  # one colour covers this share of the outer ring: the print has a margin of that colour
PATTERN_FRACTION = 0.5  # on a decorated background, a gutter line is at least half margin colour
PATTERN_CONTENT = 0.7  # ... and a frame line, across the frame columns, at least this much picture
PATTERN_SIZE_TOLERANCE = 0.2  # masks and leaves blur a frame's extent there
TEMPLATE_FILL = 0.6  # the picture fills this much of its cell (an oval fills 0.79)
TEMPLATE_AGREEMENT = 0.8  # IoU of each cell's picture mask with the cells' common mask
EDGE_INSET = 2  # pixels inside a frame's edge where the edge test looks (past the blur)
EDGE_CONTENT = 0.5  # share of an edge line that must differ from the gutter beside it: frames are rectangles
MIN_COVERAGE = 0.4  # the frames cover at least this share of the file
ASPECT_RANGE = (0.45, 2.3)  # width / height of one booth frame
# Correlation of paired cells (grey, analysis scale) that makes two halves one strip printed twice. Copies of one
# print correlate above 0.99 even through JPEG at quality 60; consecutive shots of the same pose stay below.
DUPLICATE_NCC = 0.97
DUPLICATE_SHIFT = 3  # pixels the two copies' boxes may be off by

# (cols, rows) of one copy of the strip that booths print. Two frames are left out on purpose: one uniform band
# across a photo would otherwise split it.
KNOWN_LAYOUTS = frozenset({(1, 4), (4, 1), (2, 2), (2, 3), (3, 2), (1, 3), (3, 1), (2, 4), (4, 2), (1, 6), (6, 1)})


@dataclass(frozen=True)
class Frame:
    index: int  # 0-based, reading order
    box: tuple[int, int, int, int]  # x, y, w, h in the full image


@dataclass(frozen=True)
class CutLayout:
    kind: str  # "single", or "<cols>x<rows>" of one copy: "1x4" vertical strip, "4x1", "2x2", "2x3", ...
    frames: tuple[Frame, ...]  # of ONE copy of the strip
    duplicated: bool  # the file holds the strip twice (Life4Cuts prints two strips side by side)

    @property
    def cols(self) -> int:
        return 1 if self.kind == "single" else int(self.kind.split("x")[0])

    @property
    def rows(self) -> int:
        return 1 if self.kind == "single" else int(self.kind.split("x")[1])


@dataclass(frozen=True)
class _Grid:
    """Frames found on the analysis image: row spans (y0, y1) x column spans (x0, x1), end-exclusive."""

    rows: tuple[tuple[int, int], ...]
    cols: tuple[tuple[int, int], ...]

    def box(self, r: int, c: int) -> tuple[int, int, int, int]:
        (y0, y1), (x0, x1) = self.rows[r], self.cols[c]
        return x0, y0, x1 - x0, y1 - y0

    def transposed(self) -> _Grid:
        return _Grid(rows=self.cols, cols=self.rows)


def split_cuts(rgb: np.ndarray) -> CutLayout:
    """The frames of a 4-cut file in reading order; a plain photo comes back as one "single" frame."""
    if rgb.ndim != 3 or rgb.shape[2] != 3:
        raise ValueError(f"expected an RGB array (H, W, 3), got shape {rgb.shape}")
    height, width = rgb.shape[:2]
    single = CutLayout(kind="single", frames=(Frame(0, (0, 0, width, height)),), duplicated=False)
    if min(height, width) < 32:
        return single
    small, scale = _downscale(rgb, ANALYSIS_SIDE)
    # a scan or a photo of the print may be a little rotated; booth files are upright (angle 0)
    angle = _estimate_skew(small)
    work = cv2.GaussianBlur(_rotate(small, angle) if angle else small, (3, 3), 0)
    grid = _best_grid(work)
    if grid is None and angle:
        angle = 0.0
        work = cv2.GaussianBlur(small, (3, 3), 0)
        grid = _best_grid(work)
    if grid is None:
        return single
    grid, duplicated = _drop_duplicate_copy(work.astype(np.int16), grid)
    if (len(grid.cols), len(grid.rows)) not in KNOWN_LAYOUTS:
        return single
    frames: list[Frame] = []
    for r in range(len(grid.rows)):
        for c in range(len(grid.cols)):
            box = _to_original(grid.box(r, c), angle, work.shape, scale, (width, height))
            if not angle:
                box = _refine_box(rgb, box, _gutters(grid, r, c, work.shape), scale)
            frames.append(Frame(len(frames), box))
    return CutLayout(kind=f"{len(grid.cols)}x{len(grid.rows)}", frames=tuple(frames), duplicated=duplicated)


def _downscale(rgb: np.ndarray, side: int) -> tuple[np.ndarray, float]:
    """Shrink so the long side is at most `side`: Gaussian pyramid halvings (fast, anti-aliased), then bilinear."""
    height, width = rgb.shape[:2]
    scale = min(1.0, side / max(height, width))
    if scale == 1.0:
        return np.ascontiguousarray(rgb), 1.0
    image = rgb
    while max(image.shape[:2]) >= 2 * side:
        image = cv2.pyrDown(image)
    size = (max(1, round(width * scale)), max(1, round(height * scale)))
    if image.shape[1] != size[0] or image.shape[0] != size[1]:
        image = cv2.resize(image, size, interpolation=cv2.INTER_LINEAR)
    return image, scale


def _rotate(image: np.ndarray, angle: float) -> np.ndarray:
    height, width = image.shape[:2]
    matrix = cv2.getRotationMatrix2D((width / 2, height / 2), angle, 1.0)
    return cv2.warpAffine(image, matrix, (width, height), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)


def _estimate_skew(small: np.ndarray) -> float:
    """The rotation (degrees, for cv2.getRotationMatrix2D) that makes long edges axis-aligned; 0 when none is better.

    Projection-profile search: when the frames' edges are level, the row sums of vertical gradients (and the column
    sums of horizontal ones) are sharpest.
    """
    tiny, _ = _downscale(small, SKEW_SIDE)
    grey = cv2.cvtColor(tiny, cv2.COLOR_RGB2GRAY)
    gy = cv2.convertScaleAbs(cv2.Sobel(grey, cv2.CV_16S, 0, 1, ksize=3), alpha=0.25)
    gx = cv2.convertScaleAbs(cv2.Sobel(grey, cv2.CV_16S, 1, 0, ksize=3), alpha=0.25)
    stacked = cv2.merge([gy, gx])
    height, width = grey.shape

    def sharpness(angle: float) -> float:
        if angle:
            matrix = cv2.getRotationMatrix2D((width / 2, height / 2), angle, 1.0)
            rotated = cv2.warpAffine(stacked, matrix, (width, height), flags=cv2.INTER_NEAREST)
        else:
            rotated = stacked
        rows = rotated[:, :, 0].sum(axis=1, dtype=np.float64)
        cols = rotated[:, :, 1].sum(axis=0, dtype=np.float64)
        return float(np.square(np.diff(rows)).sum() + np.square(np.diff(cols)).sum())

    level = sharpness(0.0)
    coarse = {a: sharpness(a) for a in np.arange(-SKEW_LIMIT_DEG, SKEW_LIMIT_DEG + 0.01, 1.0)}
    centre = max(coarse, key=coarse.__getitem__)
    fine = {a: sharpness(a) for a in np.arange(centre - 0.75, centre + 0.76, 0.25)}
    fine.update(coarse)
    best = max(fine, key=fine.__getitem__)
    # a photo without long edges gives a flat curve: keep it as it is
    if abs(best) < 0.2 or fine[best] < level * 1.08:
        return 0.0
    return float(best)


def _line_stats(planes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per line of planar (3, N, L) pixels: median colour (N, 3) and the share of pixels within tolerance of it."""
    samples = planes[:, :, :: max(1, planes.shape[2] // LINE_SAMPLES)]
    # the reference colour: a median of a few pixels is inside the uniform majority of any >=90 % uniform line
    median = np.median(samples[:, :, :: max(1, samples.shape[2] // REFERENCE_SAMPLES)], axis=2).astype(np.int16)
    deviation = np.abs(samples[0] - median[0][:, None])
    for channel in (1, 2):
        np.maximum(deviation, np.abs(samples[channel] - median[channel][:, None]), out=deviation)
    return median.T, (deviation <= COLOUR_TOLERANCE).mean(axis=1)


def _separators(planes: np.ndarray, background: np.ndarray | None, on_margin: np.ndarray | None) -> np.ndarray:
    """Lines that are background: near-uniform and, when the print's background colour is known, of that colour.

    `on_margin` (N, L), for gradient margins: 1 where a pixel has the colour the margin has there; a line of those
    is background too.
    """
    median, share = _line_stats(planes)
    uniform = share >= SEPARATOR_FRACTION
    if background is not None:
        uniform &= np.abs(median - background).max(axis=1) <= BACKGROUND_TOLERANCE
    if on_margin is not None:
        uniform |= on_margin.mean(axis=1) >= SEPARATOR_FRACTION
    return uniform


def _background_model(image: np.ndarray) -> np.ndarray | None:
    """The print's margin colour as (3, 3) coefficients (rows: 1, x, y), or None when the file has no such margin.

    Fitted to the outer ring as a plane per channel (a + b*x + c*y), so a gradient template works like a plain one;
    robust: the fit is repeated on the ring pixels it explains.
    """
    height, width = image.shape[:2]
    ring = max(2, round(0.015 * min(height, width)))
    ys, xs = np.arange(height, dtype=np.float32), np.arange(width, dtype=np.float32)
    strips = (  # (pixels, x, y) of the four sides of the ring
        (image[:ring], xs[None, :], ys[:ring, None]),
        (image[-ring:], xs[None, :], ys[-ring:, None]),
        (image[:, :ring], xs[None, :ring], ys[:, None]),
        (image[:, -ring:], xs[None, -ring:], ys[:, None]),
    )
    total = sum(p.shape[0] * p.shape[1] for p, _, _ in strips)
    step = max(1, total // 3000)
    pixels = np.concatenate([p.reshape(-1, 3)[::step] for p, _, _ in strips]).astype(np.float32)
    x_ring = np.concatenate([np.broadcast_to(x, p.shape[:2]).ravel()[::step] for p, x, _ in strips])
    y_ring = np.concatenate([np.broadcast_to(y, p.shape[:2]).ravel()[::step] for p, _, y in strips])
    design = np.column_stack([np.ones_like(x_ring), x_ring, y_ring])
    inliers = np.ones(len(pixels), dtype=bool)
    for threshold in (4 * COLOUR_TOLERANCE, 2 * COLOUR_TOLERANCE, COLOUR_TOLERANCE, COLOUR_TOLERANCE):
        if inliers.sum() < 3:
            return None
        coefficients, *_ = np.linalg.lstsq(design[inliers], pixels[inliers], rcond=None)  # (3, 3): rows 1, x, y
        residual = np.abs(design @ coefficients - pixels).max(axis=1)
        inliers = residual <= threshold
    if inliers.mean() < RING_SHARE:
        return None
    return coefficients


def _field_deviation(planes: np.ndarray, model: np.ndarray) -> np.ndarray:
    """Per pixel, the largest channel difference from the margin colour the model predicts there."""
    _, height, width = planes.shape
    xs, ys = np.arange(width, dtype=np.float32), np.arange(height, dtype=np.float32)
    deviation = np.zeros((height, width), dtype=np.float32)
    for channel in range(3):
        base, per_x, per_y = model[:, channel]
        expected = (base + per_x * xs)[None, :] + (per_y * ys)[:, None]
        np.maximum(deviation, np.abs(planes[channel] - expected), out=deviation)
    return deviation


def _flat_colour(model: np.ndarray | None, shape: tuple[int, ...]) -> np.ndarray | None:
    """The margin colour when it is one colour (the strict gutter test needs one); None for gradients."""
    if model is None:
        return None
    height, width = shape[:2]
    if (np.abs(model[1]) * width + np.abs(model[2]) * height).max() > COLOUR_TOLERANCE:
        return None
    return np.clip(model[0] + model[1] * width / 2 + model[2] * height / 2, 0, 255).astype(np.int16)


def _bands(separator: np.ndarray) -> list[tuple[int, int]]:
    """Runs of non-separator lines, thin ones dropped as noise inside a gutter."""
    busy = np.concatenate([[False], ~separator, [False]])
    edges = np.flatnonzero(np.diff(busy.astype(np.int8)))
    runs = list(zip(edges[::2].tolist(), edges[1::2].tolist(), strict=True))
    minimum = max(2, round(MIN_BAND_FRACTION * len(separator)))
    return [(a, b) for a, b in runs if b - a >= minimum]


def _best_grid(work: np.ndarray) -> _Grid | None:
    """Try rows first (then columns across those rows) and columns first; keep the better valid grid."""
    image = work.astype(np.int16)
    planes = np.ascontiguousarray(image.transpose(2, 0, 1))  # (3, H, W): lines are rows
    planes_t = planes.transpose(0, 2, 1)  # (3, W, H) view: lines are columns
    model = _background_model(image)
    background = _flat_colour(model, image.shape)
    on_margin = None
    if model is not None and background is None:
        on_margin = (_field_deviation(planes, model) <= COLOUR_TOLERANCE).astype(np.float32)
    on_margin_t = on_margin.T if on_margin is not None else None
    candidates = _grids_lines_first(planes, planes_t, background, on_margin, on_margin_t)
    candidates += [g.transposed() for g in _grids_lines_first(planes_t, planes, background, on_margin_t, on_margin)]
    valid = [g for g in candidates if _plausible(g, image.shape) and _straight_edges(image, g)]
    if model is not None:  # decorations across gutters, or a gradient, can hide frames from the strict test
        valid += _grids_on_pattern(image, planes, model)
    if not valid:
        return None
    return max(valid, key=lambda g: (len(g.rows) * len(g.cols), _coverage(g, image.shape)))


def _grids_on_pattern(image: np.ndarray, planes: np.ndarray, model: np.ndarray) -> list[_Grid]:
    """Frames on a decorated background (leaves, confetti, oval masks): gutters are lines MOSTLY of the margin colour.

    Looser than the uniform-line test, so it asks more of the result: a margin on every side, and cells of one
    template shape (the same mask, e.g. all rectangles or all ovals, filling most of each cell).
    """
    content = (_field_deviation(planes, model) > COLOUR_TOLERANCE).astype(np.float32)
    grids = []
    for mask, transpose in ((content, False), (content.T, True)):
        rows = _largest_alike_group(_bands(mask.mean(axis=1) < PATTERN_FRACTION))
        for _ in range(2):  # columns across the frame rows, then rows across the frame columns, and again
            if not rows:
                break
            cols = _bands(mask[np.r_[tuple(slice(a, b) for a, b in rows)]].mean(axis=0) < PATTERN_FRACTION)
            if not cols:
                rows = []
                break
            # across the frame columns a frame's line is nearly all picture, a margin with leaves is not
            rows = _largest_alike_group(
                _bands(mask[:, np.r_[tuple(slice(a, b) for a, b in cols)]].mean(axis=1) < PATTERN_CONTENT)
            )
        if rows and cols:
            grid = _Grid(rows=tuple(rows), cols=tuple(cols))
            grids.append(grid.transposed() if transpose else grid)
    return [
        g
        for g in grids
        if _plausible(g, image.shape, PATTERN_SIZE_TOLERANCE)
        and _has_margins(g, image.shape)
        and _one_template(content, g)
    ]


def _largest_alike_group(bands: list[tuple[int, int]]) -> list[tuple[int, int]]:
    best: list[tuple[int, int]] = []
    start = 0
    for i in range(1, len(bands) + 1):
        if i < len(bands) and _alike([*bands[start:i], bands[i]], PATTERN_SIZE_TOLERANCE):
            continue
        group = bands[start:i]
        if sum(b - a for a, b in group) > sum(b - a for a, b in best):
            best = group
        start = i
    return best


def _has_margins(grid: _Grid, shape: tuple[int, ...]) -> bool:
    height, width = shape[:2]
    return grid.rows[0][0] > 0 and grid.rows[-1][1] < height and grid.cols[0][0] > 0 and grid.cols[-1][1] < width


def _one_template(content: np.ndarray, grid: _Grid) -> bool:
    """Every cell holds the same picture shape, filling most of it: what a print template makes and a photo does not."""
    masks = []
    for r in range(len(grid.rows)):
        for c in range(len(grid.cols)):
            x, y, w, h = grid.box(r, c)
            cell = np.ascontiguousarray(content[y : y + h, x : x + w], dtype=np.float32)
            masks.append(cv2.resize(cell, (16, 16), interpolation=cv2.INTER_AREA) > 0.5)
    if min(float(m.mean()) for m in masks) < TEMPLATE_FILL:
        return False
    reference = np.mean(masks, axis=0) > 0.5
    for mask in masks:
        union = np.logical_or(mask, reference).sum()
        if union and np.logical_and(mask, reference).sum() / union < TEMPLATE_AGREEMENT:
            return False
    return True


def _grids_lines_first(
    planes: np.ndarray,
    crossing: np.ndarray,
    background: np.ndarray | None,
    on_margin: np.ndarray | None,
    on_margin_crossing: np.ndarray | None,
) -> list[_Grid]:
    """Bands of lines of alike size (frames; logo and caption bands differ), then the crossing bands across them.

    `planes` holds the lines as (3, N, L) and `crossing` the same pixels transposed, (3, L, N); the margin masks
    likewise (N, L) and (L, N).
    """
    separator = _separators(planes, background, on_margin)
    bands = _bands(separator)
    groups = []
    start = 0
    for i in range(1, len(bands) + 1):
        if i < len(bands) and _alike([*bands[start:i], bands[i]]):
            continue
        groups.append(bands[start:i])
        extended = _extend_regular(bands[start:i], separator)
        if extended != groups[-1]:
            groups.append(extended)
        start = i
    grids = []
    for group in groups:
        stacked = np.concatenate([crossing[:, :, a:b] for a, b in group], axis=2)
        stacked_margin = None
        if on_margin_crossing is not None:
            stacked_margin = np.concatenate([on_margin_crossing[:, a:b] for a, b in group], axis=1)
        across = _bands(_separators(stacked, background, stacked_margin))
        if across:
            grids.append(_Grid(rows=tuple(group), cols=tuple(across)))
    return grids


def _extend_regular(group: list[tuple[int, int]], separator: np.ndarray) -> list[tuple[int, int]]:
    """Add the frames a regular grid predicts next to `group` where the picture is at least half there.

    A dark photo on a black border (or a white one on white) loses its edges to the gutter test; the template's
    regular pitch says where it is.
    """
    if len(group) < 2:
        return group
    size = round(float(np.median([b - a for a, b in group])))
    pitch = round(float(np.median(np.diff([a for a, _ in group]))))
    if pitch <= size:
        return group
    busy = ~separator
    extended = list(group)
    while extended[-1][0] + pitch + size <= len(busy) and busy[extended[-1][0] + pitch :][:size].mean() >= 0.5:
        start = extended[-1][0] + pitch
        extended.append((start, start + size))
    while extended[0][0] - pitch >= 0 and busy[extended[0][0] - pitch :][:size].mean() >= 0.5:
        start = extended[0][0] - pitch
        extended.insert(0, (start, start + size))
    return extended


def _alike(spans: list[tuple[int, int]], tolerance: float = SIZE_TOLERANCE) -> bool:
    lengths = [b - a for a, b in spans]
    return min(lengths) >= (1 - tolerance) * max(lengths)


def _coverage(grid: _Grid, shape: tuple[int, ...]) -> float:
    area = sum(y1 - y0 for y0, y1 in grid.rows) * sum(x1 - x0 for x0, x1 in grid.cols)
    return area / float(shape[0] * shape[1])


def _plausible(grid: _Grid, shape: tuple[int, ...], tolerance: float = SIZE_TOLERANCE) -> bool:
    n_rows, n_cols = len(grid.rows), len(grid.cols)
    if n_rows * n_cols < 3:
        return False
    shape_ok = (n_cols, n_rows) in KNOWN_LAYOUTS or _halves(n_cols, n_rows)
    if not shape_ok:
        return False
    if not _alike(list(grid.rows), tolerance) or not _alike(list(grid.cols), tolerance):
        return False
    heights = [b - a for a, b in grid.rows]
    widths = [b - a for a, b in grid.cols]
    aspect = float(np.median(widths)) / float(np.median(heights))
    if not ASPECT_RANGE[0] <= aspect <= ASPECT_RANGE[1]:
        return False
    return _coverage(grid, shape) >= MIN_COVERAGE


def _straight_edges(image: np.ndarray, grid: _Grid) -> bool:
    """Frames are rectangles: just inside each edge the picture differs from the gutter just outside it.

    A false grid on a photo (people against a plain wall) has silhouettes, not straight edges, beside its "gutters".
    """
    height, width = image.shape[:2]
    shares = []
    for r in range(len(grid.rows)):
        for c in range(len(grid.cols)):
            x, y, w, h = grid.box(r, c)
            x1, y1 = x + w - 1, y + h - 1
            edges = (
                (image[y - EDGE_INSET, x : x1 + 1], image[y + EDGE_INSET, x : x1 + 1], y - EDGE_INSET >= 0),
                (
                    image[min(y1 + EDGE_INSET, height - 1), x : x1 + 1],
                    image[y1 - EDGE_INSET, x : x1 + 1],
                    y1 + EDGE_INSET < height,
                ),
                (image[y : y1 + 1, x - EDGE_INSET], image[y : y1 + 1, x + EDGE_INSET], x - EDGE_INSET >= 0),
                (
                    image[y : y1 + 1, min(x1 + EDGE_INSET, width - 1)],
                    image[y : y1 + 1, x1 - EDGE_INSET],
                    x1 + EDGE_INSET < width,
                ),
            )
            for outside, inside, present in edges:
                if present:
                    gutter = np.median(outside, axis=0).astype(np.int16)
                    shares.append(float((np.abs(inside - gutter).max(axis=1) > COLOUR_TOLERANCE).mean()))
    return not shares or float(np.mean(shares)) >= EDGE_CONTENT


def _halves(n_cols: int, n_rows: int) -> bool:
    """A doubled sheet: half of it (by columns or by rows) is a known layout."""
    return (n_cols % 2 == 0 and (n_cols // 2, n_rows) in KNOWN_LAYOUTS) or (
        n_rows % 2 == 0 and (n_cols, n_rows // 2) in KNOWN_LAYOUTS
    )


def _pair_correlation(grey: np.ndarray, a: tuple[int, int, int, int], b: tuple[int, int, int, int]) -> float:
    """Best normalised correlation of cell a's middle with cell b, allowing the few pixels the boxes may be off by."""
    x, y, w, h = a
    inset_x, inset_y = w // 10 + DUPLICATE_SHIFT, h // 10 + DUPLICATE_SHIFT
    template = grey[y + inset_y : y + h - inset_y, x + inset_x : x + w - inset_x]
    bx, by = b[0] + inset_x - DUPLICATE_SHIFT, b[1] + inset_y - DUPLICATE_SHIFT
    if bx < 0 or by < 0 or template.size == 0:
        return 0.0
    window = grey[by : by + template.shape[0] + 2 * DUPLICATE_SHIFT, bx : bx + template.shape[1] + 2 * DUPLICATE_SHIFT]
    if window.shape[0] < template.shape[0] or window.shape[1] < template.shape[1] or template.std() < 1.0:
        return 0.0
    return float(cv2.matchTemplate(window, template, cv2.TM_CCOEFF_NORMED).max())


def _halves_match(image: np.ndarray, grid: _Grid, by_cols: bool) -> bool:
    grey = image.astype(np.float32).mean(axis=2)
    n_rows, n_cols = len(grid.rows), len(grid.cols)
    pairs = []
    for r in range(n_rows if by_cols else n_rows // 2):
        for c in range(n_cols // 2 if by_cols else n_cols):
            r2, c2 = (r, c + n_cols // 2) if by_cols else (r + n_rows // 2, c)
            pairs.append(_pair_correlation(grey, grid.box(r, c), grid.box(r2, c2)))
    return bool(pairs) and min(pairs) >= DUPLICATE_NCC


def _drop_duplicate_copy(image: np.ndarray, grid: _Grid) -> tuple[_Grid, bool]:
    n_rows, n_cols = len(grid.rows), len(grid.cols)
    if n_cols % 2 == 0 and (n_cols // 2, n_rows) in KNOWN_LAYOUTS and _halves_match(image, grid, by_cols=True):
        return _Grid(rows=grid.rows, cols=grid.cols[: n_cols // 2]), True
    if n_rows % 2 == 0 and (n_cols, n_rows // 2) in KNOWN_LAYOUTS and _halves_match(image, grid, by_cols=False):
        return _Grid(rows=grid.rows[: n_rows // 2], cols=grid.cols), True
    return grid, False


def _gutters(grid: _Grid, r: int, c: int, shape: tuple[int, ...]) -> tuple[int, int, int, int]:
    """Background widths (analysis pixels) above, below, left and right of frame (r, c)."""
    (y0, y1), (x0, x1) = grid.rows[r], grid.cols[c]
    above = y0 - (grid.rows[r - 1][1] if r else 0)
    below = (grid.rows[r + 1][0] if r + 1 < len(grid.rows) else shape[0]) - y1
    left = x0 - (grid.cols[c - 1][1] if c else 0)
    right = (grid.cols[c + 1][0] if c + 1 < len(grid.cols) else shape[1]) - x1
    return above, below, left, right


def _refine_box(
    rgb: np.ndarray, box: tuple[int, int, int, int], gutters: tuple[int, int, int, int], scale: float
) -> tuple[int, int, int, int]:
    """Move each edge of a box found at analysis scale to the exact gutter/picture transition in the full image."""
    height, width = rgb.shape[:2]
    reach = int(np.ceil(1.5 / scale)) + 2  # the analysis pixel, the blur and a margin
    # the reference line outside an edge must stay inside the gutter, short of the neighbouring frame
    above, below, left_gap, right_gap = (min(reach, max(1, int(g / scale) // 2)) for g in gutters)
    x, y, w, h = box
    left, top, right, bottom = x, y, x + w, y + h  # right/bottom exclusive
    step_x, step_y = max(1, w // 120), max(1, h // 120)

    def row(yy: int) -> np.ndarray:
        return rgb[yy, left + w // 20 : right - w // 20 : step_x].astype(np.int16)

    def col(xx: int) -> np.ndarray:
        return rgb[top + h // 20 : bottom - h // 20 : step_y, xx].astype(np.int16)

    def transition(outside: int, inward: int, line: Callable[[int], np.ndarray]) -> int | None:
        """First line, going inward from `outside`, that is no longer mostly gutter colour."""
        limit = width if line is col else height
        if not 0 <= outside < limit:
            return None
        gutter = line(outside)  # compared pixel by pixel: a gradient background changes along the edge
        for k in range(1, 2 * reach + 2):
            pos = outside + inward * k
            if not 0 <= pos < limit:
                return None
            if (np.abs(line(pos) - gutter).max(axis=1) <= COLOUR_TOLERANCE).mean() < 0.5:
                return pos
        return None

    new_top = transition(top - above, 1, row)
    new_bottom = transition(bottom - 1 + below, -1, row)
    new_left = transition(left - left_gap, 1, col)
    new_right = transition(right - 1 + right_gap, -1, col)
    top = new_top if new_top is not None else top
    bottom = new_bottom + 1 if new_bottom is not None else bottom
    left = new_left if new_left is not None else left
    right = new_right + 1 if new_right is not None else right
    if right - left < w // 2 or bottom - top < h // 2:  # the picture itself looked like gutter: keep the coarse box
        return box
    return left, top, right - left, bottom - top


def _to_original(
    box: tuple[int, int, int, int],
    angle: float,
    work_shape: tuple[int, ...],
    scale: float,
    size: tuple[int, int],
) -> tuple[int, int, int, int]:
    """A box on the deskewed analysis image as the upright box of the same size and centre in the original."""
    x, y, w, h = box
    cx, cy = x + w / 2, y + h / 2
    if angle:
        work_h, work_w = work_shape[:2]
        inverse = cv2.getRotationMatrix2D((work_w / 2, work_h / 2), -angle, 1.0)
        cx, cy = (inverse @ np.array([cx, cy, 1.0])).tolist()
    width, height = size
    bw, bh = min(width, round(w / scale)), min(height, round(h / scale))
    bx = int(np.clip(round(cx / scale - bw / 2), 0, width - bw))
    by = int(np.clip(round(cy / scale - bh / 2), 0, height - bh))
    return bx, by, int(bw), int(bh)
