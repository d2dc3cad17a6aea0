"""포토시그니처 / Photo Signature: photoqrN.kr folders (a.jpg) and the web.app viewers (CDN final.jpg)."""

from __future__ import annotations

import re

from yarl import URL

import booths.brands.generic as generic
from booths.brands.base import BrandHandler, host_of, is_token, replace_last_segment
from booths.fetch import SafeFetcher
from booths.hosts import HostRule
from booths.models import Brand, Extraction, MediaRef

BRAND = Brand("photosignature", "Photo Signature")
VIEWER_HOSTS = {"photosignature-viewer.web.app", "imagenetworks.web.app"}
HOSTS = HostRule.of(exact=VIEWER_HOSTS, patterns=[r"photoqr\d*\.kr"])
CDN = URL("https://photosignature-asset-cdn.photosignature.workers.dev/sessions")
_VIEWER_SESSION = re.compile(r"(?:view|/v)/([A-Za-z0-9_\-]+)")


def session_id(url: URL) -> str | None:
    """The session id of a viewer link; it may sit in the path or in the #fragment."""
    match = _VIEWER_SESSION.search(f"{url.path}#{url.fragment}")
    return match.group(1) if match and is_token(match.group(1)) else None


async def extract(url: URL, fetcher: SafeFetcher) -> Extraction:
    if host_of(url) in VIEWER_HOSTS:
        sid = session_id(url)
        if sid is None:
            return await generic.extract(url, fetcher)
        referer = f"https://{host_of(url)}/"
        return Extraction(photos=[MediaRef(str(CDN / sid / "final.jpg"), "photo", referer=referer)])
    photo = replace_last_segment(url, "a.jpg")
    return Extraction(
        photos=[MediaRef(str(photo), "photo", referer=str(url))],
        videos=[
            MediaRef(
                str(replace_last_segment(url, "video.mp4")),
                "video",
                referer=str(url),
                alternates=(str(replace_last_segment(url, "output.mp4")),),
            )
        ],
    )


HANDLERS = [BrandHandler(BRAND, HOSTS, extract, default_scheme="http")]
