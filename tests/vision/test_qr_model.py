"""vision.qr.model: fixed patterns, kernel fit, module solution and alignment, on codes made with segno."""

from __future__ import annotations

import cv2
import numpy as np
import pytest
import segno

from vision.qr.model import (
    MODULE_PX,
    QUIET,
    _convolve,
    _module_gram,
    _upsample,
    align_outline,
    fit_kernel,
    grid_for,
    read_grid,
    render,
    solve_modules,
)

TEXTS = {
    1: "HELLO",
    3: "http://haru1.mx2.co.kr/@HA006XEb7Nh",
    5: "http://l4c01.lifejuin.biz/QRImage/20230606/SEL.MPO.YEONNAM02/161723678/index.html",
}


def symbol(text: str, version: int | None = None) -> np.ndarray:
    """segno's module matrix, True = dark."""
    code = segno.make(text, error="m", micro=False, boost_error=False, version=version)
    return np.array(code.matrix, dtype=bool)


def module_values(bits: np.ndarray) -> np.ndarray:
    """Grid with quiet zone as the solver sees it: 1 light, 0 dark."""
    return np.pad((~bits).astype(np.float32), QUIET, constant_values=1.0)


@pytest.mark.parametrize("version", range(1, 8))
def test_fixed_modules_are_the_ones_every_code_of_that_version_has(version: int) -> None:
    grid = grid_for(version)
    known = grid.known[QUIET:-QUIET, QUIET:-QUIET] > 0
    values = grid.value[QUIET:-QUIET, QUIET:-QUIET]
    for text in ("A", "4-cut", "0123456789"):
        light = ~symbol(text, version)
        assert np.array_equal(values[known], light[known].astype(np.float32))
    # Quiet zone all light and fixed; finders, timing and separators alone are > 190 modules.
    assert grid.known[:QUIET].all() and (grid.value[:QUIET] == 1).all()
    assert known.sum() > 190


def test_module_gram_is_the_inner_product_of_blurred_module_footprints() -> None:
    kernel = shake_kernel()
    gram = _module_gram(kernel)
    reach = gram.shape[0] // 2

    def footprint(row: int, col: int) -> np.ndarray:
        unit = np.zeros((20, 20), np.float32)
        unit[row, col] = 1.0
        return _convolve(_upsample(unit), kernel).astype(np.float64)

    centre = footprint(10, 10)
    for dy in range(-reach, reach + 1):
        for dx in range(-reach, reach + 1):
            expected = float((centre * footprint(10 + dy, 10 + dx)).sum())
            assert gram[reach + dy, reach + dx] == pytest.approx(expected, abs=1e-4)


def blurred_rectified(bits: np.ndarray, kernel: np.ndarray, noise: float, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    clean = _convolve(_upsample(module_values(bits)), kernel)
    return (0.05 + 0.9 * clean + rng.normal(0, noise, clean.shape)).astype(np.float32)


def shake_kernel() -> np.ndarray:
    """A defocus disk with a diagonal shake, 1.1 modules across: what a 1.5 px/module photo shows."""
    kernel = np.zeros((15, 15), np.float32)
    cv2.circle(kernel, (7, 7), 3, 1.0, -1)
    kernel = cv2.filter2D(kernel, -1, np.eye(5, dtype=np.float32))
    return kernel / kernel.sum()


def test_kernel_is_recovered_from_the_fixed_patterns_alone() -> None:
    bits = symbol(TEXTS[3], 3)
    truth = shake_kernel()
    rectified = blurred_rectified(bits, truth, noise=0.01)
    kernel, level = fit_kernel(rectified, grid_for(3))
    assert level == pytest.approx(0.05, abs=0.03)
    assert kernel.sum() == pytest.approx(0.9, abs=0.05)
    assert np.corrcoef(kernel.ravel(), truth.ravel())[0, 1] > 0.85
    # Its centre of mass is where the true kernel's is: no shift of the module grid.
    offsets = np.arange(15) - 7
    for axis in (0, 1):
        assert (kernel.sum(axis=1 - axis) @ offsets) / kernel.sum() == pytest.approx(0.0, abs=0.3)


def test_module_solution_reads_modules_that_thresholding_gets_wrong() -> None:
    bits = symbol(TEXTS[5], 5)
    grid = grid_for(5)
    rectified = blurred_rectified(bits, shake_kernel(), noise=0.03, seed=4)
    centres = rectified[MODULE_PX // 2 :: MODULE_PX, MODULE_PX // 2 :: MODULE_PX][QUIET:-QUIET, QUIET:-QUIET]
    thresholded = centres < np.median(rectified)
    kernel, level = fit_kernel(rectified, grid)
    solved = solve_modules(rectified, kernel, level, grid)[QUIET:-QUIET, QUIET:-QUIET] < 0.5
    assert np.mean(thresholded != bits) > 0.03
    assert np.mean(solved != bits) < 0.1 * np.mean(thresholded != bits)


def small_blurred_code(
    text: str, version: int, px_per_module: float, seed: int = 1, defocus_px: float = 1.0, shake_px: float = 0.0
) -> tuple[np.ndarray, np.ndarray]:
    """A code ~1.5 px per module, tilted a little and defocused, in a grey scene; returns image and corners."""
    rng = np.random.default_rng(seed)
    bits = symbol(text, version)
    fine = 8
    big = np.kron(np.pad(~bits, 4, constant_values=True), np.ones((fine, fine), bool)).astype(np.float32) * 200 + 30
    n = bits.shape[0]
    side = (n + 8) * fine
    scale = px_per_module / fine
    corners_big = np.array([[4, 4], [4 + n, 4], [4 + n, 4 + n], [4, 4 + n]], np.float64) * fine
    box = np.array([[0, 0], [side, 0], [side, side], [0, side]], np.float64)
    origin = np.array([60.0, 50.0])
    squeeze = np.array([[0, 0], [0.06, 0.02], [0.03, 0.07], [-0.02, 0.04]]) * side
    target = (box + squeeze) * scale + origin
    homography = cv2.getPerspectiveTransform(box.astype(np.float32), target.astype(np.float32))
    # Render at 4x the output resolution, blur there, area-sample down: a camera, not a resampler.
    over = 4
    shape = (200 * over, 260 * over)
    up = np.array([[over, 0, 0], [0, over, 0], [0, 0, 1]], np.float64) @ homography
    scene = cv2.warpPerspective(big, up, shape[::-1], flags=cv2.INTER_AREA, borderValue=170.0)
    disk = np.zeros((17, 17), np.float32)
    cv2.circle(disk, (8, 8), round(defocus_px * over), 1.0, -1)
    scene = cv2.filter2D(scene, -1, disk / disk.sum())
    if shake_px:
        line = np.zeros((17, 17), np.float32)
        cv2.line(line, (8 - round(shake_px * over / 2), 8), (8 + round(shake_px * over / 2), 8), 1.0, 1)
        scene = cv2.filter2D(scene, -1, line / line.sum())
    small = cv2.resize(scene, (260, 200), interpolation=cv2.INTER_AREA) + rng.normal(0, 3, (200, 260))
    image = np.clip(small, 0, 255).astype(np.uint8)
    corners = cv2.perspectiveTransform(corners_big[None].astype(np.float32), homography)[0]
    return image, corners.astype(np.float64) - 0.5


def test_alignment_refines_a_rough_outline_and_picks_the_version() -> None:
    image, corners = small_blurred_code(TEXTS[3], 3, 1.3)
    rough = corners + np.random.default_rng(3).normal(0, 1.0, corners.shape)
    best = align_outline(image, rough)[0]
    assert best.version == 3
    found = cv2.perspectiveTransform(np.array([[[QUIET * MODULE_PX - 0.5] * 2]], np.float32), best.to_image)[0, 0]
    assert np.abs(found - corners[0]).max() < 0.4


def test_read_grid_recovers_a_code_zxing_cannot_sample() -> None:
    import zxingcpp

    image, corners = small_blurred_code(TEXTS[3], 3, 1.3)
    assert not zxingcpp.read_barcodes(cv2.resize(image, None, fx=3, fy=3, interpolation=cv2.INTER_CUBIC))
    decoded = set()
    for reading in read_grid(image, corners):
        decoded |= {b.text for b in zxingcpp.read_barcodes(render(reading.bits)) if b.valid}
        if decoded:
            break
    assert decoded == {TEXTS[3]}


def test_alignment_of_a_patch_without_a_code_finds_no_version() -> None:
    rng = np.random.default_rng(9)
    noise = cv2.GaussianBlur(rng.integers(0, 256, (120, 120)).astype(np.uint8), (0, 0), 1.0)
    quad = np.array([[30, 30], [80, 30], [80, 80], [30, 80]], np.float64)
    assert all(item.fit < 0.5 for item in align_outline(noise, quad))


def test_cascade_model_stage_reads_an_outline_and_returns_the_true_polygon() -> None:
    from vision.qr.cascade import _distinct_outlines, _read_by_model, _Results

    image, corners = small_blurred_code(TEXTS[5], 5, 1.3, seed=2)
    rough = corners + np.random.default_rng(5).normal(0, 0.8, corners.shape)
    elsewhere = rough + 60.0  # a spurious outline beside it, as decoders report
    assert len(_distinct_outlines([(rough, ()), (rough + 0.5, ()), (elsewhere, ())], limit=8)) == 2
    results = _Results()
    assert _read_by_model(image, [(elsewhere, ()), (rough, (5,))], results, deadline=float("inf"))
    (code,) = results.codes
    assert code.text == TEXTS[5] and code.decoder.startswith("zxing/model-v5")
    assert np.abs(np.array(code.polygon) - corners).max() < 1.5


@pytest.mark.parametrize("turns", [0, 1, 2, 3])
def test_matched_finders_outline_a_blurred_tiny_code_in_its_own_orientation(turns: int) -> None:
    from vision.qr.regions import finder_triples, outline_from_finders

    image, corners = small_blurred_code(TEXTS[3], 3, 1.5, seed=4, defocus_px=1.2)
    image = np.ascontiguousarray(np.rot90(image, turns))
    # np.rot90 turns counter-clockwise: a point (x, y) of a W-wide image goes to (y, W - 1 - x).
    rotated = corners.copy()
    width = 260
    for _ in range(turns):
        rotated = np.stack([rotated[:, 1], width - 1 - rotated[:, 0]], axis=1)
        width = 200 if width == 260 else 260
    triples = finder_triples(image)
    assert triples, "no finder triple found"
    centres, modules = triples[0]
    assert abs(modules - 29) < 4  # version 3: 29 modules across
    # The symbol's own top-left corner comes first, whichever way up the photo is.
    assert np.abs(outline_from_finders(centres, 3) - rotated).max() < 2.0


def test_finder_triples_in_a_texture_lead_to_no_code() -> None:
    from vision.qr import decode_qr
    from vision.qr.regions import finder_triples

    rng = np.random.default_rng(11)
    texture = np.clip(cv2.GaussianBlur(rng.normal(128, 50, (300, 400)), (0, 0), 2.0), 0, 255).astype(np.uint8)
    # Blurred noise holds finder-like spots, so candidates come (at most the limit asked for) ...
    assert len(finder_triples(texture, limit=6)) <= 6
    # ... but none aligns and decodes as a code.
    assert decode_qr(texture) == []


def test_blind_refit_recovers_a_shake_wider_than_the_fixed_pattern_kernel() -> None:
    from vision.qr.model import BLIND_KERNEL_RADIUS, KERNEL_RADIUS, refit_kernel

    bits = symbol(TEXTS[5], 5)
    grid = grid_for(5)
    radius = BLIND_KERNEL_RADIUS
    # A defocus disk smeared by a 12 px (2.4 module) shake: reaches beyond KERNEL_RADIUS.
    disk = np.zeros((2 * radius + 1,) * 2, np.float32)
    cv2.circle(disk, (radius, radius), 3, 1.0, -1)
    line = np.zeros_like(disk)
    cv2.line(line, (radius - 6, radius - 3), (radius + 6, radius + 3), 1.0, 1)
    wide = cv2.filter2D(disk, -1, line / line.sum())
    wide /= wide.sum()
    assert wide[:, : radius - KERNEL_RADIUS].sum() > 0.01
    rectified = blurred_rectified(bits, wide, noise=0.02, seed=6)
    kernel, level = refit_kernel(rectified, module_values(bits), grid)
    assert kernel.shape == wide.shape
    assert kernel.sum() == pytest.approx(0.9, abs=0.02)
    assert level == pytest.approx(0.05, abs=0.02)
    # Fine detail of a kernel is not observable through 5-px modules; its coarse shape is.
    coarse = [cv2.GaussianBlur(k, (0, 0), 1.5).ravel() for k in (kernel, wide)]
    assert np.corrcoef(*coarse)[0, 1] > 0.98


def test_realignment_corrects_a_geometry_that_is_off_by_a_third_of_a_module() -> None:
    from vision.qr.model import _realign, _solve, symbol_corners

    image, corners = small_blurred_code(TEXTS[3], 3, 1.6, seed=5, defocus_px=0.8)
    grid = grid_for(3)
    centre = corners.mean(axis=0)
    off = centre + (corners - centre) * 1.02 + (0.4, -0.3)  # 2 % too large and shifted
    to_image = cv2.getPerspectiveTransform(symbol_corners(grid.modules), off.astype(np.float32))
    solution = _solve(image, to_image.astype(np.float64), grid, 3)
    refined = _realign(image, solution, grid)
    assert refined is not None
    found = cv2.perspectiveTransform(symbol_corners(grid.modules)[None], refined)[0]
    assert np.abs(found - corners).max() < 0.6 * np.abs(off - corners).max()


def test_flip_costs_single_out_the_module_that_was_read_wrong() -> None:
    from vision.qr.model import flip_costs

    bits = symbol(TEXTS[3], 3)
    grid = grid_for(3)
    kernel = shake_kernel()
    rectified = blurred_rectified(bits, kernel, noise=0.0)
    values = module_values(bits)
    costs = flip_costs(rectified, kernel * 0.9, 0.05, values, grid)
    free = grid.known == 0
    assert (costs[free] > 0).all()  # every true module explains the photo better than its flip
    row, col = np.argwhere(free)[40]
    values[row, col] = 1.0 - values[row, col]
    costs = flip_costs(rectified, kernel * 0.9, 0.05, values, grid)
    assert costs[row, col] < 0 and np.argmin(np.where(free, costs, np.inf)) == row * grid.side + col


def test_ecc_realignment_also_corrects_the_geometry_and_the_misfit_tells_which_is_better() -> None:
    from vision.qr.model import _misfit, _realign_ecc, _solve, symbol_corners

    image, corners = small_blurred_code(TEXTS[3], 3, 1.6, seed=5, defocus_px=0.8)
    grid = grid_for(3)
    centre = corners.mean(axis=0)
    off = centre + (corners - centre) * 1.02 + (0.4, -0.3)
    to_image = cv2.getPerspectiveTransform(symbol_corners(grid.modules), off.astype(np.float32)).astype(np.float64)
    solution = _solve(image, to_image, grid, 3)
    refined = _realign_ecc(image, solution, grid)
    assert refined is not None
    found = cv2.perspectiveTransform(symbol_corners(grid.modules)[None], refined)[0]
    assert np.abs(found - corners).max() < 0.6 * np.abs(off - corners).max()
    true_geometry = cv2.getPerspectiveTransform(symbol_corners(grid.modules), corners.astype(np.float32))
    assert _misfit(_solve(image, true_geometry.astype(np.float64), grid, 3), grid) < _misfit(solution, grid)


def test_only_plausible_first_solutions_are_refined() -> None:
    from vision.qr.model import Alignment, read_alignment, symbol_corners

    image, corners = small_blurred_code(TEXTS[3], 3, 1.4, seed=2)
    modules = grid_for(3).modules
    to_image = cv2.getPerspectiveTransform(symbol_corners(modules), corners.astype(np.float32)).astype(np.float64)
    code_readings = [r.method for r in read_alignment(image, Alignment(1.0, 3, to_image))]
    assert code_readings[0] == "solved" and len(code_readings) > 3
    rng = np.random.default_rng(4)
    texture = np.clip(cv2.GaussianBlur(rng.normal(128, 60, image.shape), (0, 0), 1.5), 0, 255).astype(np.uint8)
    assert [r.method for r in read_alignment(texture, Alignment(1.0, 3, to_image))] == ["solved"]
