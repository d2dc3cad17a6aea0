"""포토이즘 / Photoism (Seobuk): qr.seobuk.kr/s/<code> → ?u=<uid> → POST cmsapi resource JSON."""

from __future__ import annotations

from typing import Any

from yarl import URL

import booths.brands.generic as generic
from booths.brands.base import BrandHandler, check_deleted_redirect, host_of, is_token
from booths.errors import LinkExpired, LinkUnreachable, NotMedia
from booths.fetch import ACCEPT_JSON, SafeFetcher
from booths.hosts import HostRule
from booths.html import absolute
from booths.models import Brand, Extraction, MediaRef

BRAND = Brand("photoism", "Photoism")
HOSTS = HostRule.of(exact={"qr.seobuk.kr"}, suffixes={"seobuk.kr"})
RESOURCE_API = URL("https://cmsapi.seobuk.kr/v1/etc/seq/resource")
REFERER = "https://qr.seobuk.kr/"
EXPIRED_CODE = 1003


def _dig(data: Any, *keys: str) -> Any:
    for key in keys:
        if not isinstance(data, dict):
            return None
        data = data.get(key)
    return data


async def _uid_from_short_link(url: URL, fetcher: SafeFetcher) -> str:
    hop = await fetcher.fetch(url, stop_before=lambda u: "u" in u.query, referer=REFERER)
    check_deleted_redirect(hop)
    uid = hop.url.query.get("u")
    if uid:
        return uid
    hop.raise_for_status()
    raise NotMedia("Photoism short link did not redirect to an album", url=str(hop.url))


async def extract(url: URL, fetcher: SafeFetcher) -> Extraction:
    uid = url.query.get("u")
    if not uid:
        if host_of(url) != "qr.seobuk.kr" or not url.path.startswith("/s/"):
            return await generic.extract(url, fetcher)
        uid = await _uid_from_short_link(url, fetcher)
    if not is_token(uid):
        raise NotMedia("Photoism uid has unexpected characters", url=str(url))
    answer = await fetcher.fetch(
        RESOURCE_API,
        method="POST",
        json_body={"uid": uid, "appUserId": None},
        referer=REFERER,
        headers={"Origin": "https://qr.seobuk.kr"},
        accept=ACCEPT_JSON,
    )
    answer.raise_for_status()
    data = answer.json()
    code = data.get("code") if isinstance(data, dict) else None
    if code == EXPIRED_CODE or str(code) == str(EXPIRED_CODE):
        raise LinkExpired("Photoism answered code 1003", url=str(url))
    info = _dig(data, "content", "fileInfo")
    pic = _dig(info, "picFile", "path")
    vid = _dig(info, "vidFile", "path")
    photo_url = absolute(RESOURCE_API, pic) if isinstance(pic, str) else None
    video_url = absolute(RESOURCE_API, vid) if isinstance(vid, str) else None
    if photo_url is None:
        raise LinkUnreachable(f"Photoism answered without a photo (code {code})", url=str(url))
    return Extraction(
        photos=[MediaRef(str(photo_url), "photo", referer=REFERER)],
        videos=[MediaRef(str(video_url), "video", referer=REFERER)] if video_url else [],
    )


HANDLERS = [BrandHandler(BRAND, HOSTS, extract)]
