"""Example photos for the playground: 4-cut strips whose QR codes point at a sample booth.

Every shot shows one real face (a public-domain portrait pinned in vision/models/models.toml, so the face and smile
models read it as what it is: one smiling person, the same in every shot) beside a drawn hand making a pose the pose
stage names (playground.hands), on a pastel backdrop. Drawn cartoon faces were found in 2 of 10 shots and scored
anywhere from 5 to 97 for the same smile, which showed the product untruthfully.

Each example is a printed strip (four generated frames tiled by `playground.prints.make_print`, with a
QR code for ``https://booth.choosecheese.test/booth/<code>``) and a "phone photo" of it lying on a table. The
playground serves the booth page and the strip's original on loopback, and routes that host there through the
bot's SafeFetcher, so the whole QR → booth download → album flow runs with no real booth. ``.test`` is a reserved
top-level domain: the name can never reach a real server.
"""

from __future__ import annotations

import math
import tempfile
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import cv2
import numpy as np

from playground.hands import draw_hand, hand_points
from playground.prints import make_print
from vision.models import model_path

BOOTH_HOST = "booth.choosecheese.test"
BOOTH_PATH = "/booth/"
SEED = 20260607
PRINT_SCALE = 2  # make_print draws at strip-preview size; booth originals are larger
PHONE_SIZE = (960, 1280)  # width, height of the phone photo
JPEG_QUALITY = 90
VIDEO_SIZE = (480, 336)  # width, height: even numbers, as MPEG-4 wants

_SKIN = ((224, 189, 160), (198, 152, 120), (241, 211, 186), (205, 160, 130))
PORTRAIT = "sample_portrait"
PORTRAIT_CROP = (40, 0, 420, 420)  # x0, y0, x1, y1 of the head and shoulders in the 512 px portrait
PORTRAIT_FACE = (178, 63, 89, 112)  # the face detector's box in the portrait
# The poses of a strip's four shots: hand shapes the pose stage names reliably when drawn (a drawn thumbs-up or a V
# left of the face is named only now and then), each on its side of the face; tests/playground/test_samples.py
# checks every sample strip's cuts are read as drawn.
POSES = (("v_sign", 1), ("open_palm", -1), ("v_sign", 1), ("open_palm", 1))
_SKIES = (((255, 214, 224), (255, 245, 200)), ((200, 230, 255), (235, 220, 255)), ((210, 245, 225), (255, 240, 210)))


@dataclass(frozen=True)
class Example:
    code: str
    live: bool  # False: the booth says the photo is gone (an expired link)
    original: bytes  # the booth's file, what the bot should file in the album
    phone_photo: bytes  # what a person sends: the printed strip photographed on a table
    video: bytes | None  # the booth's making-of clip (the four shots in turn), when this booth offers one

    @property
    def url(self) -> str:
        return f"https://{BOOTH_HOST}{BOOTH_PATH}{self.code}"


def _gradient(width: int, height: int, top: tuple[int, int, int], bottom: tuple[int, int, int]) -> np.ndarray:
    ramp = np.linspace(0.0, 1.0, height, dtype=np.float32)[:, None, None]
    image = np.array(top, np.float32) * (1 - ramp) + np.array(bottom, np.float32) * ramp
    return np.repeat(image, width, axis=1).astype(np.uint8)


def _heart(canvas: np.ndarray, centre: tuple[int, int], size: int, colour: tuple[int, int, int]) -> None:
    x, y = centre
    r = max(2, size // 4)
    cv2.circle(canvas, (x - r, y), r, colour, -1, cv2.LINE_AA)
    cv2.circle(canvas, (x + r, y), r, colour, -1, cv2.LINE_AA)
    points = np.array([[x - 2 * r, y + r // 3], [x + 2 * r, y + r // 3], [x, y + 2 * r + r // 2]], np.int32)
    cv2.fillConvexPoly(canvas, points, colour, cv2.LINE_AA)


def _portrait() -> np.ndarray:
    """The sample face: a public-domain portrait pinned in vision/models/models.toml (RGB)."""
    from PIL import Image

    with Image.open(model_path(PORTRAIT)) as image:
        return np.asarray(image.convert("RGB"))


def _place_portrait(canvas: np.ndarray, left: int) -> tuple[float, float, float, float]:
    """Blend the portrait's head and shoulders into the frame at `left`, softly edged; returns the face box (x, y, w,
    h) in frame pixels."""
    x0, y0, x1, y1 = PORTRAIT_CROP
    height = canvas.shape[0]
    scale = height / (y1 - y0)
    crop = cv2.resize(_portrait()[y0:y1, x0:x1, ::-1], None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
    crop_h, crop_w = crop.shape[:2]
    mask = np.zeros((crop_h, crop_w), np.float32)
    cv2.ellipse(mask, (crop_w // 2, crop_h // 2 + 30), (int(crop_w * 0.48), int(crop_h * 0.62)), 0, 0, 360, 1.0, -1)
    alpha = cv2.GaussianBlur(mask, (0, 0), 12)[..., None]
    behind = canvas[:crop_h, left : left + crop_w].astype(np.float32)
    canvas[:crop_h, left : left + crop_w] = (crop * alpha + behind * (1 - alpha)).astype(np.uint8)
    fx, fy, fw, fh = PORTRAIT_FACE
    return left + (fx - x0) * scale, (fy - y0) * scale, fw * scale, fh * scale


def cartoon_frame(rng: np.random.Generator, pose: tuple[str, int], size: tuple[int, int] = (600, 420)) -> np.ndarray:
    """One booth shot: a pastel backdrop with a few hearts, the sample person and a drawn hand making `pose` (a
    playground.hands shape, and the side of the face it is on: 1 right, -1 left) (BGR)."""
    width, height = size
    top, bottom = _SKIES[int(rng.integers(len(_SKIES)))]
    frame = _gradient(width, height, top[::-1], bottom[::-1])
    for _ in range(int(rng.integers(3, 7))):
        centre = (int(rng.integers(20, width - 20)), int(rng.integers(20, height // 2)))
        _heart(frame, centre, int(rng.integers(14, 30)), (180, 170, 255))
    shape, side = pose
    x, y, w, h = _place_portrait(frame, left=int(width * 0.2) - side * 80)
    skin = _SKIN[int(rng.integers(len(_SKIN)))][::-1]  # BGR, like the frame
    hand_centre = (x + w / 2 + side * w * 1.5, y + h * 0.6)
    draw_hand(frame, hand_points(shape, h * 0.75, hand_centre), skin, rng)
    return frame


def phone_photo(print_bgr: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """The strip lying on a wooden table, slightly turned, photographed from above (BGR)."""
    out_w, out_h = PHONE_SIZE
    grain = cv2.resize(rng.normal(0, 6, (out_h // 8, out_w // 8)).astype(np.float32), (out_w, out_h))
    stripes = 8 * np.sin(np.linspace(0, 18 * math.pi, out_w, dtype=np.float32))[None, :]
    wood = np.array((70, 110, 160), np.float32)[None, None, :] + (grain + stripes)[:, :, None]
    table = np.clip(wood, 0, 255).astype(np.uint8)
    h, w = print_bgr.shape[:2]
    scale = min(0.86 * out_h / h, 0.86 * out_w / w)
    angle = float(rng.uniform(-5, 5))
    matrix = cv2.getRotationMatrix2D((w / 2, h / 2), angle, scale)
    matrix[:, 2] += (out_w / 2 - w / 2, out_h / 2 - h / 2)
    placed = cv2.warpAffine(print_bgr, matrix, (out_w, out_h), flags=cv2.INTER_AREA)
    mask = cv2.warpAffine(np.full((h, w), 255, np.uint8), matrix, (out_w, out_h))
    shadow = cv2.GaussianBlur(np.roll(mask, (14, 10), axis=(0, 1)), (0, 0), 9).astype(np.float32) / 255
    table = (table.astype(np.float32) * (1 - 0.45 * shadow[:, :, None])).astype(np.uint8)
    alpha = (mask.astype(np.float32) / 255)[:, :, None]
    return (placed * alpha + table * (1 - alpha)).astype(np.uint8)


def _jpeg(image_bgr: np.ndarray) -> bytes:
    ok, encoded = cv2.imencode(".jpg", image_bgr, [cv2.IMWRITE_JPEG_QUALITY, JPEG_QUALITY])
    if not ok:
        raise RuntimeError("JPEG encoding failed")
    return encoded.tobytes()


def making_of(frames: list[np.ndarray], fps: int = 12, seconds_per_shot: float = 0.8) -> bytes:
    """An MP4 (MPEG-4 Part 2, the encoder OpenCV's wheels carry) of the shots with short cross-fades."""
    height, width = VIDEO_SIZE[1], VIDEO_SIZE[0]
    shots = [cv2.resize(frame, (width, height), interpolation=cv2.INTER_AREA) for frame in frames]
    hold, fade = round(fps * seconds_per_shot), fps // 3
    with tempfile.TemporaryDirectory() as scratch:
        path = Path(scratch) / "making-of.mp4"
        writer = cv2.VideoWriter(str(path), cv2.VideoWriter.fourcc(*"mp4v"), fps, (width, height))
        if not writer.isOpened():
            raise RuntimeError("OpenCV cannot write MP4 here")
        try:
            for index, shot in enumerate(shots):
                for _ in range(hold):
                    writer.write(shot)
                following = shots[(index + 1) % len(shots)]
                for step in range(1, fade + 1):
                    writer.write(cv2.addWeighted(shot, 1 - step / (fade + 1), following, step / (fade + 1), 0))
        finally:
            writer.release()
        return path.read_bytes()


def make_example(code: str, index: int, *, live: bool = True, with_video: bool = True) -> Example:
    rng = np.random.default_rng((SEED, index))
    frames = [cartoon_frame(rng, pose) for pose in POSES]
    example_url = f"https://{BOOTH_HOST}{BOOTH_PATH}{code}"
    strip, _corners, _layout, _symbol = make_print(frames, example_url, rng, scale=PRINT_SCALE)
    return Example(
        code=code,
        live=live,
        original=_jpeg(strip),
        phone_photo=_jpeg(phone_photo(strip, rng)),
        video=making_of(frames) if with_video else None,
    )


@cache
def examples() -> tuple[Example, ...]:
    """Three strips: two the booth still has (one with a making-of clip), one it has deleted (the bot then keeps
    the phone photo)."""
    return (
        make_example("Hq3xZ8mK", 0),
        make_example("Vb7LpT2w", 1, with_video=False),
        make_example("Gone0ld5", 2, live=False, with_video=False),
    )


def example(code: str) -> Example | None:
    return next((item for item in examples() if item.code == code), None)
