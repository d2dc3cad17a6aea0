"""The square views of a face crop that the face finders are shown (the landmarker and the fallback's YuNet)."""

from __future__ import annotations

import cv2
import numpy as np

VIEW_SIZE = 256


def prepare_view(crop: np.ndarray, margin: float, size: int = VIEW_SIZE, fill: str = "edge") -> np.ndarray:
    """The crop made square with `margin` (fraction of its side) added on each side, resized to size×size.

    `fill` is "edge" (repeat the edge pixels) or "grey" (a plain mid-grey frame).
    """
    height, width = crop.shape[:2]
    side = max(height, width)
    pad = round(side * margin)
    pad_y, pad_x = pad + (side - height) // 2, pad + (side - width) // 2
    border = (pad_y, side + 2 * pad - height - pad_y, pad_x, side + 2 * pad - width - pad_x)
    if fill == "grey":
        padded = cv2.copyMakeBorder(crop, *border, cv2.BORDER_CONSTANT, value=(128, 128, 128))
    else:
        padded = cv2.copyMakeBorder(crop, *border, cv2.BORDER_REPLICATE)
    interpolation = cv2.INTER_AREA if padded.shape[0] > size else cv2.INTER_CUBIC
    return cv2.resize(padded, (size, size), interpolation=interpolation)
