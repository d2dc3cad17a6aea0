"""A booth link → the original photo (and videos) filed in the chat's album, once."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from enum import StrEnum

from booths import UNKNOWN_BRAND, BoothError, Brand, NotMedia, SafeFetcher, download, identify
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


async def _no_progress(_stage: Stage, _brand: Brand) -> None:
    return None


async def file_booth_link(
    *,
    url: str,
    chat_id: int,
    sender_id: int | None,
    albums: AlbumStore,
    fetcher: SafeFetcher,
    cpu: CpuPool,
    max_pixels: int,
    progress: Progress = _no_progress,
) -> BoothOutcome:
    brand = identify(url) or UNKNOWN_BRAND
    await progress(Stage.found, brand)
    existing = await albums.find_by_source_url(chat_id, url)
    if existing is not None:
        return BoothOutcome(url=url, brand=brand, photo=existing, already_filed=True)
    await progress(Stage.downloading, brand)
    try:
        result = await download(url, fetcher)
    except BoothError as exc:
        return BoothOutcome(url=url, brand=brand, error=exc)
    brand = result.brand
    await progress(Stage.saving, brand)
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
