"""A local aiohttp server that plays many booth hosts at once, routing on the Host header."""

from __future__ import annotations

import io
import random
import socket
import struct
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from aiohttp import web
from aiohttp.abc import AbstractResolver, ResolveResult
from PIL import Image

from booths.fetch import SafeFetcher

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


@dataclass(frozen=True)
class Seen:
    method: str
    host: str
    path: str
    query: str
    headers: dict[str, str]
    body: bytes


class FixtureServer:
    def __init__(self) -> None:
        self.routes: dict[tuple[str, str], Handler] = {}
        self.requests: list[Seen] = []
        self.port = 0
        self._runner: web.AppRunner | None = None
        self._photoism_files: dict[str, dict[str, dict[str, str]]] = {}

    async def start(self) -> None:
        app = web.Application()
        app.router.add_route("*", "/{tail:.*}", self._dispatch)
        self._runner = web.AppRunner(app, handle_signals=False, shutdown_timeout=0.5)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = self._runner.addresses[0][1]

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    def route(self, host: str, path: str, handler: Handler) -> None:
        self.routes[(host, path)] = handler

    def bytes_at(self, host: str, path: str, data: bytes, content_type: str = "application/octet-stream") -> None:
        async def handler(_: web.Request) -> web.Response:
            return web.Response(body=data, content_type=content_type)

        self.route(host, path, handler)

    def html_at(self, host: str, path: str, html: str) -> None:
        async def handler(_: web.Request) -> web.Response:
            return web.Response(text=html, content_type="text/html")

        self.route(host, path, handler)

    def redirect(self, host: str, path: str, location: str, status: int = 302) -> None:
        async def handler(_: web.Request) -> web.Response:
            return web.Response(status=status, headers={"Location": location})

        self.route(host, path, handler)

    def photoism(self, short_path: str, uid: str, photo: bytes | None, video: bytes | None = None) -> None:
        """Photoism's shape: qr.seobuk.kr/s/… → 302 with u= → POST resource API → photo (and video) files.
        No photo: the resource API answers that the link has expired, as Photoism does."""
        self.redirect("qr.seobuk.kr", short_path, f"https://qr.seobuk.kr/v2/?u={uid}")
        files: dict[str, dict[str, str]] = {}
        for key, data, suffix, kind in (
            ("picFile", photo, "Pic.jpg", "image/jpeg"),
            ("vidFile", video, "Vid.mp4", "video/mp4"),
        ):
            if data is not None:
                self.bytes_at("download.seobuk.kr", f"/tmp/{uid}_{suffix}", data, kind)
                files[key] = {"path": f"https://download.seobuk.kr/tmp/{uid}_{suffix}"}
        if files:
            self._photoism_files[uid] = files
        self.route("cmsapi.seobuk.kr", "/v1/etc/seq/resource", self._photoism_resource)

    async def _photoism_resource(self, request: web.Request) -> web.Response:
        files = self._photoism_files.get((await request.json()).get("uid"))
        if files is None:
            return web.json_response({"code": 1003, "message": "expired", "content": None})
        return web.json_response({"code": 200, "content": {"fileInfo": files}})

    def host_map(self) -> dict[str, tuple[str, int]]:
        return {host: ("127.0.0.1", self.port) for host, _ in self.routes}

    def fetcher(self, **overrides: Any) -> SafeFetcher:
        """A SafeFetcher that routes this server's hosts to it (loopback allowed, no real DNS); caller closes it."""
        options: dict[str, Any] = {
            "allow_loopback": True,
            "host_map": self.host_map(),
            "connect_timeout": 1.0,
            "read_timeout": 1.0,
            "deadline": 3.0,
            "dns_resolver": FakeDns(),  # hosts outside the host map never reach a real DNS server
        }
        options.update(overrides)
        return SafeFetcher(**options)

    def paths(self, host: str | None = None) -> list[str]:
        return [r.path for r in self.requests if host is None or r.host == host]

    def hits(self, host: str, path: str) -> int:
        return sum(1 for r in self.requests if r.host == host and r.path == path)

    async def _dispatch(self, request: web.Request) -> web.StreamResponse:
        host = (request.host or "").rsplit(":", 1)[0].lower() if "]" not in (request.host or "") else request.host
        body = await request.read() if request.can_read_body else b""
        self.requests.append(
            Seen(request.method, host, request.path, request.query_string, dict(request.headers), body)
        )
        handler = self.routes.get((host, request.path))
        if handler is None:
            return web.Response(status=404, text="not found")
        return await handler(request)


def jpeg(seed: int, size: tuple[int, int] = (160, 120)) -> bytes:
    """A real, incompressible JPEG (noise), well above the 5 KB minimum."""
    rng = random.Random(seed)
    image = Image.frombytes("RGB", size, bytes(rng.getrandbits(8) for _ in range(size[0] * size[1] * 3)))
    out = io.BytesIO()
    image.save(out, "JPEG", quality=90)
    return out.getvalue()


def png(seed: int) -> bytes:
    rng = random.Random(seed)
    image = Image.frombytes("RGB", (64, 64), bytes(rng.getrandbits(8) for _ in range(64 * 64 * 3)))
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


def mp4(seed: int, brand: bytes = b"isom", payload: int = 12_000) -> bytes:
    """An ISO-BMFF file: ftyp box then an mdat box of random bytes."""
    rng = random.Random(seed)
    ftyp = b"ftyp" + brand + b"\x00\x00\x02\x00" + brand + b"mp41"
    data = bytes(rng.getrandbits(8) for _ in range(payload))
    return struct.pack(">I", len(ftyp) + 4) + ftyp + struct.pack(">I", len(data) + 8) + b"mdat" + data


class FakeDns(AbstractResolver):
    """Answers from a table (unknown names fail), so tests never ask a real DNS server."""

    def __init__(self, answers: dict[str, list[str]] | None = None) -> None:
        self.answers = answers or {}
        self.asked: list[str] = []

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[ResolveResult]:
        self.asked.append(host)
        if host not in self.answers:
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        return [
            ResolveResult(hostname=host, host=ip, port=port, family=socket.AF_INET, proto=0, flags=0)
            for ip in self.answers[host]
        ]

    async def close(self) -> None:
        return None
