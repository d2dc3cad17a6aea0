"""Webhook mode: one aiohttp server takes Telegram's updates and serves the album Mini App beside them.

PTB's own webhook server (run_webhook) is tornado, which cannot host the Mini App's aiohttp routes, so this is PTB's
"custom webhook" way: the Application runs without polling, and our server puts each update Telegram posts (its
secret token compared in constant time) on the Application's update queue. The Mini App is mounted under the path
of MINIAPP_URL (e.g. https://bot.example/album/ → /album/); with MINIAPP_URL at a root path it keeps its own port.

Several replicas can run behind one load balancer: the route only checks the secret, claims the update_id for all
replicas with the update itself and a lease (storage.seen_updates, in the database) and starts handling it, so a
re-send that reaches another replica is answered 200 and dropped. Telegram is answered once the claim is stored,
not after the handling (a slow analysis would outlast its webhook timeout and hold its connections): the claim is
what survives this replica. Its leases are renewed every third of UPDATE_LEASE_S until each update was handled
(its non-blocking handlers' tasks included); every replica sweeps for updates whose lease lapsed (a replica killed)
and handles each one it takes over (exactly one replica takes each). The server also answers /healthz, /readyz and
/metrics (bot.operations). On SIGTERM: /readyz turns 503, the server stops accepting and lets running requests end,
the updates it claimed are handled to the end, then the services and worker pools shut down.
"""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import logging
import signal
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from datetime import timedelta
from typing import Any
from urllib.parse import urlsplit

from aiohttp import web
from telegram import Update

from bot.app import HANDLING, BotApplication, _post_init, _post_shutdown, bot_miniapp
from bot.operations import Operations
from handlers.updates import parse_update_payload
from miniapp.server import build_app, serve
from pipeline.metrics import UPDATES_DUPLICATE, UPDATES_RECEIVED, UPDATES_TAKEN_OVER
from pipeline.services import Services
from pipeline.settings import Settings
from runtime.tasks import cancel_and_wait
from storage.seen_updates import SeenUpdates

log = logging.getLogger(__name__)
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
UPDATES_KEY = web.AppKey("updates", asyncio.Queue)


def miniapp_prefix(settings: Settings) -> str | None:
    """Where the webhook server mounts the Mini App: MINIAPP_URL's path ("/album/"), or None to leave it alone."""
    if not settings.miniapp_url:
        return None
    path = urlsplit(settings.miniapp_url).path
    return path if path.strip("/") else None


def webhook_path(settings: Settings) -> str:
    return urlsplit(settings.webhook_url or "").path or "/"


def seen_updates(settings: Settings, services: Services) -> SeenUpdates:
    """The update claims every replica shares, in the bot's database, with this process's owner id."""
    return SeenUpdates(services.db, services.shared.replies.owner, timedelta(seconds=settings.update_lease_s))


class UpdateHandling:
    """The updates this replica has claimed, each handled in a task of its own until its handlers are done; the
    leases of those still running renewed, and lapsed ones of dead replicas taken over."""

    def __init__(self, app: BotApplication, seen: SeenUpdates) -> None:
        self.app, self.seen = app, seen
        self.running: set[asyncio.Task[None]] = set()
        self._renewing: asyncio.Task[None] | None = None
        self._sweeping: asyncio.Task[None] | None = None

    def start(self, update: Update) -> None:
        task = asyncio.create_task(self._handle(update), name=f"update:{update.update_id}")
        self.running.add(task)
        task.add_done_callback(self.running.discard)

    async def _handle(self, update: Update) -> None:
        tasks: set[asyncio.Task[Any]] = set()
        HANDLING.set(tasks)  # this task's own context: the handlers' tasks started below join `tasks`
        try:
            await self.app.update_processor.process_update(update, self.app.process_update(update))
            while pending := [task for task in tasks if not task.done()]:
                await asyncio.wait(pending)
            await self.seen.done(self.app.bot.id, update.update_id)
        except Exception:  # handler errors went to PTB's error handlers; this is the claim's own bookkeeping
            log.exception("update %s: marking it handled failed", update.update_id)

    def run_background(self) -> None:
        lease = self.seen.lease.total_seconds()
        self._renewing = asyncio.create_task(_every(lease / 3, self.seen.renew, "renewing update leases"))
        self._sweeping = asyncio.create_task(_every(lease / 2, self.take_lapsed, "taking over lapsed updates"))

    async def take_lapsed(self) -> None:
        for payload in await self.seen.take_lapsed(self.app.bot.id):
            update = Update.de_json(payload, self.app.bot)
            if update is not None:
                log.info("handling update %s of a replica that stopped", update.update_id)
                UPDATES_TAKEN_OVER.inc()
                self.start(update)

    async def stop(self) -> None:
        """Take over nothing more, finish what was claimed (its leases renewed meanwhile), then stop renewing."""
        await cancel_and_wait(self._sweeping)
        while self.running:
            await asyncio.wait(list(self.running))
        await cancel_and_wait(self._renewing)


async def _every(interval_s: float, work: Callable[[], Awaitable[object]], what: str) -> None:
    while True:
        await asyncio.sleep(interval_s)
        try:
            await work()
        except Exception as exc:  # the store was unreachable for a moment: the next round tries again
            log.warning("%s failed: %s", what, exc)


def webhook_app(
    app: BotApplication, settings: Settings, seen: SeenUpdates, handling: UpdateHandling
) -> web.Application:
    secret = settings.webhook_secret.get_secret_value() if settings.webhook_secret else None

    async def receive(request: web.Request) -> web.Response:
        if secret is not None and not hmac.compare_digest(request.headers.get(SECRET_HEADER, ""), secret):
            raise web.HTTPForbidden()
        try:
            payload, update = parse_update_payload(await request.read(), app.bot)
        except ValueError as exc:
            raise web.HTTPBadRequest() from exc
        try:
            first = await seen.claim(app.bot.id, update.update_id, payload)
        except Exception as exc:  # unclaimed: Telegram re-sends it after our non-2xx
            log.warning("claiming update %s failed: %s", update.update_id, exc)
            raise web.HTTPServiceUnavailable() from exc
        if not first:
            UPDATES_DUPLICATE.inc()
            return web.Response()
        UPDATES_RECEIVED.inc()
        handling.start(update)
        return web.Response()

    server = web.Application(client_max_size=1 << 20)
    server.router.add_post(webhook_path(settings), receive)
    return server


@asynccontextmanager
async def running_webhook(app: BotApplication, settings: Settings, *, port: int | None = None) -> AsyncIterator[int]:
    """The bot in webhook mode inside a running loop; yields the bound port (port 0: any free one)."""
    prefix = miniapp_prefix(settings)
    app.bot_data.miniapp_in_webhook = prefix is not None
    async with app:
        await _post_init(app)
        services = app.bot_data.services
        if services is None:
            raise RuntimeError("post_init did not start the services")
        seen = seen_updates(settings, services)
        handling = UpdateHandling(app, seen)
        operations = Operations(lambda: app.bot_data.services, lambda: app.running, seen)
        server = webhook_app(app, settings, seen, handling)
        operations.mount(server)
        miniapp = bot_miniapp(app, services) if prefix is not None else None
        if miniapp is not None and prefix is not None:
            server.add_subapp(prefix.rstrip("/"), build_app(miniapp))
        await app.start()
        handling.run_background()
        runner = await serve(server, settings.webhook_listen, settings.webhook_port if port is None else port)
        try:
            await app.bot.set_webhook(
                settings.webhook_url or "",
                secret_token=settings.webhook_secret.get_secret_value() if settings.webhook_secret else None,
                allowed_updates=Update.ALL_TYPES,
            )
            yield int(runner.addresses[0][1])
        finally:
            operations.draining = True
            await runner.cleanup()  # stops accepting; requests being answered finish
            await handling.stop()  # the updates this replica claimed are handled to the end
            # While the application still runs: PTB's stop() processes what is left in the queue too, but the tasks
            # of block=False handlers started then are not awaited (they would meet closed services).
            await app.update_queue.join()
            await app.stop()  # the running updates and block=False handlers finish
            await seen.close()
            await _post_shutdown(app)  # services and worker pools


def run_webhook(app: BotApplication, settings: Settings) -> None:
    """`python -m bot` with WEBHOOK_URL: until SIGINT or SIGTERM."""

    async def main() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGINT, signal.SIGTERM):
            with contextlib.suppress(NotImplementedError):
                loop.add_signal_handler(signum, stop.set)
        async with running_webhook(app, settings):
            log.info("Webhook server on %s:%d", settings.webhook_listen, settings.webhook_port)
            await stop.wait()

    asyncio.run(main())
