"""End-to-end fixtures: the real PTB Application polling our strict Bot API emulator over HTTP."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from booths import SafeFetcher
from bot.app import build_application, running_application
from pipeline.workers import CpuPool
from playground.emulator import BotApiEmulator
from tests.booths.fixture_server import FixtureServer
from tests.e2e.harness import TOKEN, Harness, emulator_settings

BOOTH_FETCHER_TIMEOUTS = {"connect_timeout": 5.0, "read_timeout": 2.0, "deadline": 5.0}


@pytest.fixture
async def loopback_booth() -> AsyncIterator[FixtureServer]:
    """A started loopback booth site with no pages yet: a test module's `booth_site` fixture adds its pages."""
    server = FixtureServer()
    await server.start()
    yield server
    await server.stop()


@pytest.fixture
def booth_fetcher(request: pytest.FixtureRequest) -> SafeFetcher | None:
    """The bot's booth fetcher: the real one (None), or — in a test module with a `booth_site` fixture — one that
    reaches only that loopback site (timeouts from the module's BOOTH_FETCHER_TIMEOUTS, if it has one); the harness
    closes it."""
    if not hasattr(request.module, "booth_site"):
        return None
    site: FixtureServer = request.getfixturevalue("booth_site")
    return site.fetcher(**getattr(request.module, "BOOTH_FETCHER_TIMEOUTS", BOOTH_FETCHER_TIMEOUTS))


@pytest.fixture
async def harness(
    request: pytest.FixtureRequest,
    tmp_path: Path,
    cpu_pool: CpuPool,
    picture_pool: CpuPool,
    booth_fetcher: SafeFetcher | None,
) -> AsyncIterator[Harness]:
    # Privacy mode off, as the README tells owners to set it: the bot must see photos sent in groups.
    async with BotApiEmulator(token=TOKEN, privacy_mode=False) as emu:
        # Groups answer each photo here, as most tests read those answers; tests/e2e/test_quiet_groups.py runs
        # with the shipped default (quiet).
        params = {"group_answers": "each"} | getattr(request, "param", {})
        settings = emulator_settings(emu, tmp_path / "data", media_group_wait_s=0.3, album_page_size=3, **params)
        app = build_application(settings, cpu=cpu_pool, pictures=picture_pool, fetcher=booth_fetcher)
        async with running_application(app):
            yield Harness(emu, settings, app)
        if booth_fetcher is not None:
            await booth_fetcher.close()
