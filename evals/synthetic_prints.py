"""Seeded synthetic phone photos of printed 4-cut strips with a booth QR code.

Each sample is built from real frames (``<data>/photobooth``): four frames are tiled into a 1x4 strip or a
2x2 sheet with a border and a logo band that holds a small QR code with a booth-like URL. The print is then
"photographed": tilted in 3D (up to 25 degrees), rotated in-plane, placed on a background, defocused, motion
blurred, lit unevenly, hit by a glare spot, noised, downscaled to a 1280 px long side (QR 40-90 px wide)
and JPEG-compressed at quality 60-85.

Generator version 2 (audit against issue 3 and ``../shared/research/booths.md``): the URLs now have the
shapes booths print (v1 invented two Photo Signature forms and shortened the Life4Cuts one, which hid the
version-4 and version-5 codes those brands really print), pixpixlink was added, and the drawn error level is
the one printed (segno's boost_error had silently raised it). Nothing was made easier: the 40-90 px width,
tilt, blur, glare and JPEG ranges are unchanged. The result is 1.1-3.2 px per module (median 2.0); below
~1.5 px per module with a blur of more than a module, a code is unreadable even from its true corners
(``qr.synthetic_oracle_rate`` in evals/eval_qr.py measures that ceiling). The manifest records each sample's
geometry, so the eval can break results down by module size and check the returned polygons.

Everything is driven by ``numpy.random.default_rng((seed, index))``, so the same seed and source frames
give the same JPEG bytes. Samples are written to a cache folder under ``.cache/`` (git-ignored) at eval
time; nothing generated here is ever committed.
"""

from __future__ import annotations

import hashlib
import json
import string
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from evals.common import REPO_ROOT
from playground.prints import ALNUM, cover_crop, make_print, token

GENERATOR_VERSION = 2
DEFAULT_SEED = 20240607
DEFAULT_COUNT = 200
OUTPUT_LONG_SIDE = 1280
QR_WIDTH_RANGE_PX = (40.0, 90.0)
MAX_TILT_DEG = 25.0
JPEG_QUALITY_RANGE = (60, 85)
# Frames with a QR code would add a second, unlabelled code; collages are already 4-cut layouts.
EXCLUDED_FRAME_NAMES = ("qrcode", "collage")
# Rendering happens at this multiple of the output size, then INTER_AREA downscaling mimics the sensor.
RENDER_OVERSAMPLE = 2


@dataclass(frozen=True)
class Capture:
    """How the print was photographed (output-pixel units)."""

    jpeg: bytes
    qr_corners: np.ndarray  # (4, 2) symbol corners without quiet zone, in output pixels
    qr_width_px: float
    tilt_deg: float
    defocus_px: float
    motion_px: float
    quality: int


@dataclass(frozen=True)
class SyntheticPrint:
    name: str
    jpeg: bytes
    text: str
    brand: str
    layout: str
    qr_version: int
    qr_error: str
    qr_corners: np.ndarray
    qr_width_px: float
    tilt_deg: float
    defocus_px: float
    motion_px: float
    quality: int

    @property
    def px_per_module(self) -> float:
        return self.qr_width_px / (17 + 4 * self.qr_version)


_SEOUL_DISTRICTS = ("MPO", "GNM", "JGU", "SDM", "YSN", "SCH", "GWJ", "SGB")
_BOOTH_NAMES = ("YEONNAM", "HONGDAE", "SINCHON", "GANGNAM", "SEONGSU", "JAMSIL", "MYEONGDONG", "KONDAE")


def _photoism(rng: np.random.Generator) -> str:
    # qr.seobuk.kr/s/<7 chars>; the code may contain ~ _ . (8ijZsg_, RQ1Tl~L, IMfkz6.).
    return f"https://qr.seobuk.kr/s/{token(rng, 7, ALNUM + '~_.')}"


def _harufilm(rng: np.random.Generator) -> str:
    # http only, haru<N>.mx2.co.kr/@HA<9 chars> (HA006XEb7Nh).
    return f"http://haru{int(rng.integers(1, 10))}.mx2.co.kr/@HA{token(rng, 9)}"


def _photogray(rng: np.random.Generator) -> str:
    return f"https://pgshort.aprd.io/{token(rng, 7)}"


def _life4cuts(rng: np.random.Generator) -> str:
    # l4c01.lifejuin.biz/QRImage/20230606/SEL.MPO.YEONNAM02/161723678/index.html: the longest shape in use.
    day = f"202{int(rng.integers(3, 6))}{int(rng.integers(1, 13)):02d}{int(rng.integers(1, 29)):02d}"
    district = _SEOUL_DISTRICTS[int(rng.integers(0, len(_SEOUL_DISTRICTS)))]
    booth = f"SEL.{district}.{_BOOTH_NAMES[int(rng.integers(0, len(_BOOTH_NAMES)))]}{int(rng.integers(1, 10)):02d}"
    host = f"l4c0{int(rng.integers(1, 3))}.lifejuin.biz"
    return f"http://{host}/QRImage/{day}/{booth}/{token(rng, 9, string.digits)}/index.html"


def _photo_signature(rng: np.random.Generator) -> str:
    # photoqr.kr/R/dsshop04/210322/011811/index.html (also photoqr2.kr, photoqr3.kr).
    host = ("photoqr.kr", "photoqr2.kr", "photoqr3.kr")[int(rng.integers(0, 3))]
    shop = f"{token(rng, 6, string.ascii_lowercase)}{int(rng.integers(1, 30)):02d}"
    day = f"2{int(rng.integers(3, 6))}{int(rng.integers(1, 13)):02d}{int(rng.integers(1, 29)):02d}"
    time = f"{int(rng.integers(0, 24)):02d}{int(rng.integers(0, 60)):02d}{int(rng.integers(0, 60)):02d}"
    return f"http://{host}/R/{shop}/{day}/{time}/index.html"


def _pixpixlink(rng: np.random.Generator) -> str:
    # t.pixpixlink.com/g4?d=T4797&i=SoaVlwvw (PLAN.B STUDIO / OLDMOON).
    return f"https://t.pixpixlink.com/g4?d=T{token(rng, 4, string.digits)}&i={token(rng, 8)}"


BRANDS = {
    "photoism": _photoism,
    "harufilm": _harufilm,
    "photogray": _photogray,
    "life4cuts": _life4cuts,
    "photosignature": _photo_signature,
    "pixpixlink": _pixpixlink,
}


def booth_url(rng: np.random.Generator) -> tuple[str, str]:
    """A (brand, URL) pair shaped like the URLs Korean photo-booth brands print on their strips."""
    brand = list(BRANDS)[int(rng.integers(0, len(BRANDS)))]
    return brand, BRANDS[brand](rng)


def _rotation(tilt_x: float, tilt_y: float, roll: float) -> np.ndarray:
    ax, ay, az = np.radians([tilt_x, tilt_y, roll])
    rx = np.array([[1, 0, 0], [0, np.cos(ax), -np.sin(ax)], [0, np.sin(ax), np.cos(ax)]])
    ry = np.array([[np.cos(ay), 0, np.sin(ay)], [0, 1, 0], [-np.sin(ay), 0, np.cos(ay)]])
    rz = np.array([[np.cos(az), -np.sin(az), 0], [np.sin(az), np.cos(az), 0], [0, 0, 1]])
    return rx @ ry @ rz


def _camera_homography(
    print_size: tuple[int, int], qr_corners: np.ndarray, canvas: tuple[int, int], rng: np.random.Generator
) -> tuple[np.ndarray, float, float]:
    """Homography from print pixels to canvas pixels for a tilted phone camera.

    The scale is chosen so the projected QR ends up 40-90 px wide at output resolution.
    Returns the homography, the projected QR width in output pixels and the tilt in degrees.
    """
    canvas_w, canvas_h = canvas
    tilt = float(rng.uniform(0, MAX_TILT_DEG))
    direction = float(rng.uniform(0, 2 * np.pi))
    roll = float(rng.uniform(-20, 20)) + (float(rng.choice([0, 90, 180, 270])) if rng.random() < 0.2 else 0.0)
    rotation = _rotation(tilt * np.cos(direction), tilt * np.sin(direction), roll)
    focal = 1.1 * max(canvas)
    target_qr_px = float(rng.uniform(*QR_WIDTH_RANGE_PX)) * RENDER_OVERSAMPLE
    qr_px = float(np.linalg.norm(qr_corners[1] - qr_corners[0]))
    scale = target_qr_px / qr_px
    qr_centre = qr_corners.mean(axis=0)
    # Where the QR centre lands on the canvas: anywhere in the middle 70 %.
    target = np.array([rng.uniform(0.15, 0.85) * canvas_w, rng.uniform(0.15, 0.85) * canvas_h])
    w, h = print_size
    src = np.array([[0, 0], [w, 0], [w, h], [0, h]], dtype=np.float64)
    plane = (src - qr_centre) * scale
    points = np.c_[plane, np.zeros(4)] @ rotation.T
    depth = points[:, 2] + focal
    projected = focal * points[:, :2] / depth[:, None] + target
    homography = cv2.getPerspectiveTransform(src.astype(np.float32), projected.astype(np.float32))
    qr_projected = cv2.perspectiveTransform(qr_corners[None].astype(np.float32), homography)[0]
    edges = np.linalg.norm(np.roll(qr_projected, -1, axis=0) - qr_projected, axis=1)
    return homography, float(edges.mean()) / RENDER_OVERSAMPLE, tilt


def _background(frames: Sequence[np.ndarray], width: int, height: int, rng: np.random.Generator) -> np.ndarray:
    if rng.random() < 0.5:
        photo = cover_crop(frames[int(rng.integers(0, len(frames)))], width // 8, height // 8, rng)
        photo = cv2.GaussianBlur(photo, (0, 0), 3)
        return cv2.resize(photo, (width, height), interpolation=cv2.INTER_LINEAR)
    base = rng.integers(40, 220, 3).astype(np.float32)
    noise = cv2.resize(rng.normal(0, 18, (height // 16, width // 16)).astype(np.float32), (width, height))
    grain = np.linspace(0, float(rng.uniform(0, 30)), width, dtype=np.float32)[None, :]
    surface = base[None, None, :] + (noise + grain)[:, :, None]
    return np.clip(surface, 0, 255).astype(np.uint8)


def _disk_kernel(radius: float) -> np.ndarray:
    size = int(np.ceil(radius)) * 2 + 1
    yy, xx = np.mgrid[:size, :size] - size // 2
    kernel = ((xx**2 + yy**2) <= radius**2 + 0.5).astype(np.float32)
    return kernel / kernel.sum()


def _motion_kernel(length: float, angle_deg: float) -> np.ndarray:
    size = int(np.ceil(length)) | 1
    line = np.zeros((size, size), dtype=np.float32)
    cv2.line(line, (0, size // 2), (size - 1, size // 2), 1.0, 1)
    rotate = cv2.getRotationMatrix2D((size / 2 - 0.5, size / 2 - 0.5), angle_deg, 1.0)
    kernel = cv2.warpAffine(line, rotate, (size, size))
    return kernel / max(float(kernel.sum()), 1e-6)


def _lighting(image: np.ndarray, qr_centre: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    h, w = image.shape[:2]
    yy, xx = np.mgrid[:h, :w].astype(np.float32)
    angle = rng.uniform(0, 2 * np.pi)
    ramp = (np.cos(angle) * xx / w + np.sin(angle) * yy / h).astype(np.float32)
    ramp -= ramp.min()
    ramp /= max(float(ramp.max()), 1e-6)
    low = float(rng.uniform(0.45, 0.85))
    gain = low + (1.05 - low) * ramp
    vignette = 1.0 - float(rng.uniform(0.0, 0.35)) * (((xx - w / 2) / w) ** 2 + ((yy - h / 2) / h) ** 2) * 2
    lit = image.astype(np.float32) * (gain * vignette)[:, :, None]
    # Glare: a bright soft ellipse, sometimes close to the QR (glossy photo paper under a ceiling lamp).
    near_qr = rng.random() < 0.5
    centre = qr_centre + rng.normal(0, 0.06 * w, 2) if near_qr else np.array([rng.uniform(0, w), rng.uniform(0, h)])
    axes = np.array([rng.uniform(0.03, 0.12) * w, rng.uniform(0.02, 0.07) * w])
    theta = rng.uniform(0, np.pi)
    dx, dy = xx - centre[0], yy - centre[1]
    u = (dx * np.cos(theta) + dy * np.sin(theta)) / axes[0]
    v = (-dx * np.sin(theta) + dy * np.cos(theta)) / axes[1]
    glare = np.exp(-(u**2 + v**2)).astype(np.float32) * float(rng.uniform(60, 170))
    lit += glare[:, :, None]
    return lit


def photograph(
    print_bgr: np.ndarray, qr_corners: np.ndarray, frames: Sequence[np.ndarray], rng: np.random.Generator
) -> Capture:
    """Render a phone photo of ``print_bgr``."""
    portrait = rng.random() < 0.5
    out_w, out_h = (960, OUTPUT_LONG_SIDE) if portrait else (OUTPUT_LONG_SIDE, 960)
    canvas_w, canvas_h = out_w * RENDER_OVERSAMPLE, out_h * RENDER_OVERSAMPLE
    homography, qr_width, tilt = _camera_homography(
        (print_bgr.shape[1], print_bgr.shape[0]), qr_corners, (canvas_w, canvas_h), rng
    )
    scene = _background(frames, canvas_w, canvas_h, rng)
    warped = cv2.warpPerspective(print_bgr, homography, (canvas_w, canvas_h), flags=cv2.INTER_LINEAR)
    mask = cv2.warpPerspective(
        np.full(print_bgr.shape[:2], 255, np.uint8), homography, (canvas_w, canvas_h), flags=cv2.INTER_LINEAR
    )
    alpha = (mask.astype(np.float32) / 255.0)[:, :, None]
    scene = (warped * alpha + scene * (1 - alpha)).astype(np.uint8)
    defocus = float(rng.uniform(0.0, 1.6)) * RENDER_OVERSAMPLE
    if defocus >= 1.0:
        scene = cv2.filter2D(scene, -1, _disk_kernel(defocus))
    length = 0.0
    if rng.random() < 0.5:
        length = float(rng.uniform(1.0, 3.0)) * RENDER_OVERSAMPLE
        scene = cv2.filter2D(scene, -1, _motion_kernel(length, float(rng.uniform(0, 180))))
    small = cv2.resize(scene, (out_w, out_h), interpolation=cv2.INTER_AREA)
    # Lighting varies smoothly, so it is applied at output resolution (4x fewer pixels to shade).
    projected = cv2.perspectiveTransform(qr_corners[None].astype(np.float32), homography)[0] / RENDER_OVERSAMPLE
    lit = _lighting(small, projected.mean(axis=0), rng)
    noisy = lit + np.asarray(rng.normal(0, float(rng.uniform(1.5, 5.0)), small.shape), dtype=np.float32)
    final = np.clip(noisy, 0, 255).astype(np.uint8)
    quality = int(rng.integers(JPEG_QUALITY_RANGE[0], JPEG_QUALITY_RANGE[1] + 1))
    ok, encoded = cv2.imencode(".jpg", final, [cv2.IMWRITE_JPEG_QUALITY, quality])
    if not ok:
        raise RuntimeError("JPEG encoding failed")
    return Capture(
        jpeg=encoded.tobytes(),
        # Pixel centres: output pixel i covers oversampled pixels [2i, 2i + 2).
        qr_corners=projected.astype(np.float64) - 0.5 + 0.5 / RENDER_OVERSAMPLE,
        qr_width_px=qr_width,
        tilt_deg=tilt,
        defocus_px=defocus / RENDER_OVERSAMPLE if defocus >= 1.0 else 0.0,
        motion_px=length / RENDER_OVERSAMPLE,
        quality=quality,
    )


def generate_print(frames: Sequence[np.ndarray], seed: int, index: int) -> SyntheticPrint:
    """One deterministic sample: same frames, seed and index give the same bytes."""
    if not frames:
        raise ValueError("at least one source frame is needed")
    rng = np.random.default_rng((seed, index))
    brand, url = booth_url(rng)
    sheet, corners, layout, symbol = make_print(frames, url, rng)
    shot = photograph(sheet, corners, frames, rng)
    return SyntheticPrint(
        name=f"print_{index:04d}.jpg",
        jpeg=shot.jpeg,
        text=url,
        brand=brand,
        layout=layout,
        qr_version=int(symbol.version),
        qr_error=symbol.error,
        qr_corners=shot.qr_corners,
        qr_width_px=shot.qr_width_px,
        tilt_deg=shot.tilt_deg,
        defocus_px=shot.defocus_px,
        motion_px=shot.motion_px,
        quality=shot.quality,
    )


def load_frames(photobooth_dir: Path, max_side: int = 900) -> list[np.ndarray]:
    """Source frames from ``<data>/photobooth/images`` (sorted, downscaled for speed, QR screenshots skipped)."""
    frames: list[np.ndarray] = []
    for path in sorted((photobooth_dir / "images").iterdir()):
        if path.suffix.lower() not in {".jpg", ".jpeg", ".png"}:
            continue
        if any(word in path.name.lower() for word in EXCLUDED_FRAME_NAMES):
            continue
        image = cv2.imread(str(path), cv2.IMREAD_COLOR)
        if image is None:
            continue
        scale = max_side / max(image.shape[:2])
        if scale < 1:
            image = cv2.resize(image, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
        frames.append(image)
    return frames


def _frames_fingerprint(photobooth_dir: Path) -> str:
    digest = hashlib.sha256()
    for path in sorted((photobooth_dir / "images").iterdir()):
        digest.update(path.name.encode())
        digest.update(str(path.stat().st_size).encode())
    return digest.hexdigest()[:12]


@dataclass(frozen=True)
class CachedPrint:
    """One generated sample on disk with what the eval needs to break results down."""

    path: Path
    text: str
    brand: str
    qr_version: int
    qr_corners: np.ndarray
    px_per_module: float
    defocus_px: float
    motion_px: float


def _manifest_entry(sample: SyntheticPrint) -> dict[str, object]:
    return {
        "name": sample.name,
        "text": sample.text,
        "brand": sample.brand,
        "layout": sample.layout,
        "qr_version": sample.qr_version,
        "qr_error": sample.qr_error,
        "qr_corners": [[round(float(x), 2), round(float(y), 2)] for x, y in sample.qr_corners],
        "qr_width_px": round(sample.qr_width_px, 1),
        "px_per_module": round(sample.px_per_module, 3),
        "tilt_deg": round(sample.tilt_deg, 1),
        "defocus_px": round(sample.defocus_px, 2),
        "motion_px": round(sample.motion_px, 2),
        "jpeg_quality": sample.quality,
    }


def _cached(folder: Path, entry: dict) -> CachedPrint:
    return CachedPrint(
        path=folder / entry["name"],
        text=entry["text"],
        brand=entry["brand"],
        qr_version=int(entry["qr_version"]),
        qr_corners=np.array(entry["qr_corners"], dtype=np.float64),
        px_per_module=float(entry["px_per_module"]),
        defocus_px=float(entry["defocus_px"]),
        motion_px=float(entry["motion_px"]),
    )


def cached_prints(
    data: Path, seed: int = DEFAULT_SEED, count: int = DEFAULT_COUNT, cache_root: Path | None = None
) -> list[CachedPrint]:
    """Generate (or reuse) the sample set in a cache folder under ``.cache/`` (git-ignored)."""
    photobooth_dir = data / "photobooth"
    key = f"v{GENERATOR_VERSION}_s{seed}_n{count}_{_frames_fingerprint(photobooth_dir)}"
    folder = (cache_root or REPO_ROOT / ".cache" / "synthetic_prints") / key
    manifest = folder / "manifest.json"
    if manifest.is_file():
        entries = json.loads(manifest.read_text())
        if all((folder / e["name"]).is_file() for e in entries):
            return [_cached(folder, e) for e in entries]
    frames = load_frames(photobooth_dir)
    folder.mkdir(parents=True, exist_ok=True)
    entries = []
    for index in range(count):
        sample = generate_print(frames, seed, index)
        (folder / sample.name).write_bytes(sample.jpeg)
        entries.append(_manifest_entry(sample))
    manifest.write_text(json.dumps(entries, indent=1))
    return [_cached(folder, e) for e in entries]
