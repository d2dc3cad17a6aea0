"""PLAN.B STUDIO / OLDMOON on pixpixlink.com: `?d=<dir>&i=<id>` → `/t/{d}/{i}.jpg` (and `.mp4`)."""

from __future__ import annotations

from yarl import URL

import booths.brands.generic as generic
from booths.brands.base import BrandHandler, is_token
from booths.fetch import SafeFetcher
from booths.hosts import HostRule
from booths.models import Brand, Extraction, MediaRef

BRAND = Brand("pixpixlink", "PLAN.B STUDIO / OLDMOON")
HOSTS = HostRule.of(suffixes={"pixpixlink.com"})


async def extract(url: URL, fetcher: SafeFetcher) -> Extraction:
    folder, take = url.query.get("d"), url.query.get("i")
    if not (is_token(folder) and is_token(take)):
        return await generic.extract(url, fetcher)
    base = url.with_query(None).with_fragment(None)
    return Extraction(
        photos=[MediaRef(str(base.with_path(f"/t/{folder}/{take}.jpg")), "photo", referer=str(url))],
        videos=[MediaRef(str(base.with_path(f"/t/{folder}/{take}.mp4")), "video", referer=str(url))],
    )


HANDLERS = [BrandHandler(BRAND, HOSTS, extract)]
