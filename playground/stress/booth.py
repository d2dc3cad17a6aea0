"""The load runs' booth site on loopback: one download page per strip code, and booth pages that misbehave the ways
real ones do — a page that hangs past the fetcher's timeouts, a redirect loop, garbage instead of a page or photo.

Codes carry their behaviour in a prefix (`hang-`, `loop-`, `junk-`); any other code is a working page whose photo
is the strip registered for it."""

from __future__ import annotations

import asyncio
import os
from dataclasses import dataclass, field

from aiohttp import web

from playground.samples import BOOTH_HOST, BOOTH_PATH

BAD_BOOTH_KINDS = ("hang", "loop", "junk")
_PAGE = (
    '<!doctype html><html><head><meta property="og:image" content="{photo}"></head><body><img src="{photo}">'
    '<a class="btn-download" href="{photo}" download>Download</a></body></html>'
)


def booth_url(code: str) -> str:
    return f"https://{BOOTH_HOST}{BOOTH_PATH}{code}"


@dataclass
class LoadBoothSite:
    """`photos` maps a working code to its strip's bytes; `hang_s` is how long a hanging page keeps quiet;
    `photo_delay_s` how long a working photo takes to start (a slow booth server: a fetch long enough to be killed
    in the middle of)."""

    photos: dict[str, bytes] = field(default_factory=dict)
    hang_s: float = 60.0
    photo_delay_s: float = 0.0
    hits: int = 0
    port: int = 0
    _runner: web.AppRunner | None = None

    async def start(self) -> None:
        app = web.Application()
        app.router.add_get(BOOTH_PATH + "{code}", self._page)
        app.router.add_get(BOOTH_PATH + "{code}/photo.jpg", self._photo)
        self._runner = web.AppRunner(app, handle_signals=False, shutdown_timeout=0.5, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = int(self._runner.addresses[0][1])

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    @property
    def route(self) -> str:
        """The bot's LOOPBACK_BOOTH setting for this site."""
        return f"{BOOTH_HOST}:{self.port}"

    async def _page(self, request: web.Request) -> web.StreamResponse:
        self.hits += 1
        code = request.match_info["code"]
        kind = code.split("-", 1)[0]
        if kind == "hang":
            await asyncio.sleep(self.hang_s)
            return web.Response(text="too late")
        if kind == "loop":  # each hop points at the next: the fetcher must give up after its redirect limit
            hop = int(request.query.get("hop", "0")) + 1
            return web.Response(status=302, headers={"Location": f"{BOOTH_PATH}{code}?hop={hop}"})
        if kind == "junk":
            return web.Response(body=os.urandom(4096), content_type="text/html")
        if code not in self.photos:
            return web.Response(status=404, text="not found")
        return web.Response(text=_PAGE.format(photo=f"{BOOTH_PATH}{code}/photo.jpg"), content_type="text/html")

    async def _photo(self, request: web.Request) -> web.StreamResponse:
        self.hits += 1
        data = self.photos.get(request.match_info["code"])
        await asyncio.sleep(self.photo_delay_s)
        if data is None:
            return web.Response(status=404, text="not found")
        return web.Response(body=data, content_type="image/jpeg")
