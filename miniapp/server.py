"""Putting the Mini App together from the bot's Services, and serving it (alone on MINIAPP_PORT, or inside another
aiohttp server)."""

from __future__ import annotations

from aiohttp import web
from telegram import Bot

from miniapp.api import TELEGRAM_FRAMES, MiniApp, build_app, origin_of
from miniapp.limits import API_LIMIT, MEDIA_LIMIT, SIGNIN_LIMIT
from miniapp.membership import BotMembers, Membership, TelegramMembers
from miniapp.tokens import Tokens, load_or_create_secret
from miniapp.views import ViewCache
from pipeline.services import Services
from storage.album_access import AlbumAccessStore
from storage.redis_state import RedisRequestLimit

VIEW_CACHE_DIR = "miniapp-views"


def album_tokens(services: Services) -> Tokens:
    settings = services.settings
    secret = settings.miniapp_jwt_secret.get_secret_value() if settings.miniapp_jwt_secret else None
    return Tokens(load_or_create_secret(secret, settings.data_dir))


def make_miniapp(
    services: Services,
    bot: Bot | None = None,
    *,
    telegram: TelegramMembers | None = None,
    frame_ancestors: tuple[str, ...] = TELEGRAM_FRAMES,
) -> MiniApp:
    """`bot` (or `telegram`) confirms group membership with getChatMember; without either only member rows count."""
    settings = services.settings
    if settings.telegram_bot_token is None:
        raise ValueError("the Mini App checks Telegram's sign-in with the bot token: TELEGRAM_BOT_TOKEN is not set")
    access = AlbumAccessStore(services.db)
    cache = ViewCache(settings.data_dir / VIEW_CACHE_DIR)
    cache.sweep(set(services.albums.blobs.digests()))
    services.albums.blobs.on_delete.append(cache.drop)  # /forget and deleted photos take their thumbnails along
    miniapp = MiniApp(
        services=services,
        bot_token=settings.telegram_bot_token.get_secret_value(),
        tokens=album_tokens(services),
        membership=Membership(access, telegram or (BotMembers(bot) if bot is not None else None)),
        access=access,
        cache=cache,
        origin=origin_of(settings.miniapp_url),
        frame_ancestors=frame_ancestors,
        max_auth_age_s=settings.miniapp_auth_max_age_s,
    )
    redis, prefix = services.shared.redis, settings.redis_key_prefix
    if redis is not None:  # the budgets of all replicas together, not one each
        for attribute, budget in (
            ("api_limit", API_LIMIT),
            ("media_limit", MEDIA_LIMIT),
            ("signin_limit", SIGNIN_LIMIT),
        ):
            limit = RedisRequestLimit(redis, f"miniapp_{attribute}", budget.per_second, budget.burst, prefix)
            setattr(miniapp, attribute, limit)
    return miniapp


async def serve(app: web.Application, host: str, port: int) -> web.AppRunner:
    """Start serving `app`; the caller cleans the runner up. No aiohttp access log: it would log picture links."""
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, host, port).start()
    return runner


__all__ = ["album_tokens", "build_app", "make_miniapp", "serve"]
