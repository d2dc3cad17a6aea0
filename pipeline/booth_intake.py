"""A booth link → the original photo (and videos) filed in the chat's album, once (the work queue's
`file_booth_link` task, pipeline.queue)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from booths import UNKNOWN_BRAND, BoothError, Brand, NotMedia, SafeFetcher, download, identify
from booths.brands import known_brands
from booths.errors import error_classes
from pipeline.tasks import check_image
from pipeline.workers import CpuPool
from storage.albums import AlbumStore, NewMedia, SavedPhoto
from storage.models import MediaKind, Photo, PhotoSource
from vision.images import ImageRejected


class Stage(StrEnum):
    found = "found"
    downloading = "downloading"
    saving = "saving"


Progress = Callable[[Stage, Brand], Awaitable[None]]


@dataclass
class BoothOutcome:
    url: str
    brand: Brand
    photo: Photo | None = None
    created: bool = False
    videos: list[tuple[SavedPhoto, bytes]] = field(default_factory=list)
    error: BoothError | None = None
    already_filed: bool = False

    @property
    def ok(self) -> bool:
        return self.photo is not None


def brand_of(brand_id: str) -> Brand:
    return next((brand for brand in known_brands() if brand.id == brand_id), UNKNOWN_BRAND)


def _error_class(code: str) -> type[BoothError]:
    return next((cls for cls in error_classes() if cls.code == code), BoothError)


async def fetch_and_file(
    *,
    url: str,
    chat_id: int,
    sender_id: int | None,
    albums: AlbumStore,
    fetcher: SafeFetcher,
    cpu: CpuPool,
    max_pixels: int,
) -> BoothOutcome:
    """Download the link's originals and videos and file them (the work queue's `file_booth_link` task body). Every
    save is unique per chat and content, so running it again (a redelivered task) files nothing twice and files
    what a killed run had not reached yet; whether the strip is new to the album is the caller's to know."""
    brand = identify(url) or UNKNOWN_BRAND
    try:
        result = await download(url, fetcher)
    except BoothError as exc:
        return BoothOutcome(url=url, brand=brand, error=exc)
    brand = result.brand
    outcome = BoothOutcome(url=url, brand=brand)
    for media in result.photos:
        try:
            info = await cpu.run(check_image, media.data, max_pixels)
        except ImageRejected as exc:
            outcome.error = NotMedia(f"booth photo rejected: {exc}", url=media.url)
            continue
        saved = await albums.save(
            chat_id,
            NewMedia(
                data=media.data,
                mime=info.mime,
                width=info.width,
                height=info.height,
                sender_id=sender_id,
                source=PhotoSource.qr,
                source_url=url,
                brand=brand.id,
            ),
        )
        if outcome.photo is None:
            outcome.photo, outcome.created, outcome.error = saved.photo, saved.created, None
    if outcome.photo is None:
        return outcome
    for media in result.videos:
        saved = await albums.save(
            chat_id,
            NewMedia(
                data=media.data,
                mime=media.mime,
                kind=MediaKind.video,
                sender_id=sender_id,
                source=PhotoSource.qr,
                source_url=url,
                brand=brand.id,
                parent_id=outcome.photo.id,
            ),
        )
        outcome.videos.append((saved, media.data))
    return outcome


def outcome_json(outcome: BoothOutcome) -> dict[str, object]:
    """What a worker hands back for a filed link: ids, not rows or bytes (the caller reads them from the album)."""
    error = outcome.error
    return {
        "url": outcome.url,
        "brand": outcome.brand.id,
        "photo_id": outcome.photo.id if outcome.photo is not None else None,
        "video_ids": [saved.photo.id for saved, _ in outcome.videos],
        "error": None if error is None else {"code": error.code, "detail": error.detail, "url": error.url},
    }


async def outcome_of(filed: dict[str, Any], albums: AlbumStore) -> BoothOutcome:
    """A worker's `outcome_json` back as a BoothOutcome for this request: the caller found nothing filed from the
    link before it sent the task, so what the task filed (now, or in an earlier run of the same task) is new."""
    outcome = BoothOutcome(url=str(filed["url"]), brand=brand_of(str(filed["brand"])))
    error = filed.get("error")
    if error:
        outcome.error = _error_class(error["code"])(error.get("detail") or "", url=error.get("url"))
    if filed.get("photo_id") is not None:
        outcome.photo = await albums.get(int(filed["photo_id"]))
        outcome.created = outcome.photo is not None
    for video_id in filed.get("video_ids") or []:
        video = await albums.get(int(video_id))
        if video is not None:
            outcome.videos.append((SavedPhoto(video, created=True), await albums.load(video)))
    return outcome
