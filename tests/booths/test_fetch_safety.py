"""SafeFetcher against hostile links: private addresses at every hop, loops, huge or slow bodies."""

from __future__ import annotations

import asyncio
import gzip
import ipaddress
import socket
import time

import pytest
from aiohttp import web

from booths import (
    FetchTimeout,
    LinkExpired,
    LinkUnreachable,
    NotMedia,
    SafeFetcher,
    TooLarge,
    TooManyRedirects,
    UnsafeUrl,
    download,
)
from booths.fetch import PHOTO_CAP, VIDEO_CAP
from booths.netpolicy import is_public
from tests.booths.conftest import BoothEnv
from tests.booths.fixture_server import FakeDns, Handler, jpeg

EVIL = "qr.evil-booth.example"


@pytest.mark.parametrize(
    "address",
    [
        "127.0.0.1",
        "127.8.9.10",
        "10.1.2.3",
        "172.16.0.1",
        "192.168.1.1",
        "169.254.169.254",
        "100.64.0.1",
        "0.0.0.0",
        "224.0.0.1",
        "240.0.0.1",
        "255.255.255.255",
        "::1",
        "::",
        "fe80::1",
        "fc00::1",
        "ff02::1",
        "::ffff:127.0.0.1",
        "::ffff:10.0.0.1",
        "::ffff:169.254.169.254",
        "2002:7f00:1::",  # 6to4 wrapping 127.0.0.1
        "64:ff9b::a00:1",  # NAT64 wrapping 10.0.0.1
        "::127.0.0.1",  # IPv4-compatible
    ],
)
def test_non_public_addresses_are_refused(address: str) -> None:
    assert not is_public(ipaddress.ip_address(address))


@pytest.mark.parametrize("address", ["93.184.216.34", "1.1.1.1", "2606:4700:4700::1111", "::ffff:8.8.8.8"])
def test_public_addresses_are_allowed(address: str) -> None:
    assert is_public(ipaddress.ip_address(address))


@pytest.mark.parametrize(
    "url",
    [
        "file:///etc/passwd",
        "gopher://127.0.0.1:6379/_SET",
        "ftp://example.com/a.jpg",
        "javascript:alert(1)",
        "http://user:pw@qr.seobuk.kr/s/abc",
        "http://10.0.0.8/admin",
        "http://169.254.169.254/latest/meta-data/",
        "http://[::1]/",
        "http://[::ffff:127.0.0.1]/",
        "http://[::ffff:a00:1]/",
        "http://2130706433/",
        "http://0x7f.1/",
        "http://127.1/",
        "http://localhost/",
        "not a url",
    ],
)
async def test_unsafe_urls_are_refused_before_connecting(url: str) -> None:
    async with SafeFetcher(deadline=2) as fetcher:
        with pytest.raises(UnsafeUrl):
            await fetcher.fetch(url)


async def test_loopback_refused_unless_allowed_for_mapped_host(env: BoothEnv) -> None:
    env.server.bytes_at(EVIL, "/p.jpg", jpeg(1), "image/jpeg")
    with pytest.raises(UnsafeUrl):
        await env.fetcher(allow_loopback=False).fetch(f"https://{EVIL}/p.jpg")
    with pytest.raises(UnsafeUrl):  # the fixture's own address, but not through the host map
        await env.fetcher().fetch(f"http://127.0.0.1:{env.server.port}/p.jpg")
    assert env.server.requests == []
    assert (await env.fetcher().fetch(f"https://{EVIL}/p.jpg")).status == 200


@pytest.mark.parametrize(
    "target",
    [
        "http://127.0.0.1:{port}/secret",
        "http://127.42.0.1:{port}/secret",
        "http://localhost:{port}/secret",
        "http://[::1]:{port}/secret",
        "http://[::ffff:127.0.0.1]:{port}/secret",
        "http://10.20.30.40/secret",
        "http://169.254.169.254/latest/meta-data/iam",
        "http://[fe80::1]/secret",
        "http://0.0.0.0:{port}/secret",
        "http://2130706433:{port}/secret",
        "file:///etc/passwd",
        "gopher://127.0.0.1:6379/_FLUSHALL",
    ],
)
async def test_redirects_into_private_space_are_refused(env: BoothEnv, target: str) -> None:
    env.server.redirect(EVIL, "/s/abc", target.format(port=env.server.port))
    env.server.bytes_at(EVIL, "/secret", b"internal")
    with pytest.raises(UnsafeUrl):
        await env.fetcher().fetch(f"https://{EVIL}/s/abc")
    assert env.server.paths() == ["/s/abc"]


@pytest.mark.parametrize(
    "answers",
    [["10.1.2.3"], ["127.0.0.1"], ["93.184.216.34", "192.168.0.10"], ["::1"], ["::ffff:169.254.169.254"]],
)
async def test_dns_answers_are_checked_at_connect_time(answers: list[str]) -> None:
    dns = FakeDns({"photos.rebind.example": answers})
    async with SafeFetcher(dns_resolver=dns, deadline=2) as fetcher:
        with pytest.raises(UnsafeUrl):
            await fetcher.fetch("https://photos.rebind.example/a.jpg")
    assert dns.asked == ["photos.rebind.example"]


async def test_redirect_to_hostname_with_private_dns_answer(env: BoothEnv) -> None:
    env.server.redirect(EVIL, "/s/x", "http://intranet.corp.example/secret")
    dns = FakeDns({"intranet.corp.example": ["10.9.8.7"]})
    with pytest.raises(UnsafeUrl):
        await env.fetcher(dns_resolver=dns).fetch(f"https://{EVIL}/s/x")
    assert dns.asked == ["intranet.corp.example"]


async def test_unknown_host_and_refused_connection_are_unreachable(env: BoothEnv) -> None:
    async with SafeFetcher(dns_resolver=FakeDns({}), deadline=2) as fetcher:
        with pytest.raises(LinkUnreachable):
            await fetcher.fetch("https://no-such-booth.example/a.jpg")
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed_port = probe.getsockname()[1]
    fetcher = SafeFetcher(allow_loopback=True, host_map={EVIL: ("127.0.0.1", closed_port)}, deadline=2)
    try:
        with pytest.raises(LinkUnreachable):
            await fetcher.fetch(f"https://{EVIL}/a.jpg")
    finally:
        await fetcher.close()


async def test_redirect_loop_is_detected(env: BoothEnv) -> None:
    env.server.redirect(EVIL, "/a", f"https://{EVIL}/b")
    env.server.redirect(EVIL, "/b", "/a")
    with pytest.raises(TooManyRedirects):
        await env.fetcher().fetch(f"https://{EVIL}/a")
    assert env.server.paths() == ["/a", "/b"]


async def test_endless_redirect_chain_stops_after_five(env: BoothEnv) -> None:
    async def hop(request: web.Request) -> web.Response:
        step = int(request.query.get("n", "0"))
        return web.Response(status=302, headers={"Location": f"/hop?n={step + 1}"})

    env.server.route(EVIL, "/hop", hop)
    with pytest.raises(TooManyRedirects):
        await env.fetcher().fetch(f"https://{EVIL}/hop")
    assert len(env.server.paths()) == 6  # the start plus five redirects, never a seventh request


def _endless(head: bytes, sent: list[int], content_length: int | None = None) -> Handler:
    """Streams `head` then zeros for (nominally) 10 GB, counting what actually left the server."""

    async def handler(request: web.Request) -> web.StreamResponse:
        response = web.StreamResponse(headers={"Content-Type": "image/jpeg"})
        if content_length is not None:
            response.content_length = content_length
        await response.prepare(request)
        chunk = b"\0" * 65536
        total = 10 * 1024**3
        try:
            await response.write(head)
            sent[0] += len(head)
            while sent[0] < total:
                await response.write(chunk)
                sent[0] += len(chunk)
        except (ConnectionResetError, asyncio.CancelledError, RuntimeError):
            pass
        return response

    return handler


async def test_ten_gigabyte_photo_is_cut_at_the_photo_cap(env: BoothEnv) -> None:
    sent = [0]
    env.server.route(EVIL, "/huge.jpg", _endless(b"\xff\xd8\xff\xe0" + b"\0" * 60, sent))
    started = time.monotonic()
    with pytest.raises(TooLarge):
        await env.fetcher(deadline=20).fetch(f"https://{EVIL}/huge.jpg")
    await asyncio.sleep(0.05)
    assert PHOTO_CAP <= sent[0] < PHOTO_CAP + 16 * 1024**2, sent[0]
    assert time.monotonic() - started < 10


async def test_endless_video_and_page_bodies_stop_at_their_caps(env: BoothEnv) -> None:
    video_sent, page_sent = [0], [0]
    env.server.route(EVIL, "/huge.mp4", _endless(b"\0\0\0\x18ftypisom" + b"\0" * 52, video_sent))
    env.server.route(EVIL, "/huge.html", _endless(b"<html>" + b" " * 58, page_sent))
    fetcher = env.fetcher(video_cap=2 * 1024**2, page_cap=256 * 1024)
    with pytest.raises(TooLarge):
        await fetcher.fetch(f"https://{EVIL}/huge.mp4")
    with pytest.raises(TooLarge):
        await fetcher.fetch(f"https://{EVIL}/huge.html")
    await asyncio.sleep(0.05)
    assert video_sent[0] < 2 * 1024**2 + 16 * 1024**2
    assert page_sent[0] < 256 * 1024 + 16 * 1024**2
    assert VIDEO_CAP == 50 * 1024**2 and PHOTO_CAP == 25 * 1024**2


async def test_declared_huge_length_is_refused_without_reading(env: BoothEnv) -> None:
    sent = [0]
    env.server.route(EVIL, "/declared.jpg", _endless(b"\xff\xd8\xff\xe0", sent, content_length=10 * 1024**3))
    with pytest.raises(TooLarge):
        await env.fetcher().fetch(f"https://{EVIL}/declared.jpg")
    await asyncio.sleep(0.05)
    assert sent[0] < 16 * 1024**2


async def test_slow_drip_is_cut_off_at_the_deadline(env: BoothEnv) -> None:
    async def drip(request: web.Request) -> web.StreamResponse:
        response = web.StreamResponse(headers={"Content-Type": "image/jpeg"})
        await response.prepare(request)
        try:
            await response.write(b"\xff\xd8\xff")
            for _ in range(10_000):
                await asyncio.sleep(0.05)  # one byte every 50 ms: the read timeout never fires
                await response.write(b"\0")
        except (ConnectionResetError, RuntimeError):
            pass
        return response

    env.server.route(EVIL, "/drip.jpg", drip)
    fetcher = env.fetcher(read_timeout=1.0, deadline=0.6)
    started = time.monotonic()
    with pytest.raises(FetchTimeout):
        await fetcher.fetch(f"https://{EVIL}/drip.jpg")
    assert 0.5 <= time.monotonic() - started < 1.2


async def test_stalled_server_hits_the_read_timeout(env: BoothEnv) -> None:
    async def stall(request: web.Request) -> web.StreamResponse:
        response = web.StreamResponse()
        await response.prepare(request)
        await asyncio.sleep(5)
        return response

    env.server.route(EVIL, "/stall", stall)
    started = time.monotonic()
    with pytest.raises(FetchTimeout):
        await env.fetcher(read_timeout=0.3, deadline=3).fetch(f"https://{EVIL}/stall")
    assert time.monotonic() - started < 1.5


async def test_media_is_recognised_by_bytes_not_headers(env: BoothEnv) -> None:
    photo = jpeg(5)
    env.server.bytes_at(EVIL, "/liar.jpg", b"<html><body>not an image</body></html>" * 200, "image/jpeg")
    env.server.bytes_at(EVIL, "/honest.bin", photo, "text/html")
    env.server.bytes_at(EVIL, "/tiny.jpg", b"\xff\xd8\xff\xe0" + b"\0" * 1000, "image/jpeg")
    env.server.bytes_at(EVIL, "/empty.jpg", b"", "image/jpeg")
    fetcher = env.fetcher()
    with pytest.raises(NotMedia):
        await fetcher.fetch_media(f"https://{EVIL}/liar.jpg")
    with pytest.raises(NotMedia):
        await fetcher.fetch_media(f"https://{EVIL}/tiny.jpg")
    with pytest.raises(LinkExpired):
        await fetcher.fetch_media(f"https://{EVIL}/empty.jpg")
    media = await fetcher.fetch_media(f"https://{EVIL}/honest.bin")
    assert (media.mime, media.kind, media.data) == ("image/jpeg", "photo", photo)
    assert len(media.sha256) == 64


async def test_download_refuses_a_booth_page_pointing_inside(env: BoothEnv) -> None:
    env.server.html_at(EVIL, "/qr/1", '<meta property="og:image" content="http://169.254.169.254/photo.jpg">')
    with pytest.raises(UnsafeUrl):
        await download(f"https://{EVIL}/qr/1", env.fetcher())


async def test_gzip_bomb_is_capped_after_decompression(env: BoothEnv) -> None:
    bomb = gzip.compress(b"<html>" + b" " * (40 * 1024**2), compresslevel=9)
    assert len(bomb) < 1024**2

    async def handler(_: web.Request) -> web.Response:
        return web.Response(body=bomb, headers={"Content-Encoding": "gzip", "Content-Type": "text/html"})

    env.server.route(EVIL, "/bomb", handler)
    with pytest.raises(TooLarge):
        await env.fetcher(page_cap=1024**2).fetch(f"https://{EVIL}/bomb")


async def test_whole_download_has_its_own_deadline(env: BoothEnv) -> None:
    async def slow_file(request: web.Request) -> web.StreamResponse:
        response = web.StreamResponse()
        await response.prepare(request)
        try:
            await response.write(b"\xff\xd8\xff")
            for _ in range(200):
                await asyncio.sleep(0.05)
                await response.write(b"\0")
        except (ConnectionResetError, RuntimeError):
            pass
        return response

    env.server.route("t.pixpixlink.com", "/t/D1/I1.jpg", slow_file)
    started = time.monotonic()
    with pytest.raises(FetchTimeout):
        await download("https://t.pixpixlink.com/g4?d=D1&i=I1", env.fetcher(deadline=5), deadline=0.4)
    assert time.monotonic() - started < 1.0
