"""One running playground: the emulator, its simulated people, the web page and the real bot pointed at it."""

from __future__ import annotations

import asyncio
import shutil
import socket
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

from aiohttp import web
from pydantic import SecretStr
from telegram.ext import Application

from booths import SafeFetcher
from bot.app import build_application, running_application
from bot.playground_miniapp import MiniAppPlace, add_launcher
from pipeline.settings import Settings
from pipeline.workers import CpuPool
from playground.emulator import BotApiEmulator
from playground.samples import BOOTH_HOST, examples
from playground.web_api import start_web
from playground.world import World, seed_world

TOKEN = "7000000001:playground-local-token"
BOT_NAME = "ChooseCheese"
BOT_USERNAME = "choosecheese_playground_bot"
DATA_SUBDIR = "playground"
MARKER = ".choosecheese-playground"


class PlaygroundDataError(RuntimeError):
    pass


@dataclass
class Playground:
    emu: BotApiEmulator
    world: World
    app: Application
    settings: Settings  # the bot's settings inside the playground
    url: str


def playground_data_dir(settings: Settings) -> Path:
    return settings.data_dir / DATA_SUBDIR


def fresh_data_dir(folder: Path) -> Path:
    """Empty the playground's own folder: the emulator forgets its chats and files on exit, so the album must too.

    Only a folder the playground made (it holds the marker file) is ever removed.
    """
    if folder.exists():
        if not (folder / MARKER).is_file() and any(folder.iterdir()):
            raise PlaygroundDataError(f"{folder} exists and was not made by the playground; move it away first")
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    (folder / MARKER).write_text("Made by the ChooseCheese playground; emptied on every start.\n")
    return folder


def bot_settings(settings: Settings, emu: BotApiEmulator, data_dir: Path) -> Settings:
    """The user's settings, but talking to the emulator and keeping everything in the playground's folder."""
    return settings.model_copy(
        update={
            "telegram_bot_token": SecretStr(emu.token),
            "bot_api_base_url": emu.base_url,
            "bot_api_base_file_url": emu.base_file_url,
            "data_dir": data_dir,
            "database_url": None,  # never the real bot's database
            "webhook_url": None,
            "admin_ids": [],
        }
    )


@asynccontextmanager
async def running_playground(
    settings: Settings, *, host: str = "127.0.0.1", port: int | None = None, cpu: CpuPool | None = None
) -> AsyncIterator[Playground]:
    """Start everything (port None: PLAYGROUND_PORT; 0: any free port); stop it all, in reverse, on exit."""
    data_dir = fresh_data_dir(playground_data_dir(settings))
    await asyncio.to_thread(examples)  # drawn once (a few seconds of CPU), off the event loop
    async with BotApiEmulator(
        token=TOKEN, privacy_mode=False, bot_first_name=BOT_NAME, bot_username=BOT_USERNAME
    ) as emu:
        world = seed_world(emu)
        # The bot serves the album Mini App on a port of its own; the page opens it in a frame (bot.playground_miniapp).
        miniapp_port = free_port(host)
        place = MiniAppPlace(f"http://{host}:{miniapp_port}/")
        runner = await start_web(
            emu, host, settings.playground_port if port is None else port, lambda web: add_launcher(web, emu, place)
        )
        try:
            web_port = _bound_port(runner)
            # The sample booth's host is routed to our own server; every other booth URL is fetched as usual.
            fetcher = SafeFetcher(allow_loopback=True, host_map={BOOTH_HOST: (host, web_port)})
            used = bot_settings(settings, emu, data_dir).model_copy(
                update={
                    "miniapp_url": place.url,
                    "miniapp_short_name": place.short_name,
                    "miniapp_listen": host,
                    "miniapp_port": miniapp_port,
                }
            )
            app = build_application(used, cpu=cpu, fetcher=fetcher)
            app.bot_data.miniapp_sdk_url = f"http://{host}:{web_port}/miniapp-sdk.js"
            app.bot_data.miniapp_frames = (f"http://{host}:{web_port}",)
            async with running_application(app):
                yield Playground(emu, world, app, used, f"http://{host}:{web_port}/")
        finally:
            await runner.cleanup()


def free_port(host: str) -> int:
    with socket.socket() as probe:
        probe.bind((host, 0))
        return int(probe.getsockname()[1])


def _bound_port(runner: web.AppRunner) -> int:
    return int(runner.addresses[0][1])
