"""The `download.php?qrcode=<q>&type=P|V` family (picdot, The Film, Studio808, SHOTUP, 포토아이브, …)."""

from __future__ import annotations

from yarl import URL

from booths.brands.base import BrandHandler, fetch_page, file_itself, host_of, is_token, links_by_type
from booths.errors import LinkExpired, LinkUnreachable
from booths.fetch import ACCEPT_JSON, FetchResult, SafeFetcher
from booths.hosts import HostRule
from booths.html import absolute, base_url, parse_html
from booths.models import Brand, Extraction, MediaRef
from booths.sniff import MediaKind

PICDOT = Brand("picdot", "picdot")
FAMILY: list[tuple[Brand, HostRule]] = [
    (PICDOT, HostRule.of(suffixes={"picdot.kr", "picdot.co.kr"})),
    (Brand("thefilm", "The Film"), HostRule.of(suffixes={"thefilmadmin.co.kr"})),
    (Brand("studio808", "Studio808"), HostRule.of(exact={"mys.studio808.kr"})),
    (Brand("shotup", "SHOTUP"), HostRule.of(suffixes={"durishot.net"})),
    (Brand("photoive", "Photoive"), HostRule.of(suffixes={"photoive.kr"})),
    (Brand("analogphoto", "Analog Photo"), HostRule.of(suffixes={"analogphoto.co.kr"})),
    (Brand("photoheim", "Photoheim"), HostRule.of(suffixes={"selfphotobox.com"})),
    (Brand("youngchive", "youngchive"), HostRule.of(exact={"kiosk.youngchive.com"})),
]
DOWNLOAD_TYPES: dict[str, MediaKind] = {"P": "photo", "p": "photo", "V": "video", "v": "video"}
PICDOT_API = URL("https://api.picdot.co.kr/api/v1/transaction/qr/file")


def with_type(url: URL, kind: str) -> URL:
    return url.update_query(type=kind)


def photo_and_video(endpoint: URL, referer: str) -> Extraction:
    """The file endpoint's photo (type=P) and video (type=V)."""
    return Extraction(
        photos=[MediaRef(str(with_type(endpoint, "P")), "photo", referer=referer)],
        videos=[MediaRef(str(with_type(endpoint, "V")), "video", referer=referer)],
    )


def refs_from_page(page: FetchResult, qr_url: URL) -> Extraction:
    """Links to download.php on the page (type=P photo, type=V video); else built next to the QR page."""
    photos: list[MediaRef] = []
    videos: list[MediaRef] = []
    if page.is_html:
        root = parse_html(page.text())
        base = base_url(root, page.url)
        photos, videos = links_by_type(root, base, "download.php", DOWNLOAD_TYPES, str(page.url))
    code = qr_url.query.get("qrcode")
    if code and is_token(code):
        built = page.url.join(URL("download.php")).with_query({"qrcode": code})
        guessed = photo_and_video(built, str(page.url))
        photos, videos = photos or guessed.photos, videos or guessed.videos
    return Extraction(photos=photos, videos=videos)


async def extract_download_php(url: URL, fetcher: SafeFetcher) -> Extraction:
    if url.path.endswith("download.php") and url.query.get("qrcode"):
        # The QR already points at the file endpoint: never guess beyond its P/V sibling.
        return photo_and_video(url, str(url))
    page = await fetch_page(fetcher, url)
    if (ready := file_itself(fetcher, page)) is not None:
        return ready
    return refs_from_page(page, url)


async def _extract_picdot_transaction(url: URL, fetcher: SafeFetcher, uid: str) -> Extraction:
    answer = await fetcher.fetch(PICDOT_API / uid, referer=str(url), accept=ACCEPT_JSON)
    answer.raise_for_status()
    data = answer.json()
    payload = data.get("data") if isinstance(data, dict) else None
    if not isinstance(payload, dict):
        raise LinkExpired("picdot answered without data", url=str(url))
    paths = payload.get("pathList") or []
    photo = paths[0].get("path") if paths and isinstance(paths[0], dict) else None
    if not isinstance(photo, str) or absolute(PICDOT_API, photo) is None:
        raise LinkUnreachable("picdot answered without a photo path", url=str(url))
    videos = []
    for key in ("video", "timeVideo"):
        entry = payload.get(key)
        path = entry.get("path") if isinstance(entry, dict) else None
        target = absolute(PICDOT_API, path) if isinstance(path, str) else None
        if target is not None:
            videos.append(MediaRef(str(target), "video", referer=str(url)))
    return Extraction(photos=[MediaRef(str(absolute(PICDOT_API, photo)), "photo", referer=str(url))], videos=videos)


async def extract(url: URL, fetcher: SafeFetcher) -> Extraction:
    uid = url.query.get("transactionUid")
    if host_of(url).endswith("picdot.co.kr") and uid and is_token(uid):
        return await _extract_picdot_transaction(url, fetcher, uid)
    return await extract_download_php(url, fetcher)


HANDLERS = [BrandHandler(brand, hosts, extract) for brand, hosts in FAMILY]
