"""A printed 4-cut strip drawn from four frames: border, logo band and a booth QR code on a white patch.

The playground's sample strips and the QR evaluation's synthetic phone photos (evals/synthetic_prints.py) are drawn
by the same code, so the eval measures the kind of print the playground shows.
"""

from __future__ import annotations

import string
from collections.abc import Sequence

import cv2
import numpy as np
import segno

ALNUM = string.ascii_letters + string.digits


def token(rng: np.random.Generator, length: int, alphabet: str = ALNUM) -> str:
    return "".join(alphabet[i] for i in rng.integers(0, len(alphabet), size=length))


# Shapes of the URLs booths really print (../shared/research/booths.md), one entry per brand.


def qr_symbol(text: str, error: str) -> segno.QRCode:
    # boost_error=False: the error level drawn is the one printed (segno would silently raise it).
    return segno.make(text, error=error, micro=False, boost_error=False)


def qr_image(text: str, error: str, module_px: int) -> np.ndarray:
    """Grey QR symbol with a 4-module quiet zone, ``module_px`` pixels per module."""
    matrix = np.array(qr_symbol(text, error).matrix, dtype=np.uint8)
    symbol = np.where(matrix > 0, 0, 255).astype(np.uint8)
    symbol = np.pad(symbol, 4, constant_values=255)
    return np.kron(symbol, np.ones((module_px, module_px), dtype=np.uint8))


def cover_crop(photo: np.ndarray, width: int, height: int, rng: np.random.Generator) -> np.ndarray:
    """Resize ``photo`` to cover width x height, then crop a random window of that size."""
    h, w = photo.shape[:2]
    scale = max(width / w, height / h) * float(rng.uniform(1.0, 1.25))
    resized = cv2.resize(
        photo, (max(width, round(w * scale)), max(height, round(h * scale))), interpolation=cv2.INTER_AREA
    )
    y0 = int(rng.integers(0, resized.shape[0] - height + 1))
    x0 = int(rng.integers(0, resized.shape[1] - width + 1))
    return resized[y0 : y0 + height, x0 : x0 + width]


def _logo_band(
    width: int, height: int, colour: np.ndarray, ink: tuple[int, int, int], rng: np.random.Generator
) -> np.ndarray:
    band = np.empty((height, width, 3), dtype=np.uint8)
    band[:] = colour
    label = token(rng, int(rng.integers(4, 9)), string.ascii_uppercase)
    # The label stays in the left half so it never runs under the QR code on the right.
    font_scale = height / 60.0
    text_w = cv2.getTextSize(label, cv2.FONT_HERSHEY_DUPLEX, font_scale, 2)[0][0]
    font_scale *= min(1.0, (width / 2 - height / 4) / max(text_w, 1))
    cv2.putText(
        band, label, (height // 4, int(height * 0.62)), cv2.FONT_HERSHEY_DUPLEX, font_scale, ink, 2, cv2.LINE_AA
    )
    cv2.putText(
        band, "2024.06.07", (height // 4, int(height * 0.9)), cv2.FONT_HERSHEY_SIMPLEX, font_scale * 0.4, ink, 1
    )
    return band


def make_print(
    frames: Sequence[np.ndarray], url: str, rng: np.random.Generator, scale: int = 1
) -> tuple[np.ndarray, np.ndarray, str, segno.QRCode]:
    """Tile four frames into a strip with a logo band and a QR code; `scale` 1 draws a strip preview (a 1x4 cell
    is 300x210), 2 a print at twice that size (sharp frames, not an enlarged preview).

    Returns the BGR print, the QR symbol's 4 corners (without quiet zone) in print coordinates, the layout
    name and the printed symbol.
    """
    layout = "1x4" if rng.random() < 0.6 else "2x2"
    cell_w, cell_h = (300 * scale, 210 * scale) if layout == "1x4" else (280 * scale, 380 * scale)
    cols, rows = (1, 4) if layout == "1x4" else (2, 2)
    border, gap = scale * int(rng.integers(12, 24)), scale * int(rng.integers(6, 14))
    band_h = scale * int(rng.integers(100, 140))
    width = 2 * border + cols * cell_w + (cols - 1) * gap
    height = 2 * border + rows * cell_h + (rows - 1) * gap + band_h
    dark_frame = rng.random() < 0.4
    frame_colour = rng.integers(10, 60, 3) if dark_frame else rng.integers(200, 256, 3)
    ink = (235, 235, 235) if dark_frame else (30, 30, 30)
    sheet = np.empty((height, width, 3), dtype=np.uint8)
    sheet[:] = frame_colour.astype(np.uint8)
    picks = rng.choice(len(frames), size=4, replace=len(frames) < 4)
    for slot, pick in enumerate(picks):
        r, c = divmod(slot, cols)
        y = border + r * (cell_h + gap)
        x = border + c * (cell_w + gap)
        sheet[y : y + cell_h, x : x + cell_w] = cover_crop(frames[int(pick)], cell_w, cell_h, rng)
    band_y = height - border - band_h
    sheet[band_y : band_y + band_h, border : width - border] = _logo_band(
        width - 2 * border, band_h, frame_colour.astype(np.uint8), ink, rng
    )
    # The QR sits at the right of the logo band on a white patch, as booth strips print it.
    error = "l" if rng.random() < 0.3 else "m"
    printed = qr_symbol(url, error)
    matrix_modules = printed.symbol_size(border=0)[0]
    module_px = max(2, round((band_h - 10) / (matrix_modules + 8)))
    symbol = qr_image(url, error, module_px)
    size = symbol.shape[0]
    qx = width - border - size - int(rng.integers(4, 20))
    qy = band_y + (band_h - size) // 2
    sheet[qy : qy + size, qx : qx + size] = symbol[:, :, None]
    quiet = 4 * module_px
    x0, y0, x1, y1 = qx + quiet, qy + quiet, qx + size - quiet, qy + size - quiet
    corners = np.array([[x0, y0], [x1, y0], [x1, y1], [x0, y1]], dtype=np.float64)
    # Printing: slightly muted contrast and a warm/cool cast.
    toned = sheet.astype(np.float32) * float(rng.uniform(0.85, 0.97)) + float(rng.uniform(5, 20))
    toned *= rng.uniform(0.94, 1.06, 3).astype(np.float32)
    return np.clip(toned, 0, 255).astype(np.uint8), corners, layout, printed
