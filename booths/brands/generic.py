"""Generic fallback for unknown booths (booths.md §2.3): the URL itself, download links, og:image, srcset, …

Bounded on purpose: at most MAX_HTML_HOPS linked HTML pages and MAX_FETCHES requests per link, and only URLs
found in what the booth served (never guessed neighbours).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from yarl import URL

from booths.brands.base import check_deleted_redirect
from booths.errors import BoothError, LinkExpired, NotMedia
from booths.fetch import FetchResult, SafeFetcher
from booths.html import Element, absolute, base_url, largest_srcset, parse_html
from booths.models import Extraction, Media

MAX_HTML_HOPS = 2
MAX_FETCHES = 8
MAX_VIDEOS = 2
IMAGE_EXTENSIONS = (".jpg", ".jpeg", ".png", ".webp", ".heic")
VIDEO_EXTENSIONS = (".mp4", ".mov", ".webm")
PHOTO_WORDS = ("image", "이미지", "사진", "photo")
VIDEO_WORDS = ("video", "동영상", "영상", "movie")
IMAGE_META = {"og:image", "og:image:url", "og:image:secure_url", "twitter:image", "twitter:image:src"}
VIDEO_META = {"og:video", "og:video:url", "og:video:secure_url"}
JSONLD_KEYS = {"image", "contentUrl", "url", "thumbnailUrl", "embedUrl"}

_URL_IN_TEXT = re.compile(r"""https?://[^\s"'<>\\]+""")
_QR_IMAGE = re.compile(r"""[^\s"'<>()]*/(?:qrimage|qr_image|common)/[^\s"'<>()]*?\.(?:jpe?g|png|webp)""", re.IGNORECASE)
_IMAGE_PROXY = re.compile(r"""[^\s"'<>()]*image\?url=%2FQRimage[^\s"'<>()]*""", re.I)


@dataclass
class Candidates:
    photos: list[URL] = field(default_factory=list)
    videos: list[URL] = field(default_factory=list)

    def add(self, url: URL | None, kind: str | None) -> None:
        if url is None:
            return
        target = self.videos if kind == "video" else self.photos
        if url not in target:
            target.append(url)


def kind_by_extension(url: URL) -> str | None:
    path = url.path.lower()
    if path.endswith(VIDEO_EXTENSIONS):
        return "video"
    if path.endswith(IMAGE_EXTENSIONS):
        return "photo"
    return None


def _kind_hint(element: Element, url: URL) -> str | None:
    """Link text or labels (image/이미지 vs video/동영상) decide first, then the file extension."""
    label = " ".join((element.text(), element.get("title"), element.get("aria-label"))).lower()
    if any(word in label for word in VIDEO_WORDS):
        return "video"
    if any(word in label for word in PHOTO_WORDS):
        return "photo"
    return kind_by_extension(url)


def _is_download_link(link: Element, url: URL) -> bool:
    href = link.get("href").lower()
    return (
        "download" in link.attrs
        or "download" in href
        or "btn-download" in link.classes
        or link.id == "download"
        or kind_by_extension(url) is not None
    )


def _jsonld_urls(data: Any, key: str = "") -> Iterator[str]:
    if isinstance(data, dict):
        for k, v in data.items():
            yield from _jsonld_urls(v, k)
    elif isinstance(data, list):
        for item in data:
            yield from _jsonld_urls(item, key)
    elif isinstance(data, str) and key in JSONLD_KEYS and data.startswith(("http://", "https://", "/")):
        yield data


def page_candidates(root: Element, page_url: URL, raw_text: str) -> Candidates:
    """Photo and video URLs on a page, best first, in the order of booths.md §2.3 step 3."""
    base = base_url(root, page_url)
    found = Candidates()
    for element in root.iter():  # 1. download links, data-url / data-href
        href = absolute(base, element.get("href")) if element.tag == "a" else None
        if href is not None and _is_download_link(element, href):
            found.add(href, _kind_hint(element, href))
        for attribute in ("data-url", "data-href"):
            if element.get(attribute) and (target := absolute(base, element.get(attribute))):
                found.add(target, _kind_hint(element, target))
    for source in root.iter("source"):  # 2. picture source[srcset]
        if source.get("srcset") and any(a.tag == "picture" for a in source.ancestors()):
            found.add(absolute(base, largest_srcset(source.get("srcset"))), "photo")
    for image in root.iter("img"):  # 3. img[srcset]
        if image.get("srcset"):
            found.add(absolute(base, largest_srcset(image.get("srcset"))), "photo")
    for script in root.iter("script"):  # 4. JSON-LD
        if script.get("type").lower() == "application/ld+json":
            try:
                data = json.loads(script.text())
            except ValueError:
                continue
            for value in _jsonld_urls(data):
                target = absolute(base, value)
                if target is not None and kind_by_extension(target):
                    found.add(target, kind_by_extension(target))
    for video in root.iter("video"):  # 5. video[poster], video source[src]
        found.add(absolute(base, video.get("poster")), "photo")
        found.add(absolute(base, video.get("src")), "video")
        for source in video.iter("source"):
            found.add(absolute(base, source.get("src")), "video")
    for meta in root.iter("meta", "link"):  # 6. og:image / twitter:image / itemprop=image
        name = (meta.get("property") or meta.get("name") or meta.get("itemprop")).lower()
        value = meta.get("content") or meta.get("href")
        if name in IMAGE_META or name == "image":
            found.add(absolute(base, value), "photo")
        elif name in VIDEO_META:
            found.add(absolute(base, value), "video")
    for element in root.iter():
        if element.get("itemprop").lower() == "image" and element.tag == "img":
            found.add(absolute(base, element.get("src")), "photo")
    first_img = next((i for i in root.iter("img") if i.get("src")), None)  # 7. first img[src]
    if first_img is not None:
        found.add(absolute(base, first_img.get("src")), "photo")
    for pattern in (_QR_IMAGE, _IMAGE_PROXY):  # 8. known QR image paths anywhere in the source
        for match in pattern.finditer(raw_text):
            found.add(absolute(base, match.group(0)), "photo")
    return found


def text_candidates(text: str, base: URL) -> Candidates:
    """Step 4: photo and video URLs anywhere in a text or JSON body."""
    found = Candidates()
    for match in _URL_IN_TEXT.finditer(text.replace("\\/", "/")):
        target = absolute(base, match.group(0).rstrip(".,;)"))
        if target is not None and (kind := kind_by_extension(target)):
            found.add(target, kind)
    return found


class _Explorer:
    def __init__(self, fetcher: SafeFetcher) -> None:
        self.fetcher = fetcher
        self.fetches = 0
        self.seen: set[str] = set()
        self.errors: list[BoothError] = []

    async def get(self, url: URL, referer: str) -> FetchResult | None:
        if str(url) in self.seen or self.fetches >= MAX_FETCHES:
            return None
        self.seen.add(str(url))
        self.fetches += 1
        try:
            result = await self.fetcher.fetch(url, referer=referer)
            check_deleted_redirect(result)
            result.raise_for_status()
        except BoothError as error:
            self.errors.append(error)
            return None
        return result

    async def explore(self, result: FetchResult, hops_left: int) -> list[Media]:
        media = self.fetcher.media_from(result)
        if media is not None:
            return [media]
        if result.is_html:
            text = result.text()
            found = page_candidates(parse_html(text), result.url, text)
        elif result.sniffed is None:
            found = text_candidates(result.text(), result.url)
        else:
            return []
        collected: list[Media] = []
        for candidate in found.photos:
            hit = await self.get(candidate, referer=str(result.url))
            if hit is None:
                continue
            item = self.fetcher.media_from(hit)
            if item is not None:
                collected.append(item)
            elif hit.is_html and hops_left > 0:
                collected.extend(await self.explore(hit, hops_left - 1))
            if any(m.kind == "photo" for m in collected):
                break
        for candidate in found.videos[:MAX_VIDEOS]:
            hit = await self.get(candidate, referer=str(result.url))
            if hit is not None and (item := self.fetcher.media_from(hit)) is not None:
                collected.append(item)
        return collected


async def extract(url: URL, fetcher: SafeFetcher) -> Extraction:
    explorer = _Explorer(fetcher)
    explorer.seen.add(str(url))
    start = await fetcher.fetch(url, referer=str(url))
    check_deleted_redirect(start)
    start.raise_for_status()
    if start.ok and not start.body:
        raise LinkExpired("the booth page is empty", url=str(url))
    media = await explorer.explore(start, MAX_HTML_HOPS)
    if not any(m.kind == "photo" for m in media):
        expired = next((e for e in explorer.errors if isinstance(e, LinkExpired)), None)
        if expired is not None:
            raise expired
        if explorer.errors:
            raise explorer.errors[0]
        raise NotMedia("no photo found at this link", url=str(start.url))
    return Extraction(ready=media)
