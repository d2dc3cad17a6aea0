"""Webhook mode: one aiohttp server takes Telegram's updates and serves the album Mini App beside them.

PTB's own webhook server (run_webhook) is tornado, which cannot host the Mini App's aiohttp routes, so this is PTB's
"custom webhook" way: the Application runs without polling, and our server puts each update Telegram posts (its
secret token compared in constant time) on the Application's update queue. The Mini App is mounted under the path
of MINIAPP_URL (e.g. https://bot.example/album/ → /album/); with MINIAPP_URL at a root path it keeps its own port.

Several replicas can run behind one load balancer: the route only checks the secret, claims the update_id for all
replicas (Redis with REDIS_URL, else the database: storage.seen_updates) and queues the update, so a re-send that
reaches another replica is answered 200 and dropped. The server also answers /healthz, /readyz and /metrics
(bot.operations). On SIGTERM: /readyz turns 503, the server stops accepting and lets running requests end, PTB's
stop() finishes the queued and running updates, then the services and worker pools shut down.
"""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import logging
import signal
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from urllib.parse import urlsplit

from aiohttp import web
from telegram import Update

from bot.app import BotApplication, _post_init, _post_shutdown, bot_miniapp
from bot.operations import Operations
from handlers.updates import parse_update
from miniapp.server import build_app, serve
from pipeline.metrics import UPDATES_DUPLICATE, UPDATES_RECEIVED
from pipeline.services import Services
from pipeline.settings import Settings
from storage.redis_seen import RedisSeenUpdates
from storage.seen_updates import DbSeenUpdates, SeenUpdates

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
    """The update claims every replica shares: Redis when REDIS_URL is set, else the bot's database."""
    if settings.redis_url is not None:
        return RedisSeenUpdates(settings.redis_url.get_secret_value(), settings.redis_key_prefix)
    return DbSeenUpdates(services.db)


def webhook_app(app: BotApplication, settings: Settings, seen: SeenUpdates) -> web.Application:
    secret = settings.webhook_secret.get_secret_value() if settings.webhook_secret else None

    async def receive(request: web.Request) -> web.Response:
        if secret is not None and not hmac.compare_digest(request.headers.get(SECRET_HEADER, ""), secret):
            raise web.HTTPForbidden()
        try:
            update = parse_update(await request.read(), app.bot)
        except ValueError as exc:
            raise web.HTTPBadRequest() from exc
        try:
            first = await seen.claim(app.bot.id, update.update_id)
        except Exception as exc:  # unclaimed: Telegram re-sends it after our non-2xx
            log.warning("claiming update %s failed: %s", update.update_id, exc)
            raise web.HTTPServiceUnavailable() from exc
        if not first:
            UPDATES_DUPLICATE.inc()
            return web.Response()
        UPDATES_RECEIVED.inc()
        await app.update_queue.put(update)
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
        operations = Operations(lambda: app.bot_data.services, lambda: app.running, seen)
        server = webhook_app(app, settings, seen)
        operations.mount(server)
        miniapp = bot_miniapp(app, services) if prefix is not None else None
        if miniapp is not None and prefix is not None:
            server.add_subapp(prefix.rstrip("/"), build_app(miniapp))
        await app.start()
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
