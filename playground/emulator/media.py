"""File storage and Telegram-like photo processing (size ladder, JPEG re-encoding)."""

from __future__ import annotations

import asyncio
import hashlib
import io
import itertools
import mimetypes
import secrets
from dataclasses import dataclass, field
from typing import Any

from PIL import Image, ImageOps, UnidentifiedImageError

from playground.emulator.errors import ApiError, bad_request

# Telegram's photo size ladder: boxes for the longest side; the largest copy is capped at 1280 px.
PHOTO_BOXES = (90, 320, 800)
MAX_PHOTO_SIDE = 1280
MAX_PREPARED = 64
JPEG_QUALITY = 87
MAX_DOWNLOAD_BYTES = 20 * 1024 * 1024
MAX_PHOTO_UPLOAD_BYTES = 10_000_000  # "10 MB" for photos, in the same decimal megabytes as the 50 MB file limit
_KIND_FOLDERS = {"photo": "photos", "document": "documents", "video": "videos", "thumbnail": "thumbnails"}
_FILE_ID_PREFIXES = {
    "photo": "AgACAgIA",
    "document": "BQACAgIA",
    "video": "BAACAgIA",
    "thumbnail": "AAMCAgAD",
}


@dataclass
class StoredFile:
    file_id: str
    file_unique_id: str
    kind: str
    data: bytes
    file_path: str
    meta: dict[str, Any] = field(default_factory=dict)

    @property
    def size(self) -> int:
        return len(self.data)

    def as_file(self) -> dict[str, Any]:
        return {
            "file_id": self.file_id,
            "file_unique_id": self.file_unique_id,
            "file_size": self.size,
            "file_path": self.file_path,
        }


class FileStore:
    """All files the emulator knows, addressable by file_id and by download path."""

    def __init__(self) -> None:
        self._by_id: dict[str, StoredFile] = {}
        self._by_path: dict[str, StoredFile] = {}
        self._photo_sets: dict[str, list[dict[str, Any]]] = {}
        self._prepared: dict[bytes, list[tuple[bytes, int, int]]] = {}
        self._counter = itertools.count(1)

    def add(self, data: bytes, kind: str, extension: str, **meta: Any) -> StoredFile:
        number = next(self._counter)
        stored = StoredFile(
            file_id=_FILE_ID_PREFIXES.get(kind, "CQACAgIA") + secrets.token_urlsafe(40),
            file_unique_id="AQAD" + secrets.token_urlsafe(9),
            kind=kind,
            data=data,
            file_path=f"{_KIND_FOLDERS.get(kind, 'files')}/file_{number}{extension}",
            meta=meta,
        )
        self._by_id[stored.file_id] = stored
        self._by_path[stored.file_path] = stored
        return stored

    def get(self, file_id: str) -> StoredFile | None:
        return self._by_id.get(file_id)

    def by_path(self, file_path: str) -> StoredFile | None:
        return self._by_path.get(file_path)

    def photo_sizes_for(self, file_id: str) -> list[dict[str, Any]] | None:
        """The whole PhotoSize list a photo file_id (of any of its sizes) belongs to."""
        return self._photo_sets.get(file_id)

    def add_photo(self, data: bytes) -> list[dict[str, Any]]:
        """Store a photo the way Telegram does: re-encoded JPEG copies on the size ladder (made ahead, off the event
        loop, by `prepare_photo` when the server could)."""
        ladder = self._prepared.pop(_digest(data), None) or photo_ladder(data)
        sizes = [self._photo_size(encoded, width, height) for encoded, width, height in ladder]
        for size in sizes:
            self._photo_sets[size["file_id"]] = sizes
        return sizes

    async def prepare_photo(self, data: bytes) -> None:
        """Make an uploaded photo's size ladder in a thread, for `add_photo` to take: Pillow lets go of the GIL, so
        the emulator goes on answering other requests meanwhile (Telegram resizes one chat's photo without holding
        up the others; resizing the bot's answers on the event loop delayed every reply of the load benchmark).
        A file that is no photo is left for `add_photo` to refuse."""
        digest = _digest(data)
        if digest in self._prepared:
            return
        try:
            ladder = await asyncio.to_thread(photo_ladder, data)
        except ApiError:
            return
        if len(self._prepared) >= MAX_PREPARED:  # left by requests refused after their upload was prepared
            self._prepared.clear()
        self._prepared[digest] = ladder

    def _photo_size(self, encoded: bytes, width: int, height: int) -> dict[str, Any]:
        stored = self.add(encoded, "photo", ".jpg", width=width, height=height)
        return {
            "file_id": stored.file_id,
            "file_unique_id": stored.file_unique_id,
            "file_size": stored.size,
            "width": width,
            "height": height,
        }

    def add_document(self, data: bytes, file_name: str | None, mime_type: str | None) -> dict[str, Any]:
        mime = mime_type or (mimetypes.guess_type(file_name or "")[0]) or "application/octet-stream"
        extension = _extension(file_name, mime)
        stored = self.add(data, "document", extension, file_name=file_name, mime_type=mime)
        document: dict[str, Any] = {
            "file_id": stored.file_id,
            "file_unique_id": stored.file_unique_id,
            "file_size": stored.size,
            "mime_type": mime,
        }
        if file_name:
            document["file_name"] = file_name
        thumbnail = self._image_thumbnail(data)
        if thumbnail is not None:
            document["thumbnail"] = thumbnail
        stored.meta["document"] = document
        return document

    def add_video(self, data: bytes, file_name: str | None, mime_type: str | None, **meta: int) -> dict[str, Any]:
        mime = mime_type or "video/mp4"
        stored = self.add(data, "video", _extension(file_name, mime), file_name=file_name, mime_type=mime)
        video: dict[str, Any] = {
            "file_id": stored.file_id,
            "file_unique_id": stored.file_unique_id,
            "file_size": stored.size,
            "mime_type": mime,
            "width": meta.get("width") or 0,
            "height": meta.get("height") or 0,
            "duration": meta.get("duration") or 0,
        }
        if file_name:
            video["file_name"] = file_name
        stored.meta["video"] = video
        return video

    def _image_thumbnail(self, data: bytes) -> dict[str, Any] | None:
        try:
            image = _open_image(data)
        except Exception:
            return None
        image.thumbnail((320, 320), Image.Resampling.LANCZOS)
        stored = self.add(encode_jpeg(image), "thumbnail", ".jpg", width=image.width, height=image.height)
        return {
            "file_id": stored.file_id,
            "file_unique_id": stored.file_unique_id,
            "file_size": stored.size,
            "width": image.width,
            "height": image.height,
        }


def photo_ladder(data: bytes) -> list[tuple[bytes, int, int]]:
    """A photo's sizes as Telegram makes them: (JPEG, width, height) from smallest to largest."""
    if len(data) > MAX_PHOTO_UPLOAD_BYTES:
        raise bad_request("PHOTO_SAVE_FILE_INVALID")
    image = _open_image(data)
    width, height = image.size
    if width + height > 10000 or max(width, height) > 20 * min(width, height):
        raise bad_request("PHOTO_INVALID_DIMENSIONS")
    longest = max(width, height)
    ladder = []
    for box in [box for box in PHOTO_BOXES if box < longest] + [min(longest, MAX_PHOTO_SIDE)]:
        copy = image.copy()
        copy.thumbnail((box, box), Image.Resampling.LANCZOS)
        ladder.append((encode_jpeg(copy), copy.width, copy.height))
    return ladder


def _digest(data: bytes) -> bytes:
    return hashlib.blake2b(data, digest_size=16).digest()


def _open_image(data: bytes) -> Image.Image:
    try:
        image: Image.Image = Image.open(io.BytesIO(data))
        image.load()
    except (UnidentifiedImageError, OSError, ValueError):
        raise bad_request("IMAGE_PROCESS_FAILED") from None
    image = ImageOps.exif_transpose(image)
    return image.convert("RGB")


def encode_jpeg(image: Image.Image) -> bytes:
    buffer = io.BytesIO()
    image.convert("RGB").save(buffer, format="JPEG", quality=JPEG_QUALITY)
    return buffer.getvalue()


def _extension(file_name: str | None, mime_type: str) -> str:
    if file_name and "." in file_name:
        return "." + file_name.rsplit(".", 1)[1].lower()
    return mimetypes.guess_extension(mime_type) or ""
