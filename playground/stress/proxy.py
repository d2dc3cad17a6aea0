"""A tiny round-robin load balancer on loopback (aiohttp): each POST goes to the next replica; one that refuses the
connection or drops it is skipped for that request (the next one is tried), as a real balancer's health checks
would; when none answers, 502, and Telegram (the emulator) sends the update again later."""

from __future__ import annotations

import itertools

import aiohttp
from aiohttp import web

FORWARDED_HEADERS = ("Content-Type", "X-Telegram-Bot-Api-Secret-Token")


class RoundRobinProxy:
    def __init__(self, backends: list[str]) -> None:
        self.backends = backends
        self.forwarded = [0] * len(backends)
        self._next = itertools.cycle(range(len(backends)))
        self._session: aiohttp.ClientSession | None = None
        self._runner: web.AppRunner | None = None

    async def start(self, host: str = "127.0.0.1", port: int = 0) -> int:
        self._session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=60))
        server = web.Application(client_max_size=1 << 20)
        server.router.add_route("*", "/{tail:.*}", self._forward)
        self._runner = web.AppRunner(server, access_log=None)
        await self._runner.setup()
        await web.TCPSite(self._runner, host, port).start()
        return int(self._runner.addresses[0][1])

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
        if self._session is not None:
            await self._session.close()

    async def _forward(self, request: web.Request) -> web.Response:
        assert self._session is not None
        body = await request.read()
        headers = {name: request.headers[name] for name in FORWARDED_HEADERS if name in request.headers}
        for _ in range(len(self.backends)):
            index = next(self._next)
            try:
                async with self._session.request(
                    request.method, self.backends[index] + request.path_qs, data=body, headers=headers
                ) as answer:
                    payload = await answer.read()
                    self.forwarded[index] += 1
                    return web.Response(status=answer.status, body=payload)
            except (aiohttp.ClientError, TimeoutError):
                continue
        return web.Response(status=502)
