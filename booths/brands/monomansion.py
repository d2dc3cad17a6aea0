"""모노맨션 / Mono Mansion: old monomansion.net download.php links, new ncloudstorage COMPLETE.jpg pages."""

from __future__ import annotations

import html
import re

from yarl import URL

from booths.brands.base import BrandHandler, fetch_page, file_itself, host_of, is_token
from booths.brands.download_php import photo_and_video, refs_from_page
from booths.errors import NotMedia
from booths.fetch import SafeFetcher
from booths.hosts import HostRule
from booths.html import absolute, base_url, parse_html
from booths.models import Brand, Extraction, MediaRef

BRAND = Brand("monomansion", "Mono Mansion")
HOSTS = HostRule.of(suffixes={"monomansion.net", "mono-mansion.com"})
OLD_API = URL("https://monomansion.net/api/download.php")
_NCLOUD_JPG = re.compile(
    r"""href\s*=\s*["'](https://[^"']*ncloudstorage\.com[^"']+\.jpg(?:\?[^"']*)?)["']""", re.IGNORECASE
)


def _is_ncloud(url: URL) -> bool:
    host = host_of(url)
    return host == "ncloudstorage.com" or host.endswith(".ncloudstorage.com")


async def _extract_new(page_url: URL, fetcher: SafeFetcher) -> Extraction:
    page = await fetch_page(fetcher, page_url)
    if (ready := file_itself(fetcher, page)) is not None:
        return ready
    text = page.text()
    root = parse_html(text)
    base = base_url(root, page.url)
    photos: list[URL] = []
    for link in root.iter("a"):
        href = absolute(base, link.get("href"))
        if href is not None and _is_ncloud(href) and href.path.lower().endswith(".jpg"):
            photos.append(href)
    if not photos:
        photos = [u for m in _NCLOUD_JPG.finditer(text) if (u := absolute(base, html.unescape(m.group(1))))]
    photos.sort(key=lambda u: not u.path.lower().endswith("complete.jpg"))
    videos = [u for b in root.iter() if b.get("data-url") and (u := absolute(base, b.get("data-url")))]
    if not photos:
        raise NotMedia("Mono Mansion page has no COMPLETE.jpg link", url=str(page.url))
    referer = str(page.url)
    return Extraction(
        photos=[MediaRef(str(photos[0]), "photo", referer=referer)],
        videos=[MediaRef(str(v), "video", referer=referer) for v in videos],
    )


async def extract(url: URL, fetcher: SafeFetcher) -> Extraction:
    if host_of(url).endswith("mono-mansion.com"):
        return await _extract_new(url, fetcher)
    if url.path.endswith("download.php") and is_token(url.query.get("qrcode")):
        return photo_and_video(url, str(url))
    page = await fetch_page(fetcher, url)
    if (ready := file_itself(fetcher, page)) is not None:
        return ready
    found = refs_from_page(page, url)
    code = url.query.get("qrcode")
    if not found.photos and code and is_token(code):
        guessed = photo_and_video(OLD_API.with_query({"qrcode": code}), str(url))
        found.photos.extend(guessed.photos)
        found.videos.extend(guessed.videos)
    if not found.photos:
        raise NotMedia("Mono Mansion page has no download.php link", url=str(page.url))
    return found


HANDLERS = [BrandHandler(BRAND, HOSTS, extract)]
