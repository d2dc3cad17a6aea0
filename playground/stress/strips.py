"""Strips for the load runs: a few sample strips (playground.samples: a real face in each shot, a QR code for the
strip's booth page), and for each photo a member sends a phone photo of one of them made unique by a small mark, so
no two photos of a run have the same bytes (the album would file a second copy as a duplicate)."""

from __future__ import annotations

import io
from dataclasses import dataclass
from functools import cache

import numpy as np
from PIL import Image

from playground.samples import make_example

FIRST_EXAMPLE_INDEX = 100  # drawing seeds apart from the playground's own examples


@dataclass(frozen=True)
class LoadStrip:
    code: str
    original: bytes  # what the booth page serves
    phone_photo: bytes  # a photo of the printed strip, its QR code pointing at the booth page


@cache
def load_strip(code: str, index: int) -> LoadStrip:
    example = make_example(code, FIRST_EXAMPLE_INDEX + index, with_video=False)
    return LoadStrip(code, example.original, example.phone_photo)


def unique_copy(photo: bytes, mark: int) -> bytes:
    """The same photo with `mark` (0-4095) written as three grey 8x8 blocks in a corner, 16 grey levels apart so
    JPEG keeps them apart: other bytes, the same faces and QR code."""
    if not 0 <= mark < 16**3:
        raise ValueError("mark must be in 0..4095")
    with Image.open(io.BytesIO(photo)) as image:
        pixels = np.array(image.convert("RGB"))
    for place in range(3):
        digit = (mark >> (4 * place)) & 0xF
        pixels[:8, 8 * place : 8 * place + 8] = digit * 16 + 8
    out = io.BytesIO()
    Image.fromarray(pixels).save(out, "JPEG", quality=90)
    return out.getvalue()
