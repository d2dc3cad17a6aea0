"""Booth QR links → the booth's original photo (and video when offered).

    brand = identify(url)                       # Brand | None
    urls = find_urls(message_text)              # booth-looking URLs in a text
    async with SafeFetcher() as fetcher:
        result = await download(url, fetcher)   # BoothDownload(brand, source_url, photos, videos)

Failures raise BoothError subclasses; `error.code` is a stable code (the bot words it; booths words nothing).
"""

from booths.download import download
from booths.errors import (
    BoothError,
    FetchTimeout,
    LinkExpired,
    LinkUnreachable,
    NotMedia,
    TooLarge,
    TooManyRedirects,
    UnsafeUrl,
)
from booths.fetch import SafeFetcher
from booths.models import UNKNOWN_BRAND, BoothDownload, Brand, Media
from booths.urls import find_urls, identify

__all__ = [
    "UNKNOWN_BRAND",
    "BoothDownload",
    "BoothError",
    "Brand",
    "FetchTimeout",
    "LinkExpired",
    "LinkUnreachable",
    "Media",
    "NotMedia",
    "SafeFetcher",
    "TooLarge",
    "TooManyRedirects",
    "UnsafeUrl",
    "download",
    "find_urls",
    "identify",
]
