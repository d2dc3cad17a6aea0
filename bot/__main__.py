"""`python -m bot` / `choosecheese`: run the bot, or the local playground when no token is configured."""

from __future__ import annotations

import logging
import os
import sys

from telegram import Update

from bot.app import build_application
from bot.webhook import run_webhook
from pipeline.settings import Settings
from vision.models import MODEL_DIR_ENV

BOTFATHER_HELP = """\
No TELEGRAM_BOT_TOKEN is set, so the bot cannot talk to Telegram yet.
To get a token: open Telegram, talk to @BotFather, send /newbot, pick a name, and put the token
it gives you into .env as TELEGRAM_BOT_TOKEN=... (see .env.example). Until then you can try the bot
locally in the playground.
"""


def configure_logging() -> None:
    logging.basicConfig(format="%(asctime)s %(levelname)s %(name)s: %(message)s", level=logging.INFO)
    # httpx logs every request URL, and the URL contains the bot token.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    logging.getLogger("apscheduler").setLevel(logging.WARNING)


def main() -> int:
    configure_logging()
    settings = Settings()
    if settings.model_dir:
        # Worker processes inherit the environment: a MODEL_DIR from .env must reach them too.
        os.environ[MODEL_DIR_ENV] = str(settings.model_dir)
    if settings.telegram_bot_token is None and not settings.bot_api_base_url:
        print(BOTFATHER_HELP, file=sys.stderr)
        from bot.playground_run import run_playground

        return run_playground(settings)
    app = build_application(settings)
    if settings.webhook_url:
        run_webhook(app, settings)  # one aiohttp server: Telegram's updates and the Mini App
    else:
        app.run_polling(allowed_updates=Update.ALL_TYPES)
    return 0


if __name__ == "__main__":
    sys.exit(main())
