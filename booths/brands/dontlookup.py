"""Don't Look Up (x.dontlxxkup.kr): first two page links are photo and video; a /delete redirect = expired."""

from __future__ import annotations

from yarl import URL

from booths.brands.base import BrandHandler, fetch_page, file_itself, is_token
from booths.errors import NotMedia
from booths.fetch import SafeFetcher
from booths.hosts import HostRule
from booths.html import absolute, base_url, parse_html
from booths.models import Brand, Extraction, MediaRef

BRAND = Brand("dontlookup", "Don't Look Up")
HOSTS = HostRule.of(suffixes={"dontlxxkup.kr"})
VIDEO_EXTENSIONS = (".mp4", ".mov", ".webm")


async def extract(url: URL, fetcher: SafeFetcher) -> Extraction:
    page = await fetch_page(fetcher, url)  # raises LinkExpired on a redirect to …/delete
    if (ready := file_itself(fetcher, page)) is not None:
        return ready
    last = url.path.rstrip("/").rsplit("/", 1)[-1]
    uploads = url.with_path(f"/uploads/{last}").with_query(None) if is_token(last) else None
    links: list[URL] = []
    if page.is_html:
        root = parse_html(page.text())
        base = base_url(root, page.url)
        links = [u for a in root.iter("a") if (u := absolute(base, a.get("href")))][:2]
    # a[0] is the photo and a[1] the video, unless the file extensions say the opposite.
    if len(links) == 2 and links[0].path.lower().endswith(VIDEO_EXTENSIONS):
        links.reverse()
    photos, videos = links[:1], links[1:2]
    if not photos and uploads is None:
        raise NotMedia("Don't Look Up page has no photo link", url=str(page.url))
    referer = str(page.url)
    photo_refs = [MediaRef(str(u), "photo", referer=referer) for u in photos[:1]]
    if uploads is not None:
        if photo_refs:
            photo_refs[0] = MediaRef(photo_refs[0].url, "photo", referer, alternates=(str(uploads),))
        else:
            photo_refs = [MediaRef(str(uploads), "photo", referer=referer)]
    return Extraction(photos=photo_refs, videos=[MediaRef(str(u), "video", referer=referer) for u in videos])


HANDLERS = [BrandHandler(BRAND, HOSTS, extract)]
