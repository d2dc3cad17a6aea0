"""Image variants the QR cascade feeds to the decoders: contrast, sharpening, binarisation, scaling.

Two families:

* whole-image variants (``WHOLE_IMAGE_VARIANTS``): sized from the image, for photos where the code is large;
* crop variants (``crop_variants``): for a candidate region that was upscaled so one module is about
  ``module_px`` pixels. Blur from defocus or hand shake spreads each module over its neighbours; an unsharp
  mask with a radius of half to one module undoes much of it (a cheap stand-in for deconvolution), and a
  local threshold with a window of a few modules then survives glare and uneven light across the code.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import cv2
import numpy as np

Variant = Callable[[np.ndarray], np.ndarray]


def resize(grey: np.ndarray, scale: float) -> np.ndarray:
    # Cubic for upscaling keeps module edges steep (bilinear would add blur); area for downscaling avoids aliasing.
    interpolation = cv2.INTER_CUBIC if scale > 1 else cv2.INTER_AREA
    return cv2.resize(grey, None, fx=scale, fy=scale, interpolation=interpolation)


def clahe(grey: np.ndarray) -> np.ndarray:
    tiles = max(2, min(8, min(grey.shape) // 64))
    return cv2.createCLAHE(clipLimit=2.5, tileGridSize=(tiles, tiles)).apply(grey)


def unsharp(grey: np.ndarray, sigma: float, amount: float) -> np.ndarray:
    blurred = cv2.GaussianBlur(grey, (0, 0), sigma)
    return cv2.addWeighted(grey, 1.0 + amount, blurred, -amount, 0)


def sharpen(grey: np.ndarray) -> np.ndarray:
    return unsharp(grey, max(1.0, min(grey.shape) / 300), 1.0)


def otsu(grey: np.ndarray, smooth_sigma: float = 0.0) -> np.ndarray:
    smoothed = cv2.GaussianBlur(grey, (0, 0), smooth_sigma) if smooth_sigma > 0 else cv2.GaussianBlur(grey, (3, 3), 0)
    return cv2.threshold(smoothed, 0, 255, cv2.THRESH_BINARY + cv2.THRESH_OTSU)[1]


def adaptive(grey: np.ndarray, block: int | None = None, offset: float = 5) -> np.ndarray:
    if block is None:
        block = max(11, min(grey.shape) // 12)
    return cv2.adaptiveThreshold(grey, 255, cv2.ADAPTIVE_THRESH_MEAN_C, cv2.THRESH_BINARY, block | 1, offset)


def invert(grey: np.ndarray) -> np.ndarray:
    return cv2.bitwise_not(grey)


def median(grey: np.ndarray) -> np.ndarray:
    return cv2.medianBlur(grey, 3)


# Ordered cheapest / most often useful first; each variant is tried with every backend before the next.
WHOLE_IMAGE_VARIANTS: tuple[tuple[str, Variant], ...] = (
    ("plain", lambda g: g),
    ("clahe", clahe),
    ("sharpen", sharpen),
    ("otsu", otsu),
    ("adaptive", adaptive),
    ("clahe-sharpen-otsu", lambda g: otsu(sharpen(clahe(g)))),
    ("median", median),
    ("invert", invert),
)


def crop_variants(crop: np.ndarray, module_px: float) -> Iterator[tuple[str, np.ndarray]]:
    """Variants of an upscaled candidate crop, lazily, most often successful first."""
    m = module_px
    yield "plain", crop
    yield "unsharp-half", unsharp(crop, 0.5 * m, 2.0)
    strong = unsharp(crop, 0.5 * m, 4.0)
    yield "unsharp-strong-otsu", otsu(strong, 0.3 * m)
    wide = cv2.GaussianBlur(unsharp(crop, m, 2.0), (0, 0), 0.3 * m)
    yield "unsharp-wide-local2", adaptive(wide, round(2 * m), 2)
    yield "unsharp-wide-local4", adaptive(wide, round(4 * m), 2)
    wide_strong = cv2.GaussianBlur(unsharp(crop, m, 4.0), (0, 0), 0.3 * m)
    yield "unsharp-wide-strong-otsu", otsu(wide_strong)
    yield "unsharp-wide-strong-local2", adaptive(wide_strong, round(2 * m), 2)
    yield "clahe-local8", adaptive(cv2.GaussianBlur(clahe(crop), (0, 0), 0.3 * m), round(8 * m), 2)
    yield "invert", invert(crop)
