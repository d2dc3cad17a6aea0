"""Real face photos for end-to-end tests, read from ../shared/eval at test time (never copied into the repo)."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from PIL import Image

from evals.common import eval_data_dir


def eval_folder(name: str) -> Path:
    """../shared/eval/<name>, or skip: the data set is not part of the repository (CI has it)."""
    data = eval_data_dir()
    folder = data / name if data else None
    if folder is None or not (folder / "labels.csv").is_file():
        pytest.skip(f"needs ../shared/eval/{name} (or EVAL_DATA=<dir>): real faces are read from there, not the repo")
    return folder


def group_photo(name: str = "pexels-melike-benli-9041810.jpg") -> bytes:
    """A real party photo from photobooth/ (default: five women toasting)."""
    return (eval_folder("photobooth") / "images" / name).read_bytes()


# Per person, the photos (index in file-name order) that show one face only: some LFW photos have a second person at
# the edge. No look-alike traps: these tests are about the bot's flow, the evals measure the model's limits.
SINGLE_FACE_PHOTOS = {
    "Junichiro_Koizumi": (1, 2, 3, 4, 5, 6, 7, 8, 9, 10),
    "Kofi_Annan": (1, 2, 3, 5, 6, 7, 8, 9, 10, 11),
    "Jennifer_Lopez": (1, 2, 3, 4, 5, 7, 8, 9, 10),
    "Nicole_Kidman": (1, 2, 3, 4, 5, 6, 7, 8, 9, 10),
}


def identity_photos(people: int, per_person: int) -> list[list[Path]]:
    """`per_person` photos of each of `people` different people (LFW, one central face per photo)."""
    folder = eval_folder("identity")
    by_person: dict[str, list[Path]] = {}
    with (folder / "labels.csv").open(newline="") as handle:
        for row in csv.DictReader(handle):
            by_person.setdefault(row["identity"], []).append(folder / row["file"])
    chosen = list(SINGLE_FACE_PHOTOS)[:people]
    if per_person > min(len(SINGLE_FACE_PHOTOS[name]) for name in chosen):
        raise ValueError(f"at most {min(len(SINGLE_FACE_PHOTOS[name]) for name in chosen)} photos per person")
    return [[sorted(by_person[name])[i] for i in SINGLE_FACE_PHOTOS[name][:per_person]] for name in chosen]


def side_by_side(paths: list[Path], tile: int = 300, gap: int = 0) -> bytes:
    """One JPEG with the given face photos next to each other (a 'group photo' of those people)."""
    canvas = Image.new("RGB", (len(paths) * tile + (len(paths) - 1) * gap, tile), (240, 240, 240))
    for index, path in enumerate(paths):
        face = Image.open(path).convert("RGB").resize((tile, tile), Image.Resampling.LANCZOS)
        canvas.paste(face, (index * (tile + gap), 0))
    out = io.BytesIO()
    canvas.save(out, "JPEG", quality=92)
    return out.getvalue()


def rotated_with_exif(data: bytes) -> bytes:
    """The same picture stored sideways with EXIF orientation 6 ('rotate 90° clockwise to view'), as phones do."""
    image = Image.open(io.BytesIO(data)).convert("RGB")
    stored = image.transpose(Image.Transpose.ROTATE_90)  # counter-clockwise; the viewer turns it back
    exif = Image.Exif()
    exif[0x0112] = 6
    out = io.BytesIO()
    stored.save(out, "JPEG", quality=92, exif=exif.tobytes())
    return out.getvalue()


def strip_of_pairs(pairs: list[list[Path]], tile: int = 240) -> bytes:
    """A 1x4 booth strip (white margins, a logo band) with one 'group photo' of the given faces per frame."""
    if len(pairs) != 4:
        raise ValueError("a 1x4 strip has four frames")
    gap, margin = 20, 20
    width = max(len(pair) for pair in pairs) * tile
    strip = Image.new("RGB", (width + 2 * margin, 4 * (tile + gap) + margin + 120), "white")
    for index, pair in enumerate(pairs):
        strip.paste(Image.open(io.BytesIO(side_by_side(pair, tile=tile))), (margin, margin + index * (tile + gap)))
    out = io.BytesIO()
    strip.save(out, "JPEG", quality=92)
    return out.getvalue()
