"""Operations endpoints on the bot's aiohttp servers: /healthz (the process answers), /readyz (database, Redis when
configured and the worker pools are usable, and the server is not draining for a shutdown) and /metrics
(Prometheus text format, pipeline.metrics)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from pipeline.services import Services
from storage.seen_updates import SeenUpdates

log = logging.getLogger(__name__)
CHECK_TIMEOUT_S = 2.0


@dataclass
class Operations:
    services: Callable[[], Services | None]  # the running bot's, None before start and after shutdown
    running: Callable[[], bool]  # the PTB Application is running
    seen: SeenUpdates | None = None  # the webhook's update claims (Redis or the database)
    draining: bool = False  # set on shutdown: the load balancer stops sending before the server stops

    async def checks(self) -> dict[str, bool]:
        services = self.services()
        found = {"accepting": not self.draining and self.running(), "services": services is not None}
        if services is not None:
            found["database"] = await _passes(services.db.ping)
            found["analysis_pool"] = services.cpu.alive
            found["picture_pool"] = services.pictures.alive
        if self.seen is not None:
            found["update_claims"] = await _passes(self.seen.ping)
        return found

    async def healthz(self, _request: web.Request) -> web.Response:
        return web.json_response({"status": "ok"})

    async def readyz(self, _request: web.Request) -> web.Response:
        checks = await self.checks()
        ready = all(checks.values())
        body = {"status": "ready" if ready else "unready", "checks": checks}
        return web.json_response(body, status=200 if ready else 503)

    async def metrics(self, _request: web.Request) -> web.Response:
        return web.Response(body=generate_latest(), headers={"Content-Type": CONTENT_TYPE_LATEST})

    def mount(self, server: web.Application) -> None:
        server.router.add_get("/healthz", self.healthz)
        server.router.add_get("/readyz", self.readyz)
        server.router.add_get("/metrics", self.metrics)


async def _passes(check: Callable[[], Awaitable[None]]) -> bool:
    try:
        await asyncio.wait_for(check(), CHECK_TIMEOUT_S)
    except Exception as exc:  # any failure means not ready; the reason goes to the log, not to the prober
        log.warning("readiness check %s failed: %s", getattr(check, "__qualname__", check), exc)
        return False
    return True
