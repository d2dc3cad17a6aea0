"""Real faces for the rendered people: a face photo's detector box and the pixels around it, pasted onto a drawn
head (only where the head is the nearest surface, so a hand in front of the face stays in front of it)."""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from evals.pose_renders.figure import Colour

# The pasted region around the source's detector box, in box widths / heights: forehead and a little hair above,
# the jaw below, cheeks at the sides.
MARGIN_SIDE, MARGIN_TOP, MARGIN_BOTTOM = 0.22, 0.35, 0.18


@dataclass(frozen=True)
class FaceSource:
    rgb: np.ndarray  # the whole source photo
    box: tuple[float, float, float, float]  # its face detector's box (x, y, w, h)

    def skin(self) -> Colour:
        """Median colour of the middle of the face: the drawn skin matches it."""
        x, y, w, h = self.box
        patch = self.rgb[int(y + 0.45 * h) : int(y + 0.75 * h), int(x + 0.3 * w) : int(x + 0.7 * w)]
        r, g, b = np.median(patch.reshape(-1, 3), axis=0)
        return float(r), float(g), float(b)


def paste_face(
    colour: np.ndarray, ids: np.ndarray, head_id: int, face: FaceSource, box: tuple[float, float, float, float]
) -> None:
    """Blend `face` into `colour` (float RGB) so that its detector box lands on `box`, on the head's pixels only."""
    sx, sy, sw, sh = face.box
    tx, ty, tw, th = box
    scale_x, scale_y = tw / sw, th / sh
    x0, y0 = sx - MARGIN_SIDE * sw, sy - MARGIN_TOP * sh
    x1, y1 = sx + sw * (1 + MARGIN_SIDE), sy + sh * (1 + MARGIN_BOTTOM)
    # Target window, then an affine map from target pixels back to the source.
    left, top = int(np.floor(tx - MARGIN_SIDE * tw)), int(np.floor(ty - MARGIN_TOP * th))
    right, bottom = int(np.ceil(tx + tw * (1 + MARGIN_SIDE))), int(np.ceil(ty + th * (1 + MARGIN_BOTTOM)))
    height, width = ids.shape
    left, top, right, bottom = max(0, left), max(0, top), min(width, right), min(height, bottom)
    if right <= left or bottom <= top:
        return
    matrix = np.array([[scale_x, 0.0, tx - sx * scale_x - left], [0.0, scale_y, ty - sy * scale_y - top]])
    size = (right - left, bottom - top)
    pixels = cv2.warpAffine(
        face.rgb.astype(np.float32), matrix, size, flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REFLECT
    )
    mask = np.zeros((size[1], size[0]), np.float32)
    centre = ((x0 + x1) / 2 * scale_x + matrix[0, 2], (y0 + y1) / 2 * scale_y + matrix[1, 2])
    axes = ((x1 - x0) / 2 * scale_x * 0.92, (y1 - y0) / 2 * scale_y * 0.92)
    cv2.ellipse(mask, (round(centre[0]), round(centre[1])), (round(axes[0]), round(axes[1])), 0, 0, 360, 1.0, -1)
    alpha = cv2.GaussianBlur(mask, (0, 0), max(1.0, 0.06 * tw))
    alpha *= ids[top:bottom, left:right] == head_id
    window = colour[top:bottom, left:right]
    window[:] = window * (1 - alpha[..., None]) + pixels * alpha[..., None]
