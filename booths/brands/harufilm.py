"""하루필름 / Harufilm: haruN.mxN.co.kr/@<album> (same platform: studio808.mx2.co.kr, q2center.kr)."""

from __future__ import annotations

from yarl import URL

import booths.brands.generic as generic
from booths.brands.base import BrandHandler, fetch_page, file_itself, is_token, links_by_type
from booths.fetch import SafeFetcher
from booths.hosts import HostRule
from booths.html import absolute, base_url, parse_html
from booths.models import Brand, Extraction, MediaRef

BRAND = Brand("harufilm", "Harufilm")
HOSTS = HostRule.of(exact={"studio808.mx2.co.kr"}, suffixes={"q2center.kr"}, patterns=[r"haru\d*\.mx\d+\.co\.kr"])


def _album_code(url: URL) -> str | None:
    code = url.path.strip("/").lstrip("@")
    return code if is_token(code) and "/" not in code else None


def _base_api(url: URL, code: str, kind: str, file_name: str) -> URL:
    return url.with_path("/base_api").with_query(
        {
            "command": "albumdn",
            "albumCode": code,
            "type": kind,
            "file_name": file_name,
            "max": "10",
            "limit": " 24 hours",
        }
    )


async def extract(url: URL, fetcher: SafeFetcher) -> Extraction:
    code = _album_code(url)
    if code is None:
        return await generic.extract(url, fetcher)
    page = await fetch_page(fetcher, url)
    if (ready := file_itself(fetcher, page)) is not None:
        return ready
    direct = url.with_path(f"/download/album/{code}/output/output.jpg").with_query(None)
    photos: list[MediaRef] = []
    videos: list[MediaRef] = []
    if page.is_html:
        root = parse_html(page.text())
        base = base_url(root, page.url)
        photos, videos = links_by_type(root, base, "base_api", {"photo": "photo", "video": "video"}, str(url))
        if not photos:
            for image in root.iter("img"):
                if any("main_cont" in a.classes for a in image.ancestors()):
                    src = absolute(base, image.get("src"))
                    if src is not None:
                        photos.append(MediaRef(str(src), "photo", referer=str(url)))
    if photos:
        first = photos[0]
        photos[0] = MediaRef(first.url, "photo", first.referer, alternates=(str(direct),))
    else:
        photos = [MediaRef(str(direct), "photo", referer=str(url))]
    if not videos:
        videos = [MediaRef(str(_base_api(url, code, "video", "output.mp4")), "video", referer=str(url))]
    return Extraction(photos=photos, videos=videos)


HANDLERS = [BrandHandler(BRAND, HOSTS, extract, default_scheme="http")]
