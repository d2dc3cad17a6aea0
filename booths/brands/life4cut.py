"""인생네컷 / Life4Cuts: old lifejuin index.html pages, the api.life4cut.net redirect and the webQr form."""

from __future__ import annotations

import re

from yarl import URL

from booths.brands.base import BrandHandler, fetch_page, file_itself, host_of, replace_last_segment
from booths.errors import NotMedia
from booths.fetch import SafeFetcher
from booths.hosts import HostRule
from booths.html import absolute, base_url, parse_html
from booths.models import Brand, Extraction, MediaRef
from booths.sniff import MediaKind

BRAND = Brand("life4cut", "Life4Cuts")
HOSTS = HostRule.of(
    exact={"life4cut-l4c01.s3-accelerate.amazonaws.com"},
    suffixes={"life4cut.net", "life-4cut.net", "lifejuin.biz"},
)
S3_REFERER = "https://download.life4cut.net"
DOWNLOAD_PROXY = URL("https://download.life4cut.net/api/download")
_BUCKET = re.compile(r"[a-z0-9][a-z0-9.\-]{1,61}[a-z0-9]")
_REGION = re.compile(r"[a-z]{2}(-[a-z]+)+-\d")
_FOLDER = re.compile(r"(/[A-Za-z0-9_\-.]+)+")


def _is_webqr(url: URL) -> bool:
    return host_of(url) == "download.life4cut.net" and url.path.rstrip("/").endswith("webQr")


def _is_resolved(url: URL) -> bool:
    return _is_webqr(url) or "path" in url.query or url.path.lower().endswith("index.html")


def _from_webqr(url: URL) -> Extraction:
    bucket, region, folder = (url.query.get(k, "") for k in ("bucket", "region", "folderPath"))
    if not (_BUCKET.fullmatch(bucket) and _REGION.fullmatch(region) and _FOLDER.fullmatch(folder)):
        raise NotMedia("Life4Cuts webQr link without a valid bucket/region/folderPath", url=str(url))
    if ".." in folder:
        raise NotMedia("Life4Cuts folderPath is not a plain path", url=str(url))
    host = f"{bucket}.s3.{region}.amazonaws.com"
    folder_url = URL.build(scheme="https", host=host, path=folder.rstrip("/"))
    return Extraction(
        photos=[_s3_ref(folder_url / "image.jpg", "photo")],
        videos=[_s3_ref(folder_url / "video.mp4", "video")],
    )


def _s3_ref(file_url: URL, kind: MediaKind) -> MediaRef:
    """The S3 file, with the site's own download endpoint as the fallback when S3 refuses us."""
    proxied = DOWNLOAD_PROXY.with_query({"url": str(file_url)})
    return MediaRef(str(file_url), kind, referer=S3_REFERER, alternates=(str(proxied),))


def _from_folder(page_url: URL) -> Extraction:
    return Extraction(
        photos=[MediaRef(str(replace_last_segment(page_url, "image.jpg")), "photo", referer=str(page_url))],
        videos=[MediaRef(str(replace_last_segment(page_url, "video.mp4")), "video", referer=str(page_url))],
    )


async def _from_index_page(page_url: URL, fetcher: SafeFetcher) -> Extraction:
    """The old page: a#image_download / a#video_download, relative to the page folder."""
    page = await fetch_page(fetcher, page_url)
    if (ready := file_itself(fetcher, page)) is not None:
        return ready
    fallback = _from_folder(page.url)
    if not page.is_html:
        return fallback
    root = parse_html(page.text())
    base = base_url(root, page.url)
    image = root.find_id("image_download")
    video = root.find_id("video_download")
    image_url = absolute(base, image.get("href")) if image else None
    video_url = absolute(base, video.get("href")) if video else None
    return Extraction(
        photos=[MediaRef(str(image_url), "photo", referer=str(page.url))] if image_url else fallback.photos,
        videos=[MediaRef(str(video_url), "video", referer=str(page.url))] if video_url else fallback.videos,
    )


async def _dispatch(url: URL, fetcher: SafeFetcher) -> Extraction:
    if _is_webqr(url):
        return _from_webqr(url)
    if "path" in url.query:
        # 2024 form: the redirect carried ?path=<…/index.html>.
        target = absolute(url, url.query["path"])
        if target is None:
            raise NotMedia("Life4Cuts path= parameter is not a URL", url=str(url))
        return _from_folder(target)
    return await _from_index_page(url, fetcher)


async def extract(url: URL, fetcher: SafeFetcher) -> Extraction:
    if _is_resolved(url):
        return await _dispatch(url, fetcher)
    # api.life4cut.net short links answer 301 with the real location; do not fetch the viewer page itself.
    hop = await fetcher.fetch(url, stop_before=_is_resolved, referer=str(url))
    if hop.stopped:
        return await _dispatch(hop.url, fetcher)
    hop.raise_for_status()
    media = fetcher.media_from(hop)
    if media is not None:
        return Extraction(ready=[media])
    if hop.is_html:
        root = parse_html(hop.text())
        base = base_url(root, hop.url)
        image, video = root.find_id("image_download"), root.find_id("video_download")
        if image is not None and (image_url := absolute(base, image.get("href"))):
            video_url = absolute(base, video.get("href")) if video is not None else None
            return Extraction(
                photos=[MediaRef(str(image_url), "photo", referer=str(hop.url))],
                videos=[MediaRef(str(video_url), "video", referer=str(hop.url))] if video_url else [],
            )
    raise NotMedia("Life4Cuts link did not lead to a photo folder", url=str(hop.url))


HANDLERS = [BrandHandler(BRAND, HOSTS, extract)]
