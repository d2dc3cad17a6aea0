"""Pictures the bot sends about faces, drawn in the worker processes: bytes in, JPEG bytes out."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from vision.images import encode_jpeg, load_rgb
from vision.render import FaceMark, annotate_faces, contact_sheet, face_crop

Box = tuple[int, int, int, int]

SHEET_COLUMNS = 4
SHEET_TILE = 160


def smiles_picture(data: bytes, max_pixels: int, faces: Sequence[tuple[Box, int]]) -> bytes:
    """The photo with a box and its smile points on each face (points 0–100 also colour the box)."""
    marks = [FaceMark(box=box, label=str(points), strength=points / 100) for box, points in faces]
    return encode_jpeg(annotate_faces(load_rgb(data, max_pixels), marks), quality=88)


def faces_sheet(tiles: Sequence[tuple[bytes, Box, str]], max_pixels: int, columns: int = SHEET_COLUMNS) -> bytes:
    """Numbered face thumbnails with a caption under each. Tiles of one photo decode it once."""
    decoded: dict[int, np.ndarray] = {}
    crops = []
    for data, box, caption in tiles:
        key = id(data)
        if key not in decoded:
            decoded[key] = load_rgb(data, max_pixels)
        crops.append((face_crop(decoded[key], box, size=SHEET_TILE), caption))
    return encode_jpeg(contact_sheet(crops, columns=columns, tile=SHEET_TILE), quality=88)
