"""Pictures the Mini App shows, made once per stored file in the worker pool and kept on disk: the grid thumbnail,
the photo view (a phone-sized JPEG) and the strip's cuts; people's face covers."""

from __future__ import annotations

import io
import json
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image

from vision.cuts import split_cuts
from vision.images import encode_jpeg, load_rgb
from vision.render import face_crop

THUMB_SIDE = 320
VIEW_SIDE = 1280
FACE_SIDE = 96


@dataclass(frozen=True)
class PreparedViews:
    thumb: bytes
    view: bytes
    width: int  # of the upright photo: the coordinate space of faces and cuts
    height: int
    cuts: tuple[tuple[int, int, int, int], ...]  # x, y, w, h of each frame in reading order


def _jpeg(rgb: np.ndarray, side: int, quality: int) -> bytes:
    image = Image.fromarray(rgb)
    image.thumbnail((side, side), Image.Resampling.LANCZOS)
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=quality, optimize=True)
    return out.getvalue()


def prepare_views(data: bytes, max_pixels: int) -> PreparedViews:
    """Runs in a worker: decode once, cut, shrink twice."""
    rgb = load_rgb(data, max_pixels)
    layout = split_cuts(rgb)
    return PreparedViews(
        thumb=_jpeg(rgb, THUMB_SIDE, 80),
        view=_jpeg(rgb, VIEW_SIDE, 85),
        width=int(rgb.shape[1]),
        height=int(rgb.shape[0]),
        cuts=tuple(frame.box for frame in layout.frames),
    )


def face_cover(data: bytes, box: tuple[int, int, int, int], max_pixels: int) -> bytes:
    """Runs in a worker: a square crop of one face for the person filter."""
    return encode_jpeg(face_crop(load_rgb(data, max_pixels), box, size=FACE_SIDE, margin=0.2), quality=85)


class ViewCache:
    """Derived files keyed by the source blob's sha256 and a variant, at <root>/<aa>/<sha256>.<variant>, written
    atomically. Files of a blob that is gone are swept on start."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.root.mkdir(parents=True, exist_ok=True)

    def _path(self, digest: str, variant: str) -> Path:
        if len(digest) != 64 or any(c not in "0123456789abcdef" for c in digest):
            raise ValueError("not a sha256 hex digest")
        if not variant.replace("-", "").isalnum():
            raise ValueError("bad variant")
        return self.root / digest[:2] / f"{digest}.{variant}"

    def get(self, digest: str, variant: str) -> bytes | None:
        path = self._path(digest, variant)
        return path.read_bytes() if path.is_file() else None

    def put(self, digest: str, variant: str, data: bytes) -> None:
        target = self._path(digest, variant)
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp_name = tempfile.mkstemp(dir=target.parent, prefix=".tmp-")
        try:
            with os.fdopen(fd, "wb") as tmp:
                tmp.write(data)
            os.replace(tmp_name, target)
        except BaseException:
            Path(tmp_name).unlink(missing_ok=True)
            raise

    def get_views(self, digest: str) -> PreparedViews | None:
        meta, thumb, view = (self.get(digest, v) for v in ("meta", "thumb", "view"))
        if meta is None or thumb is None or view is None:
            return None
        info = json.loads(meta)
        return PreparedViews(thumb, view, info["width"], info["height"], tuple(tuple(c) for c in info["cuts"]))

    def put_views(self, digest: str, views: PreparedViews) -> None:
        self.put(digest, "thumb", views.thumb)
        self.put(digest, "view", views.view)
        meta = {"width": views.width, "height": views.height, "cuts": [list(c) for c in views.cuts]}
        self.put(digest, "meta", json.dumps(meta).encode())  # last: its presence means the set is complete

    def drop(self, digest: str) -> None:
        """Every file made from this blob (its blob was deleted)."""
        for path in (self.root / digest[:2]).glob(f"{digest}.*"):
            path.unlink(missing_ok=True)

    def sweep(self, live_digests: set[str]) -> int:
        removed = 0
        for path in self.root.glob("??/*"):
            if path.name.split(".")[0] not in live_digests:
                path.unlink(missing_ok=True)
                removed += 1
        return removed
