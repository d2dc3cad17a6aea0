"""What every brand module provides, plus page helpers they share."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass

from yarl import URL

from booths.errors import LinkExpired
from booths.fetch import FetchResult, SafeFetcher
from booths.hosts import HostRule, normalize_host
from booths.html import Element, absolute
from booths.models import Brand, Extraction, MediaRef
from booths.sniff import MediaKind

Extractor = Callable[[URL, SafeFetcher], Awaitable[Extraction]]

SAFE_TOKEN = re.compile(r"[A-Za-z0-9_\-.~]{1,128}")


@dataclass(frozen=True)
class BrandHandler:
    brand: Brand
    hosts: HostRule
    extract: Extractor
    default_scheme: str = "https"

    def matches(self, url: URL) -> bool:
        return self.hosts.matches(url.raw_host)


def host_of(url: URL) -> str:
    return normalize_host(url.raw_host)


def is_token(value: str | None) -> bool:
    """True for ids that can be pasted into a URL path without escaping anything (no '/', no '..')."""
    return bool(value) and bool(SAFE_TOKEN.fullmatch(value or "")) and ".." not in (value or "")


def check_deleted_redirect(result: FetchResult) -> None:
    """Some booths redirect a deleted album to a path ending in /delete."""
    for hop in result.chain[1:]:
        if hop.path.rstrip("/").endswith("/delete"):
            raise LinkExpired("the booth redirected to its delete page", url=str(hop))


async def fetch_page(fetcher: SafeFetcher, url: URL, *, referer: str | None = None) -> FetchResult:
    """GET a booth page, turning 403/404/410, /delete redirects and outages into typed errors."""
    result = await fetcher.fetch(url, referer=referer or str(url))
    check_deleted_redirect(result)
    result.raise_for_status()
    return result


def file_itself(fetcher: SafeFetcher, page: FetchResult) -> Extraction | None:
    """The link answered with the photo or video itself rather than a page: that file."""
    media = fetcher.media_from(page)
    return None if media is None else Extraction(ready=[media])


def links_by_type(
    root: Element, base: URL, path_end: str, kinds: Mapping[str, MediaKind], referer: str
) -> tuple[list[MediaRef], list[MediaRef]]:
    """The page's photo and video links: each <a> to a path ending in `path_end`, sorted by its `type=` value
    (`kinds`: that value → photo or video; other values are passed over)."""
    found: dict[MediaKind, list[MediaRef]] = {"photo": [], "video": []}
    for link in root.iter("a"):
        href = absolute(base, link.get("href"))
        if href is None or not href.path.endswith(path_end):
            continue
        kind = kinds.get(href.query.get("type", ""))
        if kind is not None:
            found[kind].append(MediaRef(str(href), kind, referer=referer))
    return found["photo"], found["video"]


def replace_last_segment(url: URL, name: str) -> URL:
    """`…/folder/index.html` → `…/folder/<name>`; `…/folder` or `…/folder/` → `…/folder/<name>`."""
    path = url.path
    if path.lower().endswith(".html") or path.lower().endswith(".htm"):
        folder = path.rsplit("/", 1)[0]
    else:
        folder = path.rstrip("/")
    return url.with_path(f"{folder}/{name}", encoded=False).with_query(None).with_fragment(None)
