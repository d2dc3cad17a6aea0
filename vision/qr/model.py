"""Model-based reading of tiny, blurred QR codes whose outline a decoder found but could not read.

At 1.1-2 px per module, defocus and hand shake spread every module over its neighbours; thresholding the
photo (what zxing and zbar do) then flips a tenth of the modules, beyond what error correction repairs. But
a QR code is mostly unknown only in its data: the finder patterns, separators, timing rows, alignment
pattern and quiet zone are fixed. This module uses them three times:

1. **Geometry.** The outline is refined to a homography by ECC alignment (``cv2.findTransformECCWithMask``)
   of a rendering of the fixed patterns against the photo, masked to the fixed modules, for each version
   that could fit. The correlation ranks the versions.
2. **Blur.** The photo is rectified to ``MODULE_PX`` pixels per module. Around the fixed patterns every
   pixel depends on known modules only, so the blur kernel (any shape: defocus disk, shake line, resampling)
   is the least-squares solution of ``rectified = kernel * known`` there, together with the black level.
3. **Modules.** With the kernel known, the module values are the regularised least-squares solution of
   ``rectified = kernel * upsample(modules)``, fixed modules held by a prior (conjugate gradients, each step
   two small convolutions). Uneven light (glare, vignetting) is fitted as smooth gain and offset fields and
   divided out, alternating with the module solution. When the thresholded solution does not decode, a few
   rounds of greedy flips (each module set to whichever value explains the pixels better) follow.

The result is a clean bit matrix; the caller renders it and lets a standard decoder apply error correction
(or first corrects it soft-decision, ``vision.qr.soft``, when that fails).
Pure numpy/OpenCV, a few tens of milliseconds per attempt.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from functools import cache

import cv2
import numpy as np

from vision.qr.soft import format_distance
from vision.qr.spec import alignment_centres

MODULE_PX = 5  # rectified pixels per module
QUIET = 3  # quiet-zone modules kept around the symbol (all light)
KERNEL_RADIUS = 7  # rectified pixels (1.4 modules): larger kernels overfit the few fixed patterns
BLIND_KERNEL_RADIUS = 11  # once all modules have a value, all pixels fit the kernel: 2.2 modules
BLIND_ROUNDS = 2
MAX_VERSION = 7  # codes above version 7 at < 2.4 px per module would be over 100 px: the decoders read those
_ECC_CRITERIA = (cv2.TERM_CRITERIA_COUNT | cv2.TERM_CRITERIA_EPS, 60, 1e-5)
# Realignment: blocks per side matched, the blur (modules) of the prediction, the least phase-correlation
# peak that counts, and how many rounds of realign-and-solve.
REALIGN_BLOCKS = 3
REALIGN_BLUR = 0.5
REALIGN_MIN_RESPONSE = 0.05
REALIGN_ROUNDS = 3
# A first solution is refined further only when it is plausibly a code (see _plausible).
PLAUSIBLE_MISFIT = 0.35
PLAUSIBLE_FORMAT_BITS = 8
_REALIGN_CRITERIA = (cv2.TERM_CRITERIA_COUNT | cv2.TERM_CRITERIA_EPS, 100, 1e-7)
# ECC correlations below this are not a QR code of that version at that place; below MIN_START_FIT as given,
# an outline is not refined at all (codes read on the eval set start at 0.65 or more, spurious finder triples in
# photos without a code at 0.38 median).
MIN_FIT = 0.5
MIN_START_FIT = 0.5
PSF_SAMPLES = 3000  # pixels used to fit the kernel (enough for 225 unknowns, bounded cost)
PSF_RIDGE = 1.0
PRIOR_WEIGHT = 4.0  # how firmly fixed modules keep their value in the module solution
SMOOTHNESS = 0.02  # pull of unknown modules towards grey, against noise amplification
CG_STEPS = 60
LIGHT_ROUNDS = 2
FLIP_ROUNDS = 3


@dataclass(frozen=True)
class GridReading:
    """A candidate bit matrix (True = dark) and where its symbol lies in the image."""

    bits: np.ndarray
    version: int
    corners: np.ndarray  # (4, 2) symbol corners without quiet zone, image pixels, in the code's orientation
    fit: float
    method: str  # "solved" (thresholded least squares), "blind" (kernel refitted on all pixels), "flipped"
    values: np.ndarray  # per module: 0..0.5 dark, 0.5..1 light, nearer 0.5 the cheaper a flip (soft decoding)


@dataclass(frozen=True)
class _Grid:
    modules: int  # symbol side in modules
    side: int  # grid side with quiet zone
    known: np.ndarray  # (side, side) float 0/1: module value is fixed by the standard
    value: np.ndarray  # (side, side) float: fixed value (1 = light), 0.5 where unknown


@cache
def grid_for(version: int) -> _Grid:
    """Fixed modules of a version: finders with separators, timing, alignment, dark module, quiet zone."""
    n = 17 + 4 * version
    known = np.zeros((n, n), bool)
    value = np.full((n, n), 0.5, np.float32)
    for row, col in ((0, 0), (0, n - 7), (n - 7, 0)):
        for dr in range(-1, 8):
            for dc in range(-1, 8):
                r, c = row + dr, col + dc
                if 0 <= r < n and 0 <= c < n:
                    known[r, c] = True
                    value[r, c] = 0.0 if max(abs(dr - 3), abs(dc - 3)) in (0, 1, 3) else 1.0
    for i in range(8, n - 8):
        known[6, i] = known[i, 6] = True
        value[6, i] = value[i, 6] = 1.0 - (i % 2 == 0)
    for r, c in alignment_centres(version):
        for dr in range(-2, 3):
            for dc in range(-2, 3):
                known[r + dr, c + dc] = True
                value[r + dr, c + dc] = 0.0 if max(abs(dr), abs(dc)) in (0, 2) else 1.0
    known[4 * version + 9, 8] = True
    value[4 * version + 9, 8] = 0.0
    side = n + 2 * QUIET
    full_known = np.ones((side, side), np.float32)
    full_value = np.ones((side, side), np.float32)
    full_known[QUIET : QUIET + n, QUIET : QUIET + n] = known
    full_value[QUIET : QUIET + n, QUIET : QUIET + n] = value
    full_known.setflags(write=False)
    full_value.setflags(write=False)
    return _Grid(n, side, full_known, full_value)


def _binarised(modules: np.ndarray, grid: _Grid) -> np.ndarray:
    """Module values thresholded at 0.5, the fixed modules at their fixed value (1 light, 0 dark)."""
    return np.where(grid.known > 0, grid.value, (modules > 0.5).astype(np.float32))


def _upsample(modules: np.ndarray) -> np.ndarray:
    return np.kron(modules, np.ones((MODULE_PX, MODULE_PX), np.float32))


def _block_sum(pixels: np.ndarray) -> np.ndarray:
    side = pixels.shape[0] // MODULE_PX
    return pixels.reshape(side, MODULE_PX, side, MODULE_PX).sum(axis=(1, 3))


def _convolve(image: np.ndarray, kernel: np.ndarray) -> np.ndarray:
    # filter2D correlates; a flipped kernel makes it a convolution (the kernel is fitted as one).
    return cv2.filter2D(image, -1, np.ascontiguousarray(kernel[::-1, ::-1]), borderType=cv2.BORDER_REPLICATE)


def _correlate(image: np.ndarray, kernel: np.ndarray) -> np.ndarray:
    return cv2.filter2D(image, -1, kernel, borderType=cv2.BORDER_REPLICATE)


def symbol_corners(modules: int) -> np.ndarray:
    """Symbol corners in rectified pixels (pixel centres: module edge k lies at k * MODULE_PX - 0.5)."""
    lo, hi = QUIET * MODULE_PX - 0.5, (QUIET + modules) * MODULE_PX - 0.5
    return np.array([[lo, lo], [hi, lo], [hi, hi], [lo, hi]], np.float32)


def align(grey: np.ndarray, quad: np.ndarray, version: int) -> list[tuple[float, np.ndarray]]:
    """ECC fit of the version's fixed patterns to ``grey`` near ``quad`` (TL, TR, BR, BL in code orientation).

    Returns (correlation, homography from rectified pixels to image pixels) for the outline as given and, when
    it starts plausibly and ECC converges, as refined: from a good start (finder triples, decoder outlines:
    ~0.5 px) ECC sometimes drifts to a worse optimum, the corner without a finder first, and the correlation
    alone cannot tell.
    """
    grid = grid_for(version)
    template = cv2.GaussianBlur(_upsample(grid.value), (0, 0), 0.6 * MODULE_PX)
    template_mask = (_upsample(grid.known) > 0).astype(np.uint8) * 255
    start = cv2.getPerspectiveTransform(symbol_corners(grid.modules), quad.astype(np.float32))
    image = grey.astype(np.float32)
    flags = cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP
    flat = cv2.warpPerspective(image, start, template.shape[::-1], flags=flags, borderMode=cv2.BORDER_REPLICATE)
    found = [(float(cv2.computeECC(template, flat, template_mask)), start.astype(np.float64))]
    if found[0][0] < MIN_START_FIT:
        # No code of this version starts here: ECC (the stage's largest cost) would only chase texture.
        return found
    try:
        fit, warp = cv2.findTransformECCWithMask(
            template,
            image,
            template_mask,
            np.full(image.shape, 255, np.uint8),
            start.astype(np.float32),
            cv2.MOTION_HOMOGRAPHY,
            _ECC_CRITERIA,
            5,
        )
    except cv2.error:  # did not converge, or the warp left the image
        return found
    return [(float(fit), warp.astype(np.float64)), *found]


def rectify(grey: np.ndarray, to_image: np.ndarray, version: int) -> np.ndarray:
    """The symbol and its quiet zone resampled to MODULE_PX px per module, levels scaled to about [0, 1]."""
    side = grid_for(version).side * MODULE_PX
    flat = cv2.warpPerspective(
        grey.astype(np.float32),
        to_image,
        (side, side),
        flags=cv2.INTER_CUBIC | cv2.WARP_INVERSE_MAP,
        borderMode=cv2.BORDER_REPLICATE,
    )
    low, high = np.percentile(flat, (2, 98))
    return (flat - low) / max(float(high - low), 1.0)


def _least_squares_kernel(
    rectified: np.ndarray, values: np.ndarray, usable: np.ndarray, radius: int
) -> tuple[np.ndarray, float]:
    """Kernel (and black level) with ``rectified ~ kernel * upsample(values) + level`` on the usable pixels."""
    usable = usable.copy()
    usable[:radius] = usable[-radius:] = False
    usable[:, :radius] = usable[:, -radius:] = False
    ys, xs = np.nonzero(usable)
    if len(ys) > PSF_SAMPLES:
        pick = np.linspace(0, len(ys) - 1, PSF_SAMPLES).astype(int)
        ys, xs = ys[pick], xs[pick]
    offsets = np.arange(-radius, radius + 1)
    dy, dx = np.meshgrid(offsets, offsets, indexing="ij")
    design = _upsample(values)[ys[:, None] - dy.ravel()[None, :], xs[:, None] - dx.ravel()[None, :]]
    design = np.concatenate([design, np.ones((len(ys), 1), np.float32)], axis=1).astype(np.float64)
    normal = design.T @ design + PSF_RIDGE * np.eye(design.shape[1])
    normal[-1, -1] -= PSF_RIDGE  # the black level is not regularised
    solution = np.linalg.solve(normal, design.T @ rectified[ys, xs].astype(np.float64))
    size = 2 * radius + 1
    return solution[:-1].reshape(size, size).astype(np.float32), float(solution[-1])


def fit_kernel(rectified: np.ndarray, grid: _Grid) -> tuple[np.ndarray, float]:
    """Blur kernel and black level from the pixels whose whole neighbourhood holds fixed modules."""
    size = 2 * KERNEL_RADIUS + 1
    usable = cv2.erode((_upsample(grid.known) > 0).astype(np.uint8), np.ones((size, size), np.uint8)) > 0
    return _least_squares_kernel(rectified, grid.value, usable, KERNEL_RADIUS)


def refit_kernel(rectified: np.ndarray, modules: np.ndarray, grid: _Grid) -> tuple[np.ndarray, float]:
    """Blind step: the kernel refitted on every pixel, with the current (thresholded) modules as if known.

    Uses ~7x the pixels of ``fit_kernel``, so a wider kernel (``BLIND_KERNEL_RADIUS``) can be afforded: shake
    of two modules and more no longer falls outside it. Over all pixels the normal equations come from the
    auto- and cross-correlations of the module image and the photo (FFT), not from a design matrix. The module
    image is taken relative to light (``values - 1``): zero in the quiet zone and beyond the border, so the
    zero padding of the correlations is exact, and the black level is one more unknown.
    """
    values = _binarised(modules, grid)
    model = _upsample(values).astype(np.float64) - 1.0
    photo = rectified.astype(np.float64)
    size = 2 * model.shape[0]
    spectrum = np.fft.rfft2(model, s=(size, size))
    auto = np.fft.irfft2(spectrum * np.conj(spectrum), s=(size, size))
    cross = np.fft.irfft2(np.fft.rfft2(photo, s=(size, size)) * np.conj(spectrum), s=(size, size))
    radius = BLIND_KERNEL_RADIUS
    offsets = np.arange(-radius, radius + 1)
    dy, dx = (axis.ravel() for axis in np.meshgrid(offsets, offsets, indexing="ij"))
    taps = len(dy)
    normal = np.empty((taps + 1, taps + 1))
    normal[:taps, :taps] = auto[(dy[:, None] - dy[None, :]) % size, (dx[:, None] - dx[None, :]) % size]
    normal[:taps, :taps] += PSF_RIDGE * np.eye(taps)
    normal[:taps, taps] = normal[taps, :taps] = model.sum()  # every shift of the module image lies inside
    normal[taps, taps] = photo.size
    rhs = np.append(cross[dy % size, dx % size], photo.sum())
    solution = np.linalg.solve(normal, rhs)
    kernel = solution[:taps].reshape(2 * radius + 1, 2 * radius + 1)
    # photo = kernel * (model + 1) + level, and the constant solved for is kernel.sum() + level.
    level = float(solution[taps] - kernel.sum())
    return kernel.astype(np.float32), level


def _module_response(kernel: np.ndarray) -> np.ndarray:
    """One module's footprint blurred by ``kernel``, padded by the kernel's radius on every side."""
    pad = kernel.shape[0] // 2
    footprint = np.zeros((MODULE_PX + 2 * pad, MODULE_PX + 2 * pad), np.float32)
    footprint[pad : pad + MODULE_PX, pad : pad + MODULE_PX] = 1.0
    return _convolve(footprint, kernel)


def _module_gram(kernel: np.ndarray) -> np.ndarray:
    """Inner products of two blurred module footprints by their offset on the module grid.

    ``rectified = kernel * upsample(modules)`` is linear in the modules with shifted copies of one footprint,
    so its normal matrix is a convolution on the module grid with this small kernel (9 x 9 for a 1.4-module
    blur radius): solving on the 50 x 50 module grid instead of the 250 x 250 pixel image.
    """
    response = _module_response(kernel).astype(np.float64)
    size = 4 * response.shape[0]  # no wrap-around at the largest offsets
    spectrum = np.fft.rfft2(response, s=(size, size))
    autocorrelation = np.fft.irfft2(spectrum * np.conj(spectrum), s=(size, size))
    reach = int(np.ceil(response.shape[0] / MODULE_PX))
    offsets = np.arange(-reach, reach + 1) * MODULE_PX
    return autocorrelation[np.ix_(offsets % size, offsets % size)]


def solve_modules(rectified: np.ndarray, kernel: np.ndarray, level: float, grid: _Grid) -> np.ndarray:
    """Regularised least-squares module values (about 0 dark, 1 light) by conjugate gradients."""
    prior = PRIOR_WEIGHT * grid.known + SMOOTHNESS
    gram = _module_gram(kernel)

    def normal(modules: np.ndarray) -> np.ndarray:
        return cv2.filter2D(modules, -1, gram, borderType=cv2.BORDER_CONSTANT) + prior * modules

    rhs = _block_sum(_correlate(rectified - level, kernel)).astype(np.float64)
    rhs += PRIOR_WEIGHT * grid.known * grid.value + SMOOTHNESS * 0.5
    modules = grid.value.astype(np.float64)
    residual = rhs - normal(modules)
    direction = residual.copy()
    energy = float((residual * residual).sum())
    for _ in range(CG_STEPS):
        if energy < 1e-10:
            break
        step_image = normal(direction)
        alpha = energy / max(float((direction * step_image).sum()), 1e-12)
        modules += alpha * direction
        residual -= alpha * step_image
        new_energy = float((residual * residual).sum())
        direction = residual + (new_energy / energy) * direction
        energy = new_energy
    if not np.all(np.isfinite(modules)):  # a kernel fitted to something that is not this code
        return grid.value.copy()
    return modules.astype(np.float32)


def _light_basis(side: int) -> np.ndarray:
    yy, xx = np.mgrid[:side, :side].astype(np.float32) / side - 0.5
    return np.stack([np.ones_like(xx), xx, yy, xx * yy, xx * xx, yy * yy], axis=-1).reshape(-1, 6)


def _even_light(measured: np.ndarray, modules: np.ndarray, kernel: np.ndarray, grid: _Grid) -> np.ndarray:
    """``measured`` with smooth gain and offset fields (quadratic) fitted to the current solution divided out."""
    binary = _binarised(modules, grid)
    predicted = _convolve(_upsample(binary), kernel / max(float(kernel.sum()), 1e-3)).reshape(-1, 1)
    basis = _light_basis(measured.shape[0])
    coefficients, *_ = np.linalg.lstsq(np.hstack([basis, basis * predicted]), measured.reshape(-1), rcond=None)
    offset = (basis @ coefficients[:6]).reshape(measured.shape)
    gain = np.maximum((basis @ coefficients[6:]).reshape(measured.shape), 0.05)
    return (measured - offset) / gain


def greedy_flips(
    rectified: np.ndarray, kernel: np.ndarray, level: float, modules: np.ndarray, grid: _Grid
) -> np.ndarray:
    """Binary module values improved by flipping any module whose flip lowers the squared residual."""
    values = _binarised(modules, grid)
    residual = rectified - level - _convolve(_upsample(values), kernel)
    pad = kernel.shape[0] // 2
    response = _module_response(kernel)
    limit = residual.shape[0]
    free = np.argwhere(grid.known == 0)
    for _ in range(FLIP_ROUNDS):
        flipped = 0
        for row, col in free:
            change = 1.0 - 2.0 * values[row, col]
            y0, x0 = row * MODULE_PX - pad, col * MODULE_PX - pad
            ys = slice(max(0, y0), min(limit, y0 + response.shape[0]))
            xs = slice(max(0, x0), min(limit, x0 + response.shape[1]))
            local = residual[ys, xs]
            delta = change * response[ys.start - y0 : ys.stop - y0, xs.start - x0 : xs.stop - x0]
            if float((local * local).sum() - ((local - delta) ** 2).sum()) > 0:
                values[row, col] += change
                residual[ys, xs] = local - delta
                flipped += 1
        if not flipped:
            break
    return values


def flip_costs(rectified: np.ndarray, kernel: np.ndarray, level: float, binary: np.ndarray, grid: _Grid) -> np.ndarray:
    """How much the squared residual grows if each module alone is flipped (negative: the flip would fit better).

    Flipping module j by c (+1 or -1) adds c times its blurred footprint r_j to the prediction, so the cost is
    |r_j|^2 - 2c <residual, r_j>: one correlation of the residual with the footprint, sampled per module. This
    is a log-likelihood ratio under Gaussian noise, a far better confidence than the distance to 0.5.
    """
    residual = rectified - level - _convolve(_upsample(binary), kernel)
    response = _module_response(kernel)
    correlation = cv2.filter2D(residual.astype(np.float32), -1, response, borderType=cv2.BORDER_CONSTANT)
    centre = MODULE_PX // 2
    along = correlation[centre::MODULE_PX, centre::MODULE_PX]
    return float((response * response).sum()) - 2.0 * (1.0 - 2.0 * binary) * along


def confident_values(
    solution_modules: np.ndarray, rectified: np.ndarray, kernel: np.ndarray, level: float, grid: _Grid
) -> np.ndarray:
    """Module values whose distance from 0.5 follows the flip cost: for soft-decision decoding."""
    binary = _binarised(solution_modules, grid)
    cost = flip_costs(rectified, kernel, level, binary, grid)
    scale = float(np.median(np.abs(cost[grid.known == 0]))) + 1e-9
    return 0.5 + (binary - 0.5) * np.tanh(np.maximum(cost, 0.0) / scale)


def _core(modules: np.ndarray, grid: _Grid) -> np.ndarray:
    return _core_values(modules, grid) < 0.5


def _core_values(modules: np.ndarray, grid: _Grid) -> np.ndarray:
    return modules[QUIET : QUIET + grid.modules, QUIET : QUIET + grid.modules]


@dataclass(frozen=True)
class Alignment:
    """One version's fixed patterns fitted to an outline: ECC correlation and rectified-to-image homography."""

    fit: float
    version: int
    to_image: np.ndarray


def align_outline(grey: np.ndarray, quad: np.ndarray, versions: Sequence[int] | None = None) -> list[Alignment]:
    """Every version whose fixed patterns fit near ``quad`` (TL, TR, BR, BL), best fit first."""
    # ECC computes gradients over its whole input: work on a crop around the outline.
    side = float(np.ptp(quad, axis=0).max())
    height, width = grey.shape[:2]
    x0, y0 = (max(0, int(v - 0.6 * side)) for v in quad.min(axis=0))
    x1 = min(width, int(quad[:, 0].max() + 0.6 * side) + 1)
    y1 = min(height, int(quad[:, 1].max() + 0.6 * side) + 1)
    crop = grey[y0:y1, x0:x1]
    shift = np.array([[1, 0, x0], [0, 1, y0], [0, 0, 1]], dtype=np.float64)
    found = []
    for version in versions or range(1, MAX_VERSION + 1):
        for fit, to_crop in align(crop, quad - (x0, y0), version):
            if fit >= MIN_FIT:
                found.append(Alignment(fit, version, shift @ to_crop))
    return sorted(found, key=lambda item: -item.fit)


@dataclass
class _Solution:
    """The module solution of one geometry, with the kernel and light correction it was solved with."""

    to_image: np.ndarray
    measured: np.ndarray
    rectified: np.ndarray
    kernel: np.ndarray
    level: float
    modules: np.ndarray


def _solve(grey: np.ndarray, to_image: np.ndarray, grid: _Grid, version: int) -> _Solution:
    measured = rectify(grey, to_image, version)
    rectified = measured
    kernel, level = fit_kernel(rectified, grid)
    modules = solve_modules(rectified, kernel, level, grid)
    for _ in range(LIGHT_ROUNDS):
        rectified = _even_light(measured, modules, kernel, grid)
        kernel, level = fit_kernel(rectified, grid)
        modules = solve_modules(rectified, kernel, level, grid)
    return _Solution(to_image, measured, rectified, kernel, level, modules)


def _blind_round(solution: _Solution, grid: _Grid) -> None:
    solution.kernel, solution.level = refit_kernel(solution.rectified, solution.modules, grid)
    solution.modules = solve_modules(solution.rectified, solution.kernel, solution.level, grid)
    solution.rectified = _even_light(solution.measured, solution.modules, solution.kernel, grid)


def _realign(grey: np.ndarray, solution: _Solution, grid: _Grid) -> np.ndarray | None:
    """The homography corrected by block matching the rectified photo against the solved code.

    The first alignment sees only the fixed patterns through a generic blur, which leaves ~0.3 module of
    error at 1.5 px per module: enough to misread modules along the far edges. Here the solved modules
    (blurred like the photo, but by a centred kernel, so no shift is absorbed) are matched block by block
    (phase correlation, sub-pixel) and the homography is refitted to the matched block centres.
    """
    values = _binarised(solution.modules, grid)
    predicted = cv2.GaussianBlur(_upsample(values), (0, 0), REALIGN_BLUR * MODULE_PX)
    observed = solution.rectified.astype(np.float32)
    side = observed.shape[0]
    edges = np.linspace(0, side, REALIGN_BLOCKS + 1).astype(int)
    window = cv2.createHanningWindow((edges[1] - edges[0], edges[1] - edges[0]), cv2.CV_32F)
    source, target = [], []
    for y0, y1 in itertools.pairwise(edges):
        for x0, x1 in itertools.pairwise(edges):
            block_window = cv2.resize(window, (x1 - x0, y1 - y0))
            (dx, dy), response = cv2.phaseCorrelate(predicted[y0:y1, x0:x1], observed[y0:y1, x0:x1], block_window)
            if response < REALIGN_MIN_RESPONSE or max(abs(dx), abs(dy)) > 2 * MODULE_PX:
                continue
            centre = ((x0 + x1 - 1) / 2, (y0 + y1 - 1) / 2)
            source.append(centre)
            target.append((centre[0] + dx, centre[1] + dy))
    if len(source) < 6:
        return None
    mapped = cv2.perspectiveTransform(np.array([target], np.float32), solution.to_image)[0]
    refined, _ = cv2.findHomography(np.array(source, np.float32), mapped, 0)
    # cv2's stubs promise an array, but findHomography returns None when the points admit no homography.
    return None if refined is None else refined.astype(np.float64)  # type: ignore[redundant-expr]


def _realign_ecc(grey: np.ndarray, solution: _Solution, grid: _Grid) -> np.ndarray | None:
    """The homography refined by ECC against the solved code blurred by a centred Gaussian.

    Often closer than block matching (it fits all eight parameters at once), but it can run away where the
    solved code is poor; ``read_alignment`` keeps whichever geometry the model then explains better.
    """
    values = _binarised(solution.modules, grid)
    predicted = cv2.GaussianBlur(_upsample(values), (0, 0), REALIGN_BLUR * MODULE_PX)
    try:
        # No mask (None) with a filter size: OpenCV takes it, its stubs allow None only in the 6-argument form.
        _, warp = cv2.findTransformECC(  # type: ignore[call-overload]
            predicted,
            grey.astype(np.float32),
            solution.to_image.astype(np.float32),
            cv2.MOTION_HOMOGRAPHY,
            _REALIGN_CRITERIA,
            None,
            1,
        )
    except cv2.error:
        return None
    return warp.astype(np.float64)


def _misfit(solution: _Solution, grid: _Grid) -> float:
    """Mean squared residual of the photo against the solved, binarised code under its geometry and kernel."""
    values = _binarised(solution.modules, grid)
    residual = solution.rectified - solution.level - _convolve(_upsample(values), solution.kernel)
    return float(np.mean(residual * residual))


def _plausible(solution: _Solution, grid: _Grid) -> bool:
    """Whether a first solution looks like a QR code: the model explains the pixels and the format is valid.

    On the eval prints the model stage reads, the first solution of the alignment that was read has a misfit
    of at most 0.32 of the pixel variance and its format modules within 7 bits of a valid word; spurious finder
    triples in booth and party photos mostly miss one of the two (format distance 6-12, misfit 0.2-1.0).
    """
    misfit = _misfit(solution, grid) / max(float(np.var(solution.rectified)), 1e-9)
    return misfit <= PLAUSIBLE_MISFIT and format_distance(_core_values(solution.modules, grid)) <= PLAUSIBLE_FORMAT_BITS


def read_alignment(grey: np.ndarray, alignment: Alignment) -> Iterator[GridReading]:
    """Successively refined module solutions: thresholded, blind kernel rounds, realigned, greedy flips."""
    version, grid = alignment.version, grid_for(alignment.version)

    def reading(solution: _Solution, method: str) -> GridReading:
        corners = cv2.perspectiveTransform(symbol_corners(grid.modules)[None], solution.to_image)[0].astype(np.float64)
        values = confident_values(solution.modules, solution.rectified, solution.kernel, solution.level, grid)
        return GridReading(
            _core(solution.modules, grid), version, corners, alignment.fit, method, _core_values(values, grid)
        )

    solution = _solve(grey, alignment.to_image, grid, version)
    yield reading(solution, "solved")
    if not _plausible(solution, grid):
        return  # texture that merely aligned: not worth the refinement rounds (most of the stage's cost)
    for _ in range(BLIND_ROUNDS):
        _blind_round(solution, grid)
        yield reading(solution, "blind")
    for _ in range(REALIGN_ROUNDS):
        candidates = []
        for realign in (_realign, _realign_ecc):
            refined = realign(grey, solution, grid)
            if refined is not None:
                candidate = _solve(grey, refined, grid, version)
                _blind_round(candidate, grid)
                candidates.append((_misfit(candidate, grid), candidate))
        if not candidates:
            break
        solution = min(candidates, key=lambda item: item[0])[1]
        yield reading(solution, "realigned")
    flipped = greedy_flips(solution.rectified, solution.kernel, solution.level, solution.modules, grid)
    solution.modules = flipped
    yield reading(solution, "flipped")


def read_grid(grey: np.ndarray, quad: np.ndarray, tries: int = 3) -> Iterator[GridReading]:
    """Candidate bit matrices for the code outlined by ``quad``: the ``tries`` best-fitting versions in turn."""
    for alignment in align_outline(grey, quad)[:tries]:
        yield from read_alignment(grey, alignment)


def render(bits: np.ndarray, module_px: int = 6) -> np.ndarray:
    """A clean grey image of a bit matrix with a 4-module quiet zone, for a standard decoder."""
    symbol = np.pad(np.where(bits, 0, 255).astype(np.uint8), 4, constant_values=255)
    return np.kron(symbol, np.ones((module_px, module_px), np.uint8))
