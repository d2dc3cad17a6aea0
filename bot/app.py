"""Build the one PTB Application: defaults, services, command menu, handlers."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Awaitable, Generator
from contextlib import asynccontextmanager
from contextvars import ContextVar
from datetime import timedelta
from typing import Any, TypeVar

from redis.asyncio import Redis
from telegram import BotCommand, BotCommandScopeDefault, Update
from telegram.constants import ParseMode
from telegram.ext import Application, ApplicationBuilder, Defaults, ExtBot, JobQueue

from booths import SafeFetcher
from bot.inbox_request import InboxRequest
from bot.operations import Operations
from bot.rate_limit import PostingRateLimiter
from handlers import register_all
from handlers.context import CONTEXT_TYPES, BotData, ChatContext, ChatData
from handlers.i18n import t
from handlers.inbox import UpdateInbox
from handlers.telegram_files import BotFiles
from miniapp.api import TELEGRAM_FRAMES, MiniApp
from miniapp.server import build_app, make_miniapp, serve
from pipeline.services import Services
from pipeline.settings import Settings
from pipeline.workers import CpuPool
from scheduler import start_jobs
from storage.redis_state import RedisRateBudget, RedisWindowGate

log = logging.getLogger(__name__)

BotApplication = Application[ExtBot[int], ChatContext, dict[Any, Any], ChatData, BotData, JobQueue[ChatContext]]
RT = TypeVar("RT")
# The tasks non-blocking handlers started for the update being processed in this context (bot.webhook waits for them
# before it calls the update handled); None outside such a context.
HANDLING: ContextVar[set[asyncio.Task[Any]] | None] = ContextVar("handling", default=None)


class TrackingApplication(BotApplication):
    """PTB's Application, which also tells HANDLING about the tasks it starts (block=False handlers run as tasks
    that process_update does not await)."""

    def create_task(
        self,
        coroutine: Generator[asyncio.Future[object], None, RT] | Awaitable[RT],
        update: object | None = None,
        *,
        name: str | None = None,
    ) -> asyncio.Task[RT]:
        task = super().create_task(coroutine, update, name=name)
        tasks = HANDLING.get()
        if tasks is not None:
            tasks.add(task)
        return task


INBOX_FOLDER = "inbox"
# PTB waits 5 s for an answer by default; a busy Telegram (or emulator) then looks like a lost request, and a post
# that timed out cannot be sent again without risking a double (bot.rate_limit).
READ_TIMEOUT_S = 20.0
MENU_COMMANDS = (
    "start",
    "album",
    "people",
    "pose",
    "rank",
    "donate",
    "settings",
    "myface",
    "share",
    "privacy",
    "forget",
    "lang",
    "help",
)


def build_application(
    settings: Settings,
    *,
    cpu: CpuPool | None = None,
    pictures: CpuPool | None = None,
    fetcher: SafeFetcher | None = None,
) -> BotApplication:
    """The bot. `cpu` and `pictures` share the worker pools (heavy work, interactive pictures) between
    applications (tests, playground); `fetcher` replaces the booth fetcher (tests and the playground point booth
    hosts at local servers)."""
    if settings.telegram_bot_token is None:
        raise ValueError("TELEGRAM_BOT_TOKEN is not set")
    inbox = UpdateInbox(settings.data_dir / INBOX_FOLDER)
    builder = (
        ApplicationBuilder()
        .application_class(TrackingApplication)
        .context_types(CONTEXT_TYPES)
        .job_queue(JobQueue[ChatContext]())  # the default one, typed with our context
        .token(settings.telegram_bot_token.get_secret_value())
        .defaults(Defaults(parse_mode=ParseMode.HTML, tzinfo=settings.tz))
        .rate_limiter(PostingRateLimiter(max_retries=3, group_max_rate=settings.group_messages_per_minute))
        .concurrent_updates(True)
        .read_timeout(READ_TIMEOUT_S)
        .get_updates_request(InboxRequest(inbox))
        .post_init(_post_init)
        .post_shutdown(_post_shutdown)
    )
    if settings.bot_api_base_url:
        builder = builder.base_url(settings.bot_api_base_url)
    if settings.bot_api_base_file_url:
        builder = builder.base_file_url(settings.bot_api_base_file_url)
    app = builder.build()
    app.bot_data.settings = settings
    app.bot_data.shared_cpu = cpu
    app.bot_data.shared_pictures = pictures
    app.bot_data.booth_fetcher = fetcher
    app.bot_data.inbox = inbox
    register_all(app)
    return app


async def _post_init(app: BotApplication) -> None:
    data = app.bot_data
    if data.settings is None:
        raise RuntimeError("build the application with build_application()")
    data.services = await Services.start(
        data.settings,
        cpu=data.shared_cpu,
        pictures=data.shared_pictures,
        fetcher=data.booth_fetcher,
        # Members' files are downloaded where the intake's tasks run: here only without a work queue (make run),
        # by this Bot; with WORK_QUEUE_URL by the workers' own (bot/worker.py).
        files=BotFiles(app.bot) if data.settings.work_queue_url is None else None,
    )
    data.limits = data.services.shared.limits
    share_budgets(app, data.services.shared.redis, data.settings.redis_key_prefix)
    await start_miniapp(app, data.services)
    await set_command_menu(app)
    start_jobs(app, data.services)
    await replay_inbox(app)
    log.info("Bot @%s ready", app.bot.username)


async def replay_inbox(app: BotApplication) -> None:
    """Uploads a crash interrupted (handlers.inbox) are handled again, before anything new arrives."""
    inbox = app.bot_data.inbox
    pending = inbox.pending() if inbox is not None else []
    for data in pending:
        update = Update.de_json(data, app.bot)
        if update is not None:
            await app.update_queue.put(update)
    if pending:
        log.info("handling again %d upload(s) a crash interrupted", len(pending))


async def set_command_menu(app: BotApplication) -> None:
    """The / menu in Korean for Korean clients, English for everyone else."""
    for language in ("ko", "en"):
        commands = [BotCommand(name, t(language, f"cmd.{name}")) for name in MENU_COMMANDS]
        await app.bot.set_my_commands(
            commands, scope=BotCommandScopeDefault(), language_code=language if language == "ko" else None
        )


def bot_miniapp(app: BotApplication, services: Services) -> MiniApp | None:
    """The album Mini App when MINIAPP_URL is set (None otherwise); from now on handlers can make album links."""
    if not services.settings.miniapp_url:
        return None
    data = app.bot_data
    miniapp = make_miniapp(services, app.bot, frame_ancestors=(*TELEGRAM_FRAMES, *data.miniapp_frames))
    if data.miniapp_sdk_url:
        miniapp.sdk_url = data.miniapp_sdk_url
    data.album_token = miniapp.tokens.album_token
    return miniapp


async def start_miniapp(app: BotApplication, services: Services) -> None:
    """Serve the Mini App on MINIAPP_PORT with polling (with the operations endpoints beside it); in webhook mode
    bot.webhook's server serves it."""
    settings = services.settings
    if app.bot_data.miniapp_in_webhook or not settings.miniapp_port:
        return
    miniapp = bot_miniapp(app, services)
    if miniapp is None:
        return
    server = build_app(miniapp)
    Operations(lambda: app.bot_data.services, lambda: app.running).mount(server)  # /healthz, /readyz, /metrics
    runner = await serve(server, settings.miniapp_listen, settings.miniapp_port)
    app.bot_data.miniapp_stop = runner.cleanup
    log.info("Mini App served on port %d", settings.miniapp_port)


def share_budgets(app: BotApplication, redis: Redis | None, prefix: str) -> None:
    """With REDIS_URL, the bot's overall Telegram budget and the operators' error-report minute are counted in Redis
    by every replica (the Mini App's budgets: miniapp.server); without it (or once its connection is closed), each
    is kept in this process."""
    limiter = app.bot.rate_limiter
    overall = limiter.overall if isinstance(limiter, PostingRateLimiter) else None
    if redis is None:
        if overall is not None:
            overall.limiter = overall.local
        app.bot_data.error_reports.gate = None
        return
    if overall is not None:
        overall.limiter = RedisRateBudget(redis, "telegram_overall", overall.max_rate, overall.time_period, prefix)
    app.bot_data.error_reports.gate = RedisWindowGate(redis, "error_reports", prefix)


async def _post_shutdown(app: BotApplication) -> None:
    stop, app.bot_data.miniapp_stop = app.bot_data.miniapp_stop, None
    if stop is not None:
        await stop()
    services, app.bot_data.services = app.bot_data.services, None
    if services is not None:
        await services.close()
        share_budgets(app, None, "")  # the Redis connection is closed


@asynccontextmanager
async def running_application(app: BotApplication, *, poll_timeout: float = 1.0) -> AsyncIterator[BotApplication]:
    """Run `app` inside an existing event loop (tests, playground): what run_polling does, without owning the loop."""
    async with app:
        await _post_init(app)
        await app.start()
        updater = app.updater
        if updater is None:
            raise ValueError("the application was built without an updater")
        await updater.start_polling(
            poll_interval=0.0, timeout=timedelta(seconds=poll_timeout), allowed_updates=Update.ALL_TYPES
        )
        try:
            yield app
        finally:
            await updater.stop()
            await app.stop()
            await _post_shutdown(app)
