"""`make run` with no token: the playground in the foreground until Ctrl-C."""

from __future__ import annotations

import asyncio
import errno
import logging
import signal
import sys

from bot.playground import PlaygroundDataError, running_playground
from pipeline.settings import Settings

_LOG = logging.getLogger(__name__)


def run_playground(settings: Settings) -> int:
    """Start the emulator, the bot and the web page; print the page's address; stop cleanly on Ctrl-C."""
    try:
        return asyncio.run(_serve(settings))
    except KeyboardInterrupt:  # Ctrl-C before the signal handlers were installed
        return 0


async def _serve(settings: Settings) -> int:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    try:
        async with running_playground(settings) as playground:
            print(
                f"\n  ChooseCheese playground: open {playground.url} in your browser"
                f"\n  (the real bot, chatting with a local Telegram emulator; Ctrl-C stops it)\n",
                flush=True,
            )
            await stop.wait()
            print("Stopping the playground …", flush=True)
    except PlaygroundDataError as error:
        print(f"Playground: {error}", file=sys.stderr)
        return 1
    except OSError as error:
        if error.errno != errno.EADDRINUSE:
            raise
        print(
            f"Port {settings.playground_port} is already in use. Stop what uses it, or pick another port:"
            f" PLAYGROUND_PORT=8081 make run",
            file=sys.stderr,
        )
        return 1
    finally:
        for signum in (signal.SIGINT, signal.SIGTERM):
            loop.remove_signal_handler(signum)
    _LOG.info("playground stopped")
    return 0
