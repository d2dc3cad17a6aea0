"""SafeFetcher: HTTP client for URLs that come from strangers' QR codes.

Every hop is checked before connecting: scheme, literal addresses, and every DNS answer (through a resolver
that refuses non-public addresses, so aiohttp connects only to an address that passed the check). Redirects
are followed by hand, bodies are streamed against a cap chosen after sniffing the first bytes, and one
deadline covers the whole call including all redirect hops.
"""

from __future__ import annotations

import asyncio
import json as jsonlib
import socket
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import aiohttp
from aiohttp.abc import AbstractResolver, ResolveResult
from multidict import CIMultiDict, CIMultiDictProxy
from yarl import URL

from booths.errors import (
    BoothError,
    FetchTimeout,
    LinkExpired,
    LinkUnreachable,
    NotMedia,
    TooLarge,
    TooManyRedirects,
    UnsafeUrl,
)
from booths.hosts import normalize_host, parse_url
from booths.models import Media
from booths.netpolicy import is_loopback, is_public, looks_numeric, parse_ip
from booths.sniff import SNIFF_BYTES, MediaKind, Sniffed, sniff

MB = 1024 * 1024
PHOTO_CAP = 25 * MB
VIDEO_CAP = 50 * MB  # above Telegram's 50,000,000-byte upload limit on purpose: such a video is kept, not posted
PAGE_CAP = 2 * MB
MIN_MEDIA_BYTES = 5 * 1024
REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
EXPIRED_STATUSES = frozenset({403, 404, 410})

USER_AGENT = (
    "Mozilla/5.0 (Linux; Android 14; SM-S918N) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/126.0.0.0 Mobile Safari/537.36"
)
ACCEPT_ANY = "image/jpeg,image/png,image/webp;q=0.9,text/html;q=0.8,*/*;q=0.5"
ACCEPT_PHOTO = "image/jpeg,image/png,image/webp,image/heic;q=0.9,*/*;q=0.5"
ACCEPT_VIDEO = "video/mp4,video/quicktime;q=0.9,*/*;q=0.5"
ACCEPT_JSON = "application/json, text/plain, */*"

HostMap = Mapping[str, tuple[str, int]]


class _BlockedAddressError(OSError):
    """Raised inside the resolver; aiohttp wraps it, the fetcher turns it into UnsafeUrl."""

    def __init__(self, host: str, address: str) -> None:
        super().__init__(f"{host} resolves to non-public address {address}")
        self.host = host
        self.address = address


class PolicyResolver(AbstractResolver):
    """Resolves like `base`, but fails when any answer is not a public address, so it is never connected to.

    Hosts in `host_map` resolve to their mapped (address, port) instead of DNS; loopback is accepted for those
    only when `allow_loopback` is set (test fixtures). Everything else must be public.
    """

    def __init__(self, base: AbstractResolver, host_map: HostMap, allow_loopback: bool) -> None:
        self._base = base
        self._host_map = {normalize_host(k): v for k, v in host_map.items()}
        self._allow_loopback = allow_loopback

    def is_mapped(self, host: str) -> bool:
        return normalize_host(host) in self._host_map

    def check_address(self, host: str, address: str) -> None:
        ip = parse_ip(address)
        if ip is None:
            raise _BlockedAddressError(host, address)
        if is_public(ip):
            return
        if self._allow_loopback and self.is_mapped(host) and is_loopback(ip):
            return
        raise _BlockedAddressError(host, address)

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[ResolveResult]:
        mapped = self._host_map.get(normalize_host(host))
        if mapped is not None:
            address, mapped_port = mapped
            self.check_address(host, address)
            ip = parse_ip(address)
            return [
                ResolveResult(
                    hostname=host,
                    host=address,
                    port=mapped_port,
                    family=socket.AF_INET6 if ip is not None and ip.version == 6 else socket.AF_INET,
                    proto=0,
                    flags=socket.AI_NUMERICHOST | socket.AI_NUMERICSERV,
                )
            ]
        answers = await self._base.resolve(host, port, family)
        if not answers:
            raise OSError(f"no address for {host}")
        for answer in answers:
            self.check_address(host, answer["host"])
        return answers

    async def close(self) -> None:
        await self._base.close()


@dataclass(frozen=True)
class FetchResult:
    url: URL
    status: int
    headers: CIMultiDictProxy[str]
    body: bytes
    chain: tuple[URL, ...]
    sniffed: Sniffed | None
    stopped: bool = False

    @property
    def content_type(self) -> str:
        return self.headers.get("Content-Type", "").split(";", 1)[0].strip().lower()

    @property
    def is_html(self) -> bool:
        if self.sniffed is not None:
            return False
        head = self.body[:512].lstrip().lower()
        return "html" in self.content_type or head.startswith((b"<!doctype html", b"<html"))

    @property
    def ok(self) -> bool:
        return 200 <= self.status < 300

    def text(self) -> str:
        charset = "utf-8"
        for part in self.headers.get("Content-Type", "").split(";")[1:]:
            key, _, value = part.strip().partition("=")
            if key.lower() == "charset" and value:
                charset = value.strip("\"'")
        try:
            return self.body.decode(charset, errors="replace")
        except LookupError:
            return self.body.decode("utf-8", errors="replace")

    def json(self) -> Any:
        try:
            return jsonlib.loads(self.text())
        except ValueError as exc:
            raise NotMedia("the booth answered with malformed JSON", url=str(self.url)) from exc

    def raise_for_status(self) -> None:
        """Booth servers answer 403/404/410 once the photo is deleted; anything else non-2xx is an outage."""
        if self.ok:
            return
        if self.status in EXPIRED_STATUSES:
            raise LinkExpired(f"HTTP {self.status}", url=str(self.url))
        raise LinkUnreachable(f"HTTP {self.status}", url=str(self.url))


class SafeFetcher:
    """One aiohttp session with SSRF checks, hand-followed redirects, timeouts, a deadline and body caps.

    Use as `async with SafeFetcher() as fetcher:` (or call `close()`). For tests, `host_map` routes brand
    hostnames to a local fixture server (https becomes plain http for those hosts) and `allow_loopback=True`
    lets exactly those mapped hosts point at loopback; every other URL, redirect and DNS answer still has to
    be a public address.
    """

    def __init__(
        self,
        *,
        allow_loopback: bool = False,
        host_map: HostMap | None = None,
        connect_timeout: float = 5.0,
        read_timeout: float = 10.0,
        deadline: float = 30.0,
        max_redirects: int = 5,
        photo_cap: int = PHOTO_CAP,
        video_cap: int = VIDEO_CAP,
        page_cap: int = PAGE_CAP,
        min_media_bytes: int = MIN_MEDIA_BYTES,
        user_agent: str = USER_AGENT,
        dns_resolver: AbstractResolver | None = None,
    ) -> None:
        self.allow_loopback = allow_loopback
        self.host_map = {normalize_host(k): v for k, v in (host_map or {}).items()}
        self.connect_timeout = connect_timeout
        self.read_timeout = read_timeout
        self.deadline = deadline
        self.max_redirects = max_redirects
        self.photo_cap = photo_cap
        self.video_cap = video_cap
        self.page_cap = page_cap
        self.min_media_bytes = min_media_bytes
        self.user_agent = user_agent
        self._dns_resolver = dns_resolver
        self._resolver: PolicyResolver | None = None
        self._session: aiohttp.ClientSession | None = None

    async def __aenter__(self) -> SafeFetcher:
        self._get_session()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.close()

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None

    def _get_session(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            base = self._dns_resolver or aiohttp.ThreadedResolver()
            self._resolver = PolicyResolver(base, self.host_map, self.allow_loopback)
            connector = aiohttp.TCPConnector(resolver=self._resolver, use_dns_cache=False, limit=8, force_close=False)
            self._session = aiohttp.ClientSession(
                connector=connector,
                timeout=aiohttp.ClientTimeout(
                    total=None,
                    connect=self.connect_timeout,
                    sock_connect=self.connect_timeout,
                    sock_read=self.read_timeout,
                ),
                cookie_jar=aiohttp.DummyCookieJar(),
                trust_env=False,  # an environment proxy would resolve hosts itself, past our checks
                auto_decompress=True,
            )
        return self._session

    def check_url(self, url: str | URL) -> URL:
        """Parse and vet one URL (scheme, host, literal address) before any connection. Raises UnsafeUrl."""
        try:
            parsed = url if isinstance(url, URL) else parse_url(url.strip())
        except (ValueError, TypeError) as exc:
            raise UnsafeUrl("malformed URL", url=str(url)) from exc
        if parsed.scheme not in ("http", "https"):
            raise UnsafeUrl(f"scheme {parsed.scheme or '(none)'!r} is not allowed", url=str(url))
        host = parsed.raw_host
        if not host:
            raise UnsafeUrl("URL has no host", url=str(url))
        if parsed.user or parsed.password:
            raise UnsafeUrl("credentials in URL", url=str(url))
        ip = parse_ip(host)
        if ip is not None:
            if not is_public(ip):
                raise UnsafeUrl(f"address {ip} is not public", url=str(url))
        elif looks_numeric(host):
            raise UnsafeUrl(f"numeric host {host!r} is not a canonical address", url=str(url))
        elif not normalize_host(host) or "." not in normalize_host(host):
            raise UnsafeUrl(f"host {host!r} is not a public domain name", url=str(url))
        return parsed

    def _transport_url(self, url: URL) -> URL:
        """Fixture-mapped hosts are spoken to over plain http (the resolver supplies the fixture's port)."""
        if normalize_host(url.raw_host) in self.host_map and url.scheme == "https":
            return url.with_scheme("http").with_port(None)
        return url

    async def fetch(
        self,
        url: str | URL,
        *,
        method: str = "GET",
        json_body: Any = None,
        headers: Mapping[str, str] | None = None,
        referer: str | None = None,
        accept: str = ACCEPT_ANY,
        follow_redirects: bool = True,
        stop_before: Callable[[URL], bool] | None = None,
        page_cap: int | None = None,
    ) -> FetchResult:
        """Fetch `url`, following up to `max_redirects` redirects, all within `deadline` seconds.

        `stop_before(url)` is asked about every redirect target; when it returns True the target is returned
        unfetched (`stopped=True`, empty body). Raises BoothError subclasses only.
        """
        start = self.check_url(url)
        try:
            async with asyncio.timeout(self.deadline):
                return await self._fetch(
                    start,
                    method=method,
                    json_body=json_body,
                    headers=headers,
                    referer=referer,
                    accept=accept,
                    follow_redirects=follow_redirects,
                    stop_before=stop_before,
                    page_cap=page_cap or self.page_cap,
                )
        except BoothError:
            raise
        except TimeoutError as exc:
            raise FetchTimeout(f"no complete answer within {self.deadline:g} s", url=str(start)) from exc
        except aiohttp.ClientConnectorDNSError as exc:
            if isinstance(exc.os_error, _BlockedAddressError) or isinstance(exc.__cause__, _BlockedAddressError):
                raise UnsafeUrl(str(exc.os_error), url=str(start)) from exc
            raise LinkUnreachable("the booth host name does not resolve", url=str(start)) from exc
        except aiohttp.InvalidURL as exc:
            raise UnsafeUrl(f"invalid URL: {exc}", url=str(start)) from exc
        except (aiohttp.ClientError, OSError) as exc:
            raise LinkUnreachable(f"{type(exc).__name__}: {exc}", url=str(start)) from exc

    async def _fetch(
        self,
        current: URL,
        *,
        method: str,
        json_body: Any,
        headers: Mapping[str, str] | None,
        referer: str | None,
        accept: str,
        follow_redirects: bool,
        stop_before: Callable[[URL], bool] | None,
        page_cap: int,
    ) -> FetchResult:
        session = self._get_session()
        chain: list[URL] = [current]
        visited = {str(current)}
        while True:
            self.check_url(current)
            request_headers = CIMultiDict(
                {
                    "User-Agent": self.user_agent,
                    "Accept": accept,
                    "Accept-Language": "ko-KR,ko;q=0.9,en-US;q=0.6,en;q=0.4",
                }
            )
            if referer:
                request_headers["Referer"] = referer
            if headers:
                request_headers.update(headers)
            async with session.request(
                method,
                self._transport_url(current),
                headers=request_headers,
                json=json_body,
                allow_redirects=False,
            ) as response:
                location = response.headers.get("Location")
                if follow_redirects and response.status in REDIRECT_STATUSES and location:
                    try:
                        target = current.join(parse_url(location.strip()))
                    except ValueError as exc:
                        raise UnsafeUrl("malformed redirect target", url=location) from exc
                    target = self.check_url(target)
                    if str(target) in visited:
                        raise TooManyRedirects("redirect loop", url=str(target))
                    if len(chain) > self.max_redirects:
                        raise TooManyRedirects(f"more than {self.max_redirects} redirects", url=str(target))
                    visited.add(str(target))
                    chain.append(target)
                    if response.status == 303 or (response.status in (301, 302) and method != "GET"):
                        method, json_body = "GET", None
                    if stop_before is not None and stop_before(target):
                        return FetchResult(
                            url=target,
                            status=response.status,
                            headers=response.headers,
                            body=b"",
                            chain=tuple(chain),
                            sniffed=None,
                            stopped=True,
                        )
                    current = target
                    continue
                body, sniffed = await self._read_body(response, current, page_cap)
                return FetchResult(
                    url=current,
                    status=response.status,
                    headers=response.headers,
                    body=body,
                    chain=tuple(chain),
                    sniffed=sniffed,
                )

    def _cap_for(self, sniffed: Sniffed | None, page_cap: int) -> int:
        if sniffed is None:
            return page_cap
        return self.photo_cap if sniffed.kind == "photo" else self.video_cap

    async def _read_body(
        self, response: aiohttp.ClientResponse, url: URL, page_cap: int
    ) -> tuple[bytes, Sniffed | None]:
        """Stream the body, choosing the cap from the sniffed type and stopping as soon as it is passed."""
        declared = response.content_length
        largest = max(self.photo_cap, self.video_cap, page_cap)
        if declared is not None and declared > largest:
            raise TooLarge(f"declared {declared} bytes", url=str(url))
        buffer = bytearray()
        sniffed: Sniffed | None = None
        cap = largest
        decided = False
        async for chunk in response.content.iter_chunked(64 * 1024):
            buffer += chunk
            if not decided and len(buffer) >= SNIFF_BYTES:
                sniffed, cap, decided = self._decide(buffer, page_cap, declared, url)
            if len(buffer) > cap:
                response.close()  # drop the connection instead of draining the rest
                raise TooLarge(f"more than {cap} bytes", url=str(url))
        if not decided:
            sniffed, cap, _ = self._decide(buffer, page_cap, declared, url)
            if len(buffer) > cap:
                raise TooLarge(f"more than {cap} bytes", url=str(url))
        return bytes(buffer), sniffed

    def _decide(
        self, head: bytearray, page_cap: int, declared: int | None, url: URL
    ) -> tuple[Sniffed | None, int, bool]:
        sniffed = sniff(bytes(head[:SNIFF_BYTES]))
        cap = self._cap_for(sniffed, page_cap)
        if declared is not None and declared > cap:
            raise TooLarge(f"declared {declared} bytes, cap {cap}", url=str(url))
        return sniffed, cap, True

    async def fetch_media(self, url: str | URL, *, kind: MediaKind | None = None, referer: str | None = None) -> Media:
        """Download one photo or video; its kind and mime come from the bytes, not from the headers.

        403/404/410 or an empty body mean the booth already deleted it (LinkExpired).
        """
        accept = ACCEPT_VIDEO if kind == "video" else ACCEPT_PHOTO
        result = await self.fetch(url, referer=referer, accept=accept)
        result.raise_for_status()
        if not result.body:
            raise LinkExpired("empty body", url=str(result.url))
        if result.sniffed is None:
            raise NotMedia(f"not a photo or video ({result.content_type or 'no type'})", url=str(result.url))
        if len(result.body) < self.min_media_bytes:
            raise NotMedia(f"only {len(result.body)} bytes, too small for a booth file", url=str(result.url))
        return Media.of(result.body, result.sniffed.mime, str(result.url), result.sniffed.kind)

    def media_from(self, result: FetchResult) -> Media | None:
        """The Media in an already fetched result, if it is a large enough photo or video."""
        if not result.ok or result.sniffed is None or len(result.body) < self.min_media_bytes:
            return None
        return Media.of(result.body, result.sniffed.mime, str(result.url), result.sniffed.kind)
