"""포토그레이 / Photogray: pgshort → photogray-download ?id=<base64 session> → pg-qr-resource files."""

from __future__ import annotations

import base64
import binascii
import time
from collections.abc import Callable
from urllib.parse import parse_qs

from yarl import URL

from booths.brands.base import BrandHandler, check_deleted_redirect, host_of, is_token
from booths.errors import LinkExpired, NotMedia
from booths.fetch import SafeFetcher
from booths.hosts import HostRule
from booths.models import Brand, Extraction, MediaRef

BRAND = Brand("photogray", "Photogray")
HOSTS = HostRule.of(exact={"pgshort.aprd.io", "photogray-download.aprd.io"})
DOWNLOAD_HOST = "photogray-download.aprd.io"
RESOURCE = URL("https://pg-qr-resource.aprd.io")
REFERER = "https://photogray-download.aprd.io/"


def decode_session(encoded: str) -> dict[str, str]:
    """`sessionId=…&mode=…&expiredDate=…` from the base64 `id` parameter (standard or URL-safe alphabet)."""
    padded = encoded.strip() + "=" * (-len(encoded.strip()) % 4)
    try:
        raw = base64.b64decode(padded.replace("-", "+").replace("_", "/"), validate=True)
        text = raw.decode("utf-8")
    except (binascii.Error, UnicodeDecodeError, ValueError) as exc:
        raise NotMedia("Photogray id is not base64 text") from exc
    return {key: values[0] for key, values in parse_qs(text).items() if values}


def is_expired(expired_date: str, now: float) -> bool:
    stamp = float(expired_date)
    if stamp > 1e12:  # milliseconds
        stamp /= 1000
    return stamp < now


async def extract(url: URL, fetcher: SafeFetcher, now: Callable[[], float] = time.time) -> Extraction:
    if host_of(url) != DOWNLOAD_HOST:
        hop = await fetcher.fetch(
            url, stop_before=lambda u: host_of(u) == DOWNLOAD_HOST and "id" in u.query, referer=str(url)
        )
        check_deleted_redirect(hop)
        if not hop.stopped:
            hop.raise_for_status()
            raise NotMedia("Photogray short link did not redirect to the download page", url=str(hop.url))
        url = hop.url
    encoded = url.query.get("id")
    if not encoded:
        raise NotMedia("Photogray link without id", url=str(url))
    session = decode_session(encoded)
    session_id = session.get("sessionId", "")
    if not is_token(session_id):
        raise NotMedia("Photogray id has no usable sessionId", url=str(url))
    expired_date = session.get("expiredDate")
    if expired_date:
        try:
            expired = is_expired(expired_date, now())
        except ValueError:
            expired = False
        if expired:
            raise LinkExpired(f"Photogray session expired at {expired_date}", url=str(url))
    folder = RESOURCE / session_id
    return Extraction(
        photos=[MediaRef(str(folder / "image.jpg"), "photo", referer=REFERER)],
        videos=[
            MediaRef(str(folder / "video.mp4"), "video", referer=REFERER),
            MediaRef(str(folder / "timelapse.mp4"), "video", referer=REFERER),
        ],
    )


HANDLERS = [BrandHandler(BRAND, HOSTS, extract)]
