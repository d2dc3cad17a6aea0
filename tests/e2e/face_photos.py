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


def identity_photos(people: int, per_person: int) -> list[list[Path]]:
    """`per_person` photos of each of `people` different people (LFW, one central face per photo)."""
    folder = eval_folder("identity")
    by_person: dict[str, list[Path]] = {}
    with (folder / "labels.csv").open(newline="") as handle:
        for row in csv.DictReader(handle):
            by_person.setdefault(row["identity"], []).append(folder / row["file"])
    # No look-alike traps, and photos 2-4 of each: these show one face only (some LFW photos have a second person
    # at the edge). These tests are about the bot's flow, not the model's limits (evals measure those).
    if not 1 <= per_person <= 3:
        raise ValueError("per_person: 1-3")
    chosen = ("Junichiro_Koizumi", "Nicole_Kidman", "Kofi_Annan", "Jennifer_Lopez")
    return [sorted(by_person[name])[1 : 1 + per_person] for name in chosen[:people]]


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
