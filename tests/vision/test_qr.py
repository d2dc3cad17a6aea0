"""vision.qr: codes generated with segno at test time, pasted small into photo-like images."""

from __future__ import annotations

import cv2
import numpy as np
import pytest
import segno

import vision.qr.cascade
from vision.qr import decode_qr, decode_single, to_grey
from vision.qr.deblur import BlurKernel, disk_psf, kernel_image, motion_direction, motion_psf, wiener
from vision.qr.regions import module_cluster_regions, run_length_pitch

HARU = "http://haru1.mx2.co.kr/@HA006XEb7Nh"
PHOTOISM = "https://qr.seobuk.kr/s/8ijZsg_"
LIFE4CUTS = "http://l4c01.lifejuin.biz/QRImage/20230606/SEL.MPO.YEONNAM02/161723678/index.html"
PHOTOGRAY = "https://pgshort.aprd.io/aB3dE5f"


def code_modules(text: str) -> np.ndarray:
    """The symbol as a 0/255 module matrix (dark = 0) with a 4-module quiet zone."""
    matrix = np.array(segno.make(text, error="m", micro=False, boost_error=False).matrix, dtype=np.uint8)
    return np.pad(np.where(matrix > 0, 0, 255).astype(np.uint8), 4, constant_values=255)


def render_code(text: str, width_px: float) -> tuple[np.ndarray, int]:
    """The code with quiet zone, area-sampled down so the symbol (without quiet zone) is ``width_px`` wide."""
    modules = code_modules(text)
    symbol_modules = modules.shape[0] - 8
    fine = np.kron(modules, np.ones((8, 8), dtype=np.uint8))
    side = round(width_px * modules.shape[0] / symbol_modules)
    return cv2.resize(fine, (side, side), interpolation=cv2.INTER_AREA), symbol_modules


def photo_like(width: int = 1280, height: int = 960, seed: int = 7) -> np.ndarray:
    """A BGR scene with soft shading, blobs and edges: texture for the localisers to reject."""
    rng = np.random.default_rng(seed)
    low = cv2.resize(rng.normal(128, 40, (height // 40, width // 40)), (width, height), interpolation=cv2.INTER_CUBIC)
    scene = np.ascontiguousarray(np.repeat(np.clip(low, 0, 255).astype(np.uint8)[:, :, None], 3, axis=2))
    for _ in range(25):
        colour = [int(c) for c in rng.integers(0, 256, 3)]
        centre = (int(rng.integers(0, width)), int(rng.integers(0, height)))
        if rng.random() < 0.5:
            cv2.circle(scene, centre, int(rng.integers(10, 120)), colour, -1, cv2.LINE_AA)
        else:
            size = rng.integers(10, 200, 2)
            cv2.rectangle(scene, centre, (centre[0] + int(size[0]), centre[1] + int(size[1])), colour, -1)
    cv2.putText(scene, "LIFE4CUT 2024.06.07", (40, height - 60), cv2.FONT_HERSHEY_DUPLEX, 1.4, (30, 30, 30), 2)
    scene = cv2.GaussianBlur(scene, (0, 0), 1.2) + rng.normal(0, 3, scene.shape)
    return np.clip(scene, 0, 255).astype(np.uint8)


def paste(scene: np.ndarray, code: np.ndarray, x: int, y: int) -> np.ndarray:
    out = scene.copy()
    out[y : y + code.shape[0], x : x + code.shape[1]] = code[:, :, None]
    return out


def camera(image: np.ndarray, blur_sigma: float = 0.0, quality: int = 75) -> np.ndarray:
    """Defocus and JPEG, as a phone photo sent through Telegram."""
    if blur_sigma > 0:
        image = cv2.GaussianBlur(image, (0, 0), blur_sigma)
    ok, encoded = cv2.imencode(".jpg", image, [cv2.IMWRITE_JPEG_QUALITY, quality])
    assert ok
    return cv2.imdecode(encoded, cv2.IMREAD_COLOR)


def symbol_quad(x: int, y: int, code: np.ndarray, symbol_modules: int) -> np.ndarray:
    """Corners of the symbol (without quiet zone) of a code pasted at (x, y)."""
    module = code.shape[0] / (symbol_modules + 8)
    x0, y0 = x + 4 * module, y + 4 * module
    x1, y1 = x0 + symbol_modules * module, y0 + symbol_modules * module
    return np.array([[x0, y0], [x1, y0], [x1, y1], [x0, y1]])


def centre_inside(polygon: tuple[tuple[int, int], ...], quad: np.ndarray) -> bool:
    centre = np.array(polygon, dtype=np.float64).mean(axis=0)
    contour = quad.astype(np.float32).reshape(-1, 1, 2)
    return cv2.pointPolygonTest(contour, (float(centre[0]), float(centre[1])), False) >= 0


def texts(codes: list) -> set[str]:
    return {code.text for code in codes}


def test_small_code_in_a_photo_is_decoded_and_located() -> None:
    code, modules = render_code(HARU, 58)  # 29 modules: 2 px per module, as on a Telegram-sized print photo
    image = camera(paste(photo_like(), code, 900, 240), blur_sigma=0.6)
    codes = decode_qr(image)
    assert texts(codes) == {HARU}
    polygon = np.array(codes[0].polygon, dtype=np.float64)
    truth = symbol_quad(900, 240, code, modules)
    # Polygon in input pixels: every corner within ~3 modules of a true corner.
    for corner in polygon:
        assert np.min(np.linalg.norm(truth - corner, axis=1)) < 6.5


def test_zbar_is_not_run_on_a_photo_zxing_read_whole(monkeypatch: pytest.MonkeyPatch) -> None:
    # zbar costs three times the rest of such a read; a second code is looked for by the 2x pass and the outlines
    calls: list[tuple[int, ...]] = []
    real = vision.qr.cascade._pyzbar_hits

    def counted(grey: np.ndarray) -> list:
        calls.append(grey.shape)
        return real(grey)

    monkeypatch.setattr(vision.qr.cascade, "_pyzbar_hits", counted)
    code, _ = render_code(PHOTOISM, 220)
    assert texts(decode_qr(camera(paste(photo_like(), code, 400, 300)))) == {PHOTOISM}
    assert calls == []


def test_zbar_reads_the_whole_photo_when_zxing_reads_nothing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(vision.qr.cascade, "_zxing_read", lambda *args, **kwargs: [])
    code, _ = render_code(PHOTOISM, 220)
    codes = decode_qr(camera(paste(photo_like(), code, 400, 300)))
    assert [(found.text, found.decoder) for found in codes] == [(PHOTOISM, "pyzbar/full")]


def test_cascade_reads_a_blurred_tiny_code_that_plain_decoders_miss() -> None:
    code, modules = render_code(HARU, 47)  # 1.6 px per module
    image = camera(paste(photo_like(seed=3), code, 300, 500), blur_sigma=0.8, quality=70)
    assert HARU not in texts(decode_single(image, "zxing"))
    assert HARU not in texts(decode_single(image, "pyzbar"))
    codes = decode_qr(image)
    assert HARU in texts(codes)
    assert centre_inside(codes[0].polygon, symbol_quad(300, 500, code, modules))


def test_several_codes_in_one_photo_are_all_returned_at_their_places() -> None:
    placed = [(PHOTOISM, 120, 150, 160), (HARU, 170, 700, 180), (PHOTOGRAY, 150, 400, 620)]
    scene = photo_like(seed=11)
    truths = {}
    for text, width, x, y in placed:
        code, modules = render_code(text, width)
        scene = paste(scene, code, x, y)
        truths[text] = symbol_quad(x, y, code, modules)
    codes = decode_qr(camera(scene))
    assert texts(codes) == set(truths)
    for found in codes:
        assert centre_inside(found.polygon, truths[found.text])


def test_perspective_warped_small_code() -> None:
    code, modules = render_code(LIFE4CUTS, 37 * 2.2)  # version 5, the longest booth URL shape
    scene = photo_like(seed=5)
    side = code.shape[0]
    square = np.float32([[0, 0], [side, 0], [side, side], [0, side]])
    # About 25 degrees of tilt: one side foreshortened, the far edge shorter, plus an in-plane turn.
    target = np.float32(
        [
            [700, 300],
            [700 + side * 0.95, 300 + side * 0.25],
            [700 + side * 0.85, 300 + side * 1.15],
            [690, 300 + side * 0.92],
        ]
    )
    homography = cv2.getPerspectiveTransform(square, target)
    warped = cv2.warpPerspective(code, homography, scene.shape[1::-1], flags=cv2.INTER_AREA, borderValue=0)
    mask = cv2.warpPerspective(np.full_like(code, 255), homography, scene.shape[1::-1], flags=cv2.INTER_NEAREST)
    scene[mask > 0] = warped[mask > 0][:, None]
    codes = decode_qr(camera(scene, blur_sigma=0.5))
    assert texts(codes) == {LIFE4CUTS}
    truth = cv2.perspectiveTransform(symbol_quad(0, 0, code, modules)[None].astype(np.float32), homography)[0]
    assert centre_inside(codes[0].polygon, truth)


def test_large_photo_polygon_is_in_input_pixels() -> None:
    # 3200 px wide: the search runs on a downscaled copy, the result must come back in these pixels.
    code, modules = render_code(PHOTOISM, 90)
    scene = cv2.resize(photo_like(seed=2), (3200, 2400), interpolation=cv2.INTER_LINEAR)
    image = camera(paste(scene, code, 2700, 2000), blur_sigma=1.0)
    codes = decode_qr(image)
    assert texts(codes) == {PHOTOISM}
    assert centre_inside(codes[0].polygon, symbol_quad(2700, 2000, code, modules))


def test_photo_without_code_gives_an_empty_list() -> None:
    assert decode_qr(camera(photo_like(seed=9))) == []
    assert decode_qr(np.full((600, 800), 255, dtype=np.uint8)) == []


def test_image_smaller_than_any_code_gives_an_empty_list() -> None:
    assert decode_qr(np.zeros((10, 500), dtype=np.uint8)) == []


@pytest.mark.parametrize(
    ("image", "error"),
    [
        ([[0, 255], [255, 0]], TypeError),
        ("photo.jpg", TypeError),
        (np.zeros((100, 100, 2), dtype=np.uint8), ValueError),
        (np.zeros((4, 100, 100, 3), dtype=np.uint8), ValueError),
        (np.zeros(100, dtype=np.uint8), ValueError),
        (np.zeros((100, 100), dtype=np.complex64), ValueError),
        (np.zeros((100, 100), dtype=object), ValueError),
    ],
)
def test_bad_arrays_raise_clear_errors(image: object, error: type[Exception]) -> None:
    with pytest.raises(error, match=r"expected|unsupported"):
        decode_qr(image)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "convert",
    [
        lambda g: g.astype(np.float32) / 255.0,  # float in [0, 1]
        lambda g: g.astype(np.uint16) * 257,  # 16-bit
        lambda g: g > 127,  # bool
        lambda g: cv2.cvtColor(g, cv2.COLOR_GRAY2BGRA),  # 4 channels
        lambda g: g[:, :, None],  # (H, W, 1)
    ],
)
def test_other_dtypes_and_layouts_decode(convert) -> None:
    code, _ = render_code(PHOTOISM, 150)
    grey = to_grey(paste(photo_like(640, 480), code, 200, 100))
    assert PHOTOISM in texts(decode_qr(convert(grey)))


def test_unknown_single_decoder_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown decoder"):
        decode_single(np.zeros((50, 50), dtype=np.uint8), "tesseract")


def test_run_length_pitch_measures_the_module_size() -> None:
    for width, text in ((58, HARU), (100, LIFE4CUTS)):
        code, modules = render_code(text, width)
        dark = code[code.shape[0] // 8 : -code.shape[0] // 8, code.shape[1] // 8 : -code.shape[1] // 8] < 128
        assert run_length_pitch(dark) == pytest.approx(width / modules, rel=0.25)


def test_module_clusters_find_a_small_code_among_clutter() -> None:
    code, _ = render_code(PHOTOGRAY, 50)
    grey = to_grey(camera(paste(photo_like(seed=4), code, 520, 610), blur_sigma=0.7))
    centre = (520 + code.shape[1] / 2, 610 + code.shape[0] / 2)
    regions = module_cluster_regions(grey)[:8]
    assert any(r.x0 <= centre[0] <= r.x1 and r.y0 <= centre[1] <= r.y1 for r in regions)
    assert all(r.source == "cluster" for r in regions)


def test_a_small_second_code_is_found_beside_a_large_one() -> None:
    # The whole-image decoders read only the large code; the small one (1.8 px per module) needs more.
    large, large_modules = render_code(PHOTOISM, 220)
    small, small_modules = render_code(HARU, 52)
    scene = paste(paste(photo_like(seed=13), large, 100, 100), small, 950, 650)
    image = camera(scene, blur_sigma=0.7)
    assert texts(decode_single(image, "zxing")) | texts(decode_single(image, "pyzbar")) == {PHOTOISM}
    codes = decode_qr(image)
    assert texts(codes) == {PHOTOISM, HARU}
    by_text = {code.text: code for code in codes}
    assert centre_inside(by_text[PHOTOISM].polygon, symbol_quad(100, 100, large, large_modules))
    assert centre_inside(by_text[HARU].polygon, symbol_quad(950, 650, small, small_modules))


def defocused_code_photo(text: str, width_px: float, radius_px: float, x: int, y: int, seed: int) -> np.ndarray:
    """A code pasted into a scene rendered at 4x, defocused by a disk of ``radius_px`` output pixels, then
    area-sampled down and JPEG-compressed: blur that spans about a module, as on a phone photo of a print."""
    over = 4
    modules = code_modules(text)
    side = round(width_px * modules.shape[0] / (modules.shape[0] - 8)) * over
    fine = cv2.resize(np.kron(modules, np.ones((16, 16), np.uint8)), (side, side), interpolation=cv2.INTER_AREA)
    scene = photo_like(seed=seed)
    big = paste(cv2.resize(scene, None, fx=over, fy=over, interpolation=cv2.INTER_LINEAR), fine, x * over, y * over)
    radius = round(radius_px * over)
    disk = np.zeros((2 * radius + 3, 2 * radius + 3), np.float32)
    cv2.circle(disk, (radius + 1, radius + 1), radius, 1.0, -1)
    big = cv2.filter2D(big, -1, disk / disk.sum())
    return camera(cv2.resize(big, scene.shape[1::-1], interpolation=cv2.INTER_AREA), quality=80)


@pytest.mark.parametrize(("text", "width"), [(HARU, 46), (LIFE4CUTS, 56)])
def test_model_and_deconvolution_stages_read_a_defocused_small_code_the_variants_miss(
    monkeypatch, text: str, width: int
) -> None:
    # 1.5-1.6 px per module under a 1.4 px defocus disk: neighbouring modules merge.
    image = defocused_code_photo(text, width, 1.4, 700, 400, seed=3)
    modules = code_modules(text).shape[0] - 8
    truth = np.array([[700, 400], [700 + width, 400], [700 + width, 400 + width], [700, 400 + width]]) + (
        4 * width / modules
    )

    def read_by(stage: str) -> None:
        codes = decode_qr(image)
        assert text in texts(codes)
        found = next(c for c in codes if c.text == text)
        assert centre_inside(found.polygon, truth)
        assert stage in found.decoder

    # The model stage (vision.qr.model) comes first; without it, Wiener deconvolution reads the code.
    read_by("model")
    monkeypatch.setattr(vision.qr.cascade, "MODEL_OUTLINES", 0)
    read_by("wiener")
    # Without either stage the rest of the cascade misses it.
    monkeypatch.setattr(vision.qr.cascade, "DEBLUR_REGIONS", 0)
    assert text not in texts(decode_qr(image))


def random_modules(seed: int, module_px: int = 6, count: int = 40) -> np.ndarray:
    bits = np.random.default_rng(seed).integers(0, 2, (count, count)).astype(np.uint8) * 255
    return np.kron(bits, np.ones((module_px, module_px), np.uint8))


def test_wiener_with_the_right_kernel_restores_merged_modules() -> None:
    sharp = random_modules(1)
    psf = kernel_image(BlurKernel(defocus_px=1.4, motion_px=2.0, motion_deg=30.0), scale=4.0)
    blurred = cv2.filter2D(sharp.astype(np.float32), -1, psf, borderType=cv2.BORDER_REFLECT)
    noisy = np.clip(blurred + np.random.default_rng(2).normal(0, 2, blurred.shape), 0, 255).astype(np.uint8)
    restored = wiener(noisy, psf, 0.01)
    centres = (slice(3, None, 6), slice(3, None, 6))  # one pixel per module, its centre

    def wrong_modules(image: np.ndarray) -> float:
        return float(np.mean((image[centres] > 127) != (sharp[centres] > 127)))

    assert wrong_modules(noisy) > 0.1
    assert wrong_modules(restored) < 0.2 * wrong_modules(noisy)


@pytest.mark.parametrize("angle", [0.0, 30.0, 120.0])
def test_motion_direction_follows_the_shake(angle: float) -> None:
    sharp = random_modules(5).astype(np.float32)
    _, still_ratio = motion_direction(sharp.astype(np.uint8))
    shaken = cv2.filter2D(sharp, -1, motion_psf(14.0, angle), borderType=cv2.BORDER_REFLECT).astype(np.uint8)
    found, ratio = motion_direction(shaken)
    assert min(abs(found - angle), 180 - abs(found - angle)) < 12
    assert ratio < 0.7 < still_ratio


def test_blur_kernels_are_normalised_and_centred() -> None:
    for psf in (disk_psf(0.6), disk_psf(2.3), motion_psf(2.5, 45.0), kernel_image(BlurKernel(1.0, 1.5, 80.0), 3.0)):
        assert psf.sum() == pytest.approx(1.0, abs=1e-5)
        assert psf.shape[0] % 2 == 1 and psf.shape[0] == psf.shape[1]
        ys, xs = np.mgrid[: psf.shape[0], : psf.shape[1]]
        centre = psf.shape[0] // 2
        assert float((psf * ys).sum()) == pytest.approx(centre, abs=0.05)
        assert float((psf * xs).sum()) == pytest.approx(centre, abs=0.05)
