"""Build the one PTB Application: defaults, services, command menu, handlers."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from telegram import BotCommand, BotCommandScopeDefault, Update
from telegram.constants import ParseMode
from telegram.ext import AIORateLimiter, Application, ApplicationBuilder, Defaults

from booths import SafeFetcher
from bot.config import Settings
from bot.i18n import t
from bot.services import Services
from bot.workers import CpuPool
from handlers import register_all
from handlers.common import SERVICES_KEY
from scheduler.weekly import start_weekly_posts

log = logging.getLogger(__name__)

MENU_COMMANDS = ("start", "album", "people", "rank", "donate", "settings", "privacy", "forget", "lang", "help")


def build_application(
    settings: Settings, *, cpu: CpuPool | None = None, fetcher: SafeFetcher | None = None
) -> Application:
    """The bot. `cpu` shares one worker pool between applications (tests, playground); `fetcher` replaces the
    booth fetcher (tests and the playground point booth hosts at local servers)."""
    if settings.telegram_bot_token is None:
        raise ValueError("TELEGRAM_BOT_TOKEN is not set")
    builder = (
        ApplicationBuilder()
        .token(settings.telegram_bot_token.get_secret_value())
        .defaults(Defaults(parse_mode=ParseMode.HTML, tzinfo=settings.tz))
        .rate_limiter(AIORateLimiter(max_retries=3))
        .concurrent_updates(True)
        .post_init(_post_init)
        .post_shutdown(_post_shutdown)
    )
    if settings.bot_api_base_url:
        builder = builder.base_url(settings.bot_api_base_url)
    if settings.bot_api_base_file_url:
        builder = builder.base_file_url(settings.bot_api_base_file_url)
    app = builder.build()
    app.bot_data["settings"] = settings
    app.bot_data["shared_cpu"] = cpu
    app.bot_data["booth_fetcher"] = fetcher
    register_all(app)
    return app


async def _post_init(app: Application) -> None:
    settings: Settings = app.bot_data["settings"]
    app.bot_data[SERVICES_KEY] = await Services.start(
        settings, cpu=app.bot_data["shared_cpu"], fetcher=app.bot_data["booth_fetcher"]
    )
    # Photos a restart interrupted (saved, not analysed yet) are analysed again, in the background.
    app.bot_data[SERVICES_KEY].analyser.start_resume()
    await set_command_menu(app)
    start_weekly_posts(app)
    log.info("Bot @%s ready", app.bot.username)


async def set_command_menu(app: Application) -> None:
    """The / menu in Korean for Korean clients, English for everyone else."""
    for language in ("ko", "en"):
        commands = [BotCommand(name, t(language, f"cmd.{name}")) for name in MENU_COMMANDS]
        await app.bot.set_my_commands(
            commands, scope=BotCommandScopeDefault(), language_code=language if language == "ko" else None
        )


async def _post_shutdown(app: Application) -> None:
    services: Services | None = app.bot_data.pop(SERVICES_KEY, None)
    if services is not None:
        await services.close()


@asynccontextmanager
async def running_application(app: Application, *, poll_timeout: float = 1.0) -> AsyncIterator[Application]:
    """Run `app` inside an existing event loop (tests, playground): what run_polling does, without owning the loop."""
    async with app:
        await _post_init(app)
        await app.start()
        await app.updater.start_polling(poll_interval=0.0, timeout=poll_timeout, allowed_updates=Update.ALL_TYPES)
        try:
            yield app
        finally:
            await app.updater.stop()
            await app.stop()
            await _post_shutdown(app)
