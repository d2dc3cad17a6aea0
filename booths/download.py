"""Turn one QR URL into the booth's photos and videos."""

from __future__ import annotations

import asyncio
import logging

from booths.brands import generic, handler_for
from booths.errors import BoothError, FetchTimeout, LinkExpired, NotMedia
from booths.fetch import SafeFetcher
from booths.models import UNKNOWN_BRAND, BoothDownload, Media, MediaRef

log = logging.getLogger(__name__)


async def fetch_ref(ref: MediaRef, fetcher: SafeFetcher) -> Media:
    """The file at `ref.url`, or at its alternates in order when it cannot be had there."""
    errors: list[BoothError] = []
    for url in (ref.url, *ref.alternates):
        try:
            return await fetcher.fetch_media(url, kind=ref.kind, referer=ref.referer)
        except BoothError as error:
            errors.append(error)
    raise _most_telling(errors)


def _most_telling(errors: list[BoothError]) -> BoothError:
    return next((e for e in errors if isinstance(e, LinkExpired)), errors[0])


DOWNLOAD_DEADLINE = 120.0


async def download(url: str, fetcher: SafeFetcher, *, deadline: float = DOWNLOAD_DEADLINE) -> BoothDownload:
    """Download the photo(s) and, when offered, the video(s) behind one booth QR URL.

    Only `url` and the files its booth page names are requested; nothing is enumerated. At least one photo is
    required; missing videos are skipped. Every request has the fetcher's own deadline and the whole download
    `deadline` seconds. Raises a BoothError subclass.
    """
    try:
        async with asyncio.timeout(deadline):
            return await _download(url, fetcher)
    except TimeoutError as exc:
        raise FetchTimeout(f"download took longer than {deadline:g} s", url=url) from exc


async def _download(url: str, fetcher: SafeFetcher) -> BoothDownload:
    start = fetcher.check_url(url)
    handler = handler_for(start)
    brand = handler.brand if handler else UNKNOWN_BRAND
    extractor = handler.extract if handler else generic.extract
    extraction = await extractor(start, fetcher)

    media: list[Media] = list(extraction.ready)
    photo_errors: list[BoothError] = []
    for ref in extraction.photos:
        try:
            media.append(await fetch_ref(ref, fetcher))
        except BoothError as error:
            photo_errors.append(error)
    for ref in extraction.videos:
        try:
            media.append(await fetch_ref(ref, fetcher))
        except BoothError as error:
            log.info("booth video skipped (%s): %s", brand.id, error)

    unique: dict[str, Media] = {}
    for item in media:
        unique.setdefault(item.sha256, item)
    photos = [m for m in unique.values() if m.kind == "photo"]
    videos = [m for m in unique.values() if m.kind == "video"]
    if not photos:
        if photo_errors:
            raise _most_telling(photo_errors)
        raise NotMedia("no photo found at this link", url=str(start))
    return BoothDownload(brand=brand, source_url=str(start), photos=photos, videos=videos)
