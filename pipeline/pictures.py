"""Pictures the bot sends about faces, drawn in the worker processes: bytes in, JPEG bytes out."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from vision.images import encode_jpeg, load_rgb
from vision.render import FaceMark, annotate_faces, contact_sheet, face_crop

Box = tuple[int, int, int, int]

SHEET_COLUMNS = 4
SHEET_TILE = 160
THUMBNAIL = 96


def smiles_picture(data: bytes, max_pixels: int, faces: Sequence[tuple[Box, int]]) -> bytes:
    """The photo with a box and its smile points on each face (points 0–100 also colour the box)."""
    marks = [FaceMark(box=box, label=str(points), strength=points / 100) for box, points in faces]
    return encode_jpeg(annotate_faces(load_rgb(data, max_pixels), marks), quality=88)


def faces_sheet(tiles: Sequence[tuple[bytes, Box, str, str]], max_pixels: int, columns: int = SHEET_COLUMNS) -> bytes:
    """Face thumbnails, each with a badge (a person's number, a face's place) and a caption under it. Tiles of one
    photo decode it once."""
    decoded: dict[int, np.ndarray] = {}
    crops = []
    for data, box, _badge, caption in tiles:
        key = id(data)
        if key not in decoded:
            decoded[key] = load_rgb(data, max_pixels)
        crops.append((face_crop(decoded[key], box, size=SHEET_TILE), caption))
    badges = [badge for _, _, badge, _ in tiles]
    return encode_jpeg(contact_sheet(crops, columns=columns, tile=SHEET_TILE, badges=badges), quality=88)


def face_thumbnails(items: Sequence[tuple[bytes, Box]], max_pixels: int, size: int = THUMBNAIL) -> list[np.ndarray]:
    """Square RGB crops of faces (a chart's row pictures). Items of one photo decode it once."""
    decoded: dict[int, np.ndarray] = {}
    crops = []
    for data, box in items:
        if id(data) not in decoded:
            decoded[id(data)] = load_rgb(data, max_pixels)
        crops.append(face_crop(decoded[id(data)], box, size=size, margin=0.2))
    return crops
