"""Seeded synthetic photo-booth files with known frame boxes, for the cut splitter's tests and eval.

A sample is a print the way booths deliver the digital file: frames laid out in a grid (1x4 strip, 4x1, 2x2, 2x3,
3x2) on a background of one colour (white, black, pastel or saturated), margins and gaps of varying thickness, a logo
band with text and a date at the top or bottom, optionally the whole strip twice side by side (Life4Cuts sheets),
a slight rotation (scanner / phone held nearly square) and JPEG compression. Frame content is generated (gradients,
shapes, noise, plain "wall" areas) or, when given, cropped from real photos. Plain photos ("single") are generated
scenes built to tempt a splitter: plain walls, people-like blobs standing apart, strong straight horizontal and
vertical lines.

Everything is driven by ``numpy.random.default_rng((seed, index))``: the same seed gives the same images.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import cv2
import numpy as np

DEFAULT_SEED = 20261201
Box = tuple[int, int, int, int]

# (cols, rows) and the width/height of one frame that booths use for it.
LAYOUT_ASPECTS: dict[tuple[int, int], tuple[float, float]] = {
    (1, 4): (1.25, 1.55),
    (4, 1): (0.7, 0.85),
    (2, 2): (0.7, 1.5),
    (2, 3): (0.95, 1.4),
    (3, 2): (0.75, 1.05),
}
BACKGROUNDS: tuple[tuple[int, int, int], ...] = (
    (255, 255, 255),
    (246, 244, 238),
    (18, 18, 18),
    (0, 0, 0),
    (250, 214, 222),
    (190, 222, 246),
    (255, 224, 120),
    (200, 40, 60),
    (40, 90, 200),
)


@dataclass(frozen=True)
class SyntheticCut:
    rgb: np.ndarray
    kind: str  # expected CutLayout.kind: "single" or "<cols>x<rows>" of one copy
    duplicated: bool
    boxes: tuple[Box, ...]  # expected frames of one copy, reading order, in image pixels


def _colour(rng: np.random.Generator, avoid: np.ndarray | None = None, distance: int = 60) -> np.ndarray:
    while True:
        colour = rng.integers(0, 256, 3)
        if avoid is None or np.abs(colour - avoid).max() >= distance:
            return colour


def generated_frame(rng: np.random.Generator, width: int, height: int, avoid: np.ndarray | None = None) -> np.ndarray:
    """A frame's picture: a gradient, a plain wall area, shapes and sensor noise; never the background's colour."""
    start, end = _colour(rng, avoid).astype(np.float32), _colour(rng, avoid).astype(np.float32)
    ramp = np.linspace(0.0, 1.0, width if rng.random() < 0.5 else height, dtype=np.float32)
    ramp = ramp[None, :, None] if ramp.size == width else ramp[:, None, None]
    image = np.broadcast_to(start + (end - start) * ramp, (height, width, 3)).copy()
    # shapes stay inside a margin so the frame's edges keep the gradient (which never matches the background)
    inset = max(2, min(width, height) // 12)
    for _ in range(int(rng.integers(3, 9))):
        colour = tuple(int(v) for v in rng.integers(0, 256, 3))
        cx, cy = int(rng.integers(inset, width - inset)), int(rng.integers(inset, height - inset))
        size = int(rng.integers(max(3, min(width, height) // 12), max(4, min(width, height) // 3)))
        size = min(size, cx - inset, width - inset - cx, cy - inset, height - inset - cy)
        if size < 3:
            continue
        kind = int(rng.integers(0, 3))
        if kind == 0:
            cv2.circle(image, (cx, cy), size, colour, -1, cv2.LINE_AA)
        elif kind == 1:
            cv2.rectangle(image, (cx - size, cy - size // 2), (cx + size, cy + size // 2), colour, -1)
        else:
            cv2.ellipse(image, (cx, cy), (size, size // 2), float(rng.uniform(0, 180)), 0, 360, colour, -1)
    image += rng.normal(0.0, float(rng.uniform(2, 8)), image.shape).astype(np.float32)
    return np.clip(image, 0, 255).astype(np.uint8)


def photo_frame(
    photos: Sequence[np.ndarray], rng: np.random.Generator, width: int, height: int, avoid: np.ndarray | None = None
) -> np.ndarray:
    """A random window of a real photo, resized to cover width x height."""
    photo = photos[int(rng.integers(0, len(photos)))]
    h, w = photo.shape[:2]
    scale = max(width / w, height / h) * float(rng.uniform(1.0, 1.6))
    # INTER_LINEAR is what this has always used: INTER_AREA, passed third, went to `dst` and was ignored.
    # Changing it changes the generated eval data.
    resized = cv2.resize(photo, (max(width, round(w * scale)), max(height, round(h * scale))))
    y0 = int(rng.integers(0, resized.shape[0] - height + 1))
    x0 = int(rng.integers(0, resized.shape[1] - width + 1))
    return np.ascontiguousarray(resized[y0 : y0 + height, x0 : x0 + width])


def _logo_band(width: int, height: int, background: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    band = np.empty((height, width, 3), dtype=np.uint8)
    band[:] = background
    ink = (20, 20, 20) if int(background.mean()) > 128 else (235, 235, 235)
    scale = height / 70.0
    words = ("LIFE4CUTS", "PHOTOISM", "HARUFILM", "PHOTOGRAY", "MONOMANSION")
    label = words[int(rng.integers(0, len(words)))]
    text_w = cv2.getTextSize(label, cv2.FONT_HERSHEY_DUPLEX, scale, 2)[0][0]
    scale *= min(1.0, 0.8 * width / max(1, text_w))
    text_w = cv2.getTextSize(label, cv2.FONT_HERSHEY_DUPLEX, scale, 2)[0][0]
    cv2.putText(band, label, ((width - text_w) // 2, int(height * 0.55)), cv2.FONT_HERSHEY_DUPLEX, scale, ink, 2)
    cv2.putText(
        band, "2026.12.01", ((width - text_w) // 2, int(height * 0.85)), cv2.FONT_HERSHEY_SIMPLEX, scale * 0.45, ink, 1
    )
    if rng.random() < 0.5:  # a small coloured mark beside the name
        r = max(3, height // 6)
        cv2.circle(band, (max(r + 1, (width - text_w) // 2 - 2 * r), height // 2), r, (230, 60, 120), -1)
    return band


def make_cut(
    rng: np.random.Generator,
    layout: tuple[int, int],
    *,
    duplicated: bool = False,
    frame_width: int = 300,
    rotation_deg: float = 0.0,
    jpeg_quality: int | None = None,
    photos: Sequence[np.ndarray] = (),
    background: tuple[int, int, int] | None = None,
    pattern: bool = False,
    stickers: int = 0,
    gradient: float = 0.0,
    corner_radius: int = 0,
) -> SyntheticCut:
    """A print of `layout` (cols, rows) with known frame boxes (of the first copy when `duplicated`).

    `pattern` scatters pastel leaves on the background (under the frames); `stickers` small shapes drawn over the
    frames' corners and across the gutters, as decorated booth templates do. `gradient` shades the background by up
    to that many levels from one side to the other (pastel gradient templates); `corner_radius` rounds the frames.
    """
    cols, rows = layout
    bg = np.array(background if background is not None else BACKGROUNDS[int(rng.integers(0, len(BACKGROUNDS)))])
    lo, hi = LAYOUT_ASPECTS.get(layout, (0.8, 1.25))
    frame_w = frame_width
    frame_h = round(frame_w / float(rng.uniform(lo, hi)))
    margin = int(rng.integers(max(4, frame_w // 30), max(6, frame_w // 8)))
    gap = int(rng.integers(max(4, frame_w // 40), max(6, frame_w // 10)))
    band_h = int(rng.integers(frame_h // 4, frame_h // 2)) if rng.random() < 0.8 else 0
    band_top = band_h > 0 and rng.random() < 0.3
    strip_w = 2 * margin + cols * frame_w + (cols - 1) * gap
    strip_h = 2 * margin + rows * frame_h + (rows - 1) * gap + (band_h + gap if band_h else 0)
    strip = np.empty((strip_h, strip_w, 3), dtype=np.uint8)
    strip[:] = bg
    if gradient:
        ramp = np.linspace(0.0, gradient, strip_w if rng.random() < 0.5 else strip_h, dtype=np.float32)
        ramp = ramp[None, :, None] if ramp.size == strip_w else ramp[:, None, None]
        direction = -1.0 if bg.mean() > 128 else 1.0
        strip[:] = np.clip(bg + direction * np.broadcast_to(ramp, strip.shape), 0, 255).astype(np.uint8)
    if pattern:
        _scatter_leaves(strip, rng, bg)
    boxes = []
    top = margin + (band_h + gap if band_top else 0)
    for r in range(rows):
        for c in range(cols):
            x, y = margin + c * (frame_w + gap), top + r * (frame_h + gap)
            content = photo_frame(photos, rng, frame_w, frame_h) if photos else None
            if content is None:
                content = generated_frame(rng, frame_w, frame_h, avoid=bg)
            if corner_radius:
                inside = _rounded_mask(frame_w, frame_h, corner_radius)
                strip[y : y + frame_h, x : x + frame_w][inside] = content[inside]
            else:
                strip[y : y + frame_h, x : x + frame_w] = content
            boxes.append((x, y, frame_w, frame_h))
    if band_h:
        band_y = margin if band_top else strip_h - margin - band_h
        strip[band_y : band_y + band_h, margin : strip_w - margin] = _logo_band(strip_w - 2 * margin, band_h, bg, rng)
    for _ in range(stickers):
        x, y, w, h = boxes[int(rng.integers(0, len(boxes)))]
        corner = (x + w * int(rng.integers(0, 2)), y + h * int(rng.integers(0, 2)))
        colour = tuple(int(v) for v in rng.integers(0, 256, 3))
        cv2.circle(strip, corner, max(4, min(w, h) // 14), colour, -1, cv2.LINE_AA)
    sheet = np.concatenate([strip, strip], axis=1) if duplicated else strip
    if duplicated and rng.random() < 0.5:  # the cutting guide between the two strips
        sheet[:, strip_w - 1 : strip_w + 1] = np.clip(bg.astype(int) - 60, 0, 255) if bg.mean() > 60 else bg + 60
    image, boxes = _rotate_with_boxes(sheet, boxes, rotation_deg, bg)
    if jpeg_quality is not None:
        image = jpeg_roundtrip(image, jpeg_quality)
    return SyntheticCut(rgb=image, kind=f"{cols}x{rows}", duplicated=duplicated, boxes=tuple(boxes))


def _rounded_mask(width: int, height: int, radius: int) -> np.ndarray:
    mask = np.zeros((height, width), dtype=np.uint8)
    cv2.rectangle(mask, (radius, 0), (width - 1 - radius, height - 1), 1, -1)
    cv2.rectangle(mask, (0, radius), (width - 1, height - 1 - radius), 1, -1)
    for cx, cy in ((radius, radius), (width - 1 - radius, radius), (radius, height - 1 - radius)):
        cv2.circle(mask, (cx, cy), radius, 1, -1)
    cv2.circle(mask, (width - 1 - radius, height - 1 - radius), radius, 1, -1)
    return mask.astype(bool)


def _scatter_leaves(canvas: np.ndarray, rng: np.random.Generator, bg: np.ndarray) -> None:
    h, w = canvas.shape[:2]
    for _ in range(int(rng.integers(8, 20))):
        colour = tuple(int(v) for v in np.clip(bg.astype(int) + rng.integers(-90, 40, 3), 0, 255))
        centre = (int(rng.integers(0, w)), int(rng.integers(0, h)))
        axes = (int(rng.integers(w // 30 + 2, w // 8 + 3)), int(rng.integers(w // 80 + 1, w // 30 + 2)))
        cv2.ellipse(canvas, centre, axes, float(rng.uniform(0, 180)), 0, 360, colour, -1, cv2.LINE_AA)


def _rotate_with_boxes(
    image: np.ndarray, boxes: list[Box], angle: float, fill: np.ndarray
) -> tuple[np.ndarray, list[Box]]:
    """Rotate the print on a canvas of its background colour; a box keeps its size and follows its centre."""
    if not angle:
        return image, boxes
    h, w = image.shape[:2]
    matrix = cv2.getRotationMatrix2D((w / 2, h / 2), angle, 1.0)
    cos, sin = abs(matrix[0, 0]), abs(matrix[0, 1])
    new_w, new_h = int(np.ceil(h * sin + w * cos)), int(np.ceil(h * cos + w * sin))
    matrix[0, 2] += new_w / 2 - w / 2
    matrix[1, 2] += new_h / 2 - h / 2
    fill_value = tuple(int(v) for v in fill)
    rotated = cv2.warpAffine(image, matrix, (new_w, new_h), flags=cv2.INTER_LINEAR, borderValue=fill_value)
    moved = []
    for x, y, bw, bh in boxes:
        cx, cy = matrix @ np.array([x + bw / 2, y + bh / 2, 1.0])
        moved.append((round(cx - bw / 2), round(cy - bh / 2), bw, bh))
    return rotated, moved


def jpeg_roundtrip(rgb: np.ndarray, quality: int) -> np.ndarray:
    ok, data = cv2.imencode(".jpg", cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR), [cv2.IMWRITE_JPEG_QUALITY, quality])
    if not ok:  # pragma: no cover - OpenCV encodes any uint8 image
        raise RuntimeError("JPEG encoding failed")
    bgr = cv2.imdecode(data, cv2.IMREAD_COLOR)
    if bgr is None:  # pragma: no cover - OpenCV decodes what it just encoded
        raise RuntimeError("JPEG decoding failed")
    return cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB)


def tempting_photo(rng: np.random.Generator, width: int = 1280, height: int = 853) -> np.ndarray:
    """A plain photo that is easy to split by mistake: a plain wall, blobs standing apart, long straight lines."""
    wall = rng.integers(120, 250, 3).astype(np.float32)
    flat = rng.random() < 0.5  # a studio backdrop: one colour all round, like a print's margin
    low, high = (1.0, 1.0) if flat else (float(rng.uniform(0.9, 1.0)), float(rng.uniform(0.9, 1.0)))
    shade = np.linspace(low, high, width, dtype=np.float32)
    image = np.broadcast_to(wall * shade[None, :, None], (height, width, 3)).copy()
    kind = int(rng.integers(0, 3))
    if kind == 0:  # people against a plain wall, with gaps of wall between them down to the floor
        n = int(rng.integers(2, 5))
        slot = width / n
        for i in range(n):
            cx = int((i + 0.5) * slot + rng.uniform(-0.1, 0.1) * slot)
            head = int(rng.uniform(0.08, 0.12) * height)
            body = tuple(int(v) for v in rng.integers(0, 200, 3))
            top = int(rng.uniform(0.2, 0.35) * height)
            cv2.circle(image, (cx, top), head, tuple(int(v) for v in rng.integers(120, 220, 3)), -1, cv2.LINE_AA)
            axes = (int(slot * rng.uniform(0.25, 0.38)), height)
            cv2.ellipse(image, (cx, top + head + height // 2), axes, 0, 180, 360, body, -1, cv2.LINE_AA)
            cv2.ellipse(image, (cx, height), (axes[0], height - top - head), 0, 180, 360, body, -1, cv2.LINE_AA)
    elif kind == 1:  # shelves and a door: long straight horizontal and vertical lines across the picture
        for y in np.sort(rng.integers(height // 8, height - height // 8, int(rng.integers(2, 5)))):
            cv2.rectangle(image, (0, int(y)), (width, int(y) + int(rng.integers(4, 14))), (60, 40, 30), -1)
        for x in rng.integers(width // 8, width - width // 8, int(rng.integers(1, 3))):
            cv2.rectangle(image, (int(x), 0), (int(x) + int(rng.integers(8, 24)), height), (230, 230, 225), -1)
        for _ in range(int(rng.integers(6, 14))):
            x, y = int(rng.integers(0, width)), int(rng.integers(0, height))
            cv2.rectangle(
                image,
                (x, y),
                (x + int(rng.integers(20, 90)), y + int(rng.integers(30, 120))),
                tuple(int(v) for v in rng.integers(0, 256, 3)),
                -1,
            )
    else:  # a big sky above a busy band: most of the picture is one colour
        horizon = int(rng.uniform(0.4, 0.7) * height)
        busy = generated_frame(rng, width, height - horizon, avoid=wall.astype(np.int64))
        image[horizon:] = busy
    image += np.asarray(rng.normal(0.0, 3.0, image.shape), dtype=np.float32)
    return np.clip(image, 0, 255).astype(np.uint8)


def synthetic_set(seed: int = DEFAULT_SEED, count: int = 120, photos: Sequence[np.ndarray] = ()) -> list[SyntheticCut]:
    """A mix of layouts, doubled strips, rotations, JPEG noise and tempting plain photos."""
    samples = []
    layouts = list(LAYOUT_ASPECTS)
    for index in range(count):
        rng = np.random.default_rng((seed, index))
        if index % 6 == 5:
            photo = tempting_photo(rng) if not photos or rng.random() < 0.5 else photos[index % len(photos)]
            h, w = photo.shape[:2]
            samples.append(SyntheticCut(rgb=photo, kind="single", duplicated=False, boxes=((0, 0, w, h),)))
            continue
        layout = layouts[int(rng.integers(0, len(layouts)))]
        duplicated = layout == (1, 4) and rng.random() < 0.5
        rotation = float(rng.uniform(-2.0, 2.0)) if rng.random() < 0.4 else 0.0
        quality = int(rng.integers(60, 95)) if rng.random() < 0.8 else None
        width = int(rng.integers(160, 340)) if layout != (1, 4) else int(rng.integers(240, 560))
        decorated = rng.random() < 0.2
        samples.append(
            make_cut(
                rng,
                layout,
                duplicated=duplicated,
                frame_width=width,
                rotation_deg=rotation,
                jpeg_quality=quality,
                photos=photos,
                pattern=decorated,
                stickers=int(rng.integers(1, 5)) if decorated or rng.random() < 0.2 else 0,
                gradient=float(rng.uniform(20, 70)) if rng.random() < 0.15 else 0.0,
                corner_radius=int(rng.integers(4, max(5, width // 12))) if rng.random() < 0.25 else 0,
            )
        )
    return samples


def box_iou(a: Box, b: Box) -> float:
    ax, ay, aw, ah = a
    bx, by, bw, bh = b
    iw = max(0, min(ax + aw, bx + bw) - max(ax, bx))
    ih = max(0, min(ay + ah, by + bh) - max(ay, by))
    inter = iw * ih
    union = aw * ah + bw * bh - inter
    return inter / union if union else 0.0
